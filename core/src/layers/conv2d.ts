/**
 * The convolution layer of seed 004 section 3.3 (eq. 60-62, Table 5), with zero padding (seed 000) and the
 * stride inside the convolution (Remark 4, eq. 62):
 *
 *   Z_o[x, y] = sum_{c in D_o} sum_{u < kh} sum_{v < kw} pad(Y_c)[s_h x + u, s_w y + v] * omega_{oc}[u, v] + b_o
 *
 * where x runs over output rows, y over output columns and pad() adds p_h zero rows above and below and p_w zero
 * columns left and right. D_o (the connection table, Table 1) lists the input maps feeding output map o; the default
 * is all of them. With `sharing: "map"` one kernel omega_o serves every connection of output map o (Remark 2).
 *
 * Output size: a_out = floor((a + 2 p_h - kh) / s_h) + 1, likewise b_out.
 *
 * Parameters: [vec(W); b] as in seed 001, where W in R^{d_out x (kh kw d_in)} has column u + kh v + kh kw c (the
 * order of the rows of phi(Z) in seed 001: row offset fastest, then column offset, then channel) and vec stacks
 * columns. With a partial connection table the entries of W for missing connections are structurally zero and are
 * left out of vec(W), keeping the column-major order of the rest. With `sharing: "map"`, W is d_out x (kh kw).
 * `weightIndex(o, c, u, v)` gives the position of omega_{oc}[u, v] in the layer's parameters.
 *
 * Forward/backward signature (for cross-checks with the im2col and explicit-matrix forms): `forward(params, x, y,
 * batch)` with x of shape [batch, d_in, a, b] and y of shape [batch, d_out, a_out, b_out], NCHW;
 * `backward(params, x, y, dy, dx, grad, batch)` writes dx = dr/dx (unless dx is null) and overwrites
 * grad = [dr/dvec(W); dr/db] (eq. 79-81), both summed over the batch.
 *
 * Two algorithms compute the same numbers. "direct" (`directForward`, `directBackward`) is the reference: the
 * loops of eq. 61, with the input delta of eq. 74 (the zero-padded delta correlated with the rot180 kernel) computed
 * as the equivalent scatter over the forward's index pairs (`conv2dInputDeltaByRotation` in conv2d-rotation.ts
 * computes it literally). "lowered" (the default) is im2col + GEMM (conv2d-lowered.ts).
 */
import type { SeededRandom } from "../data/random";
import type { FloatArray, Shape } from "../tensor";
import { formatShape } from "../tensor";
import { convGeometry, validOutputRange, type ConvGeometry } from "../matrix/geometry";
import { validateConnections } from "./connection-table";
import { LoweredConv2d } from "./conv2d-lowered";
import {
  LayerConfigError,
  ShapeMismatchError,
  pair,
  requireBatch,
  requireNonNegativeInteger,
  requirePositiveInteger,
  type Layer,
  type Pair,
  type ParameterGroup,
} from "./layer";

export type KernelSharing = "connection" | "map";

export interface Conv2dAttrs {
  /** d_out, the number of output maps. */
  readonly filters: number;
  /** Kernel size, kh x kw (a number for a square kernel). */
  readonly kernel: Pair;
  /** Stride inside the convolution (Remark 4); default 1. */
  readonly stride?: Pair;
  /** Zero padding on each side; default 0. */
  readonly padding?: Pair;
  /** D_o for each output map o: the input maps it reads. Default: every input map. */
  readonly connections?: readonly (readonly number[])[];
  /** One kernel per connection (default, omega_{oc}) or one per output map (omega_o, Remark 2). */
  readonly sharing?: KernelSharing;
  /**
   * "lowered" (default): im2col and cache-blocked GEMM (conv2d-lowered.ts), the fast path for forward and backward.
   * "direct": the loops of eq. 61 and 79-81, the reference. Forward mode (`forwardTangent`) always runs direct.
   */
  readonly algorithm?: ConvAlgorithm;
}

export type ConvAlgorithm = "direct" | "lowered";

export class Conv2dLayer implements Layer {
  readonly kind = "conv2d";
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount: number;
  readonly parameterGroups: readonly ParameterGroup[];

  /** Sizes, stride and padding as the matrix form states them (matrix/geometry.ts); the getters below read them. */
  readonly geometry: ConvGeometry;
  readonly sharing: KernelSharing;
  /** D_o, sorted. */
  readonly connections: readonly (readonly number[])[];
  readonly weightCount: number;
  readonly algorithm: ConvAlgorithm;
  private readonly lowered: LoweredConv2d | undefined;

  /** For (o, c): offset of omega_{oc}[0, 0] in vec(W), or -1 when c is not in D_o. */
  private readonly kernelBase: Int32Array;
  /** For c: the distance in vec(W) between omega_{oc}[u, v] and the next (u, v) in column order. */
  private readonly kernelStride: Int32Array;
  /** Valid output row range for each kernel row u: rows x with 0 <= s_h x + u - p_h < a. */
  private readonly rowLo: Int32Array;
  private readonly rowHi: Int32Array;
  private readonly colLo: Int32Array;
  private readonly colHi: Int32Array;

  constructor(
    readonly name: string,
    inputShape: Shape,
    attrs: Conv2dAttrs,
  ) {
    if (inputShape.length !== 3) {
      throw new LayerConfigError(
        name,
        `a convolution takes images [C, H, W]; got ${formatShape(inputShape)}`,
      );
    }
    const [inChannels, inHeight, inWidth] = inputShape;
    requirePositiveInteger(name, "filters", attrs.filters);
    const [kh, kw] = pair(attrs.kernel);
    const [sh, sw] = pair(attrs.stride ?? 1);
    const [ph, pw] = pair(attrs.padding ?? 0);
    requirePositiveInteger(name, "kernel height", kh);
    requirePositiveInteger(name, "kernel width", kw);
    requirePositiveInteger(name, "stride", sh);
    requirePositiveInteger(name, "stride", sw);
    requireNonNegativeInteger(name, "padding", ph);
    requireNonNegativeInteger(name, "padding", pw);
    if (kh > inHeight + 2 * ph || kw > inWidth + 2 * pw) {
      throw new LayerConfigError(
        name,
        `kernel ${kh}x${kw} is larger than the padded input ${inHeight + 2 * ph}x${inWidth + 2 * pw} ` +
          `(input ${formatShape(inputShape)}, padding ${ph}x${pw})`,
      );
    }
    this.sharing = attrs.sharing ?? "connection";
    if (this.sharing !== "connection" && this.sharing !== "map") {
      throw new LayerConfigError(
        name,
        `sharing must be "connection" or "map", got '${String(this.sharing)}'`,
      );
    }
    const outChannels = attrs.filters;
    this.connections = validateConnections(name, attrs.connections, outChannels, inChannels);

    this.geometry = convGeometry({
      inChannels,
      height: inHeight,
      width: inWidth,
      outChannels,
      kernel: [kh, kw],
      stride: [sh, sw],
      padding: [ph, pw],
    });
    this.inputShape = [inChannels, inHeight, inWidth];
    this.outputShape = [outChannels, this.outHeight, this.outWidth];
    this.inputSize = inChannels * inHeight * inWidth;
    this.outputSize = outChannels * this.outHeight * this.outWidth;

    this.kernelBase = new Int32Array(outChannels * inChannels).fill(-1);
    this.kernelStride = new Int32Array(inChannels);
    if (this.sharing === "map") {
      for (let o = 0; o < outChannels; o++) {
        for (const c of this.connections[o]) this.kernelBase[o * inChannels + c] = o;
      }
      this.kernelStride.fill(outChannels);
      this.weightCount = outChannels * kh * kw;
    } else {
      // Column-major vec(W) without the structural zeros: channel c's columns hold |C_c| entries each.
      let channelStart = 0;
      for (let c = 0; c < inChannels; c++) {
        let rank = 0;
        for (let o = 0; o < outChannels; o++) {
          if (this.connections[o].includes(c)) this.kernelBase[o * inChannels + c] = channelStart + rank++;
        }
        this.kernelStride[c] = rank;
        channelStart += rank * kh * kw;
      }
      this.weightCount = channelStart;
    }
    this.parameterCount = this.weightCount + outChannels;
    this.parameterGroups = [
      { name: "W", offset: 0, length: this.weightCount },
      { name: "b", offset: this.weightCount, length: outChannels },
    ];

    this.algorithm = attrs.algorithm ?? "lowered";
    if (this.algorithm !== "direct" && this.algorithm !== "lowered") {
      throw new LayerConfigError(
        name,
        `algorithm must be "direct" or "lowered", got '${String(this.algorithm)}'`,
      );
    }
    this.lowered = this.algorithm === "lowered" ? new LoweredConv2d(this) : undefined;

    this.rowLo = new Int32Array(kh);
    this.rowHi = new Int32Array(kh);
    for (let u = 0; u < kh; u++) {
      [this.rowLo[u], this.rowHi[u]] = validOutputRange(u, ph, sh, inHeight, this.outHeight);
    }
    this.colLo = new Int32Array(kw);
    this.colHi = new Int32Array(kw);
    for (let v = 0; v < kw; v++) {
      [this.colLo[v], this.colHi[v]] = validOutputRange(v, pw, sw, inWidth, this.outWidth);
    }
  }

  get inChannels(): number {
    return this.geometry.inChannels;
  }
  get inHeight(): number {
    return this.geometry.height;
  }
  get inWidth(): number {
    return this.geometry.width;
  }
  get outChannels(): number {
    return this.geometry.outChannels;
  }
  get outHeight(): number {
    return this.geometry.outHeight;
  }
  get outWidth(): number {
    return this.geometry.outWidth;
  }
  get kernelHeight(): number {
    return this.geometry.kernelHeight;
  }
  get kernelWidth(): number {
    return this.geometry.kernelWidth;
  }
  get strideHeight(): number {
    return this.geometry.strideHeight;
  }
  get strideWidth(): number {
    return this.geometry.strideWidth;
  }
  get padHeight(): number {
    return this.geometry.padHeight;
  }
  get padWidth(): number {
    return this.geometry.padWidth;
  }

  /** Checks the parameters, the input and an output-shaped array (y or dy) against the layer's shapes. */
  private checkArrays(params: FloatArray, x: FloatArray, out: FloatArray, batch: number): void {
    if (params.length < this.parameterCount) {
      throw new ShapeMismatchError(
        `layer '${this.name}': params`,
        `${this.parameterCount} values`,
        `${params.length}`,
      );
    }
    requireBatch(this, "input", x, batch, this.inputShape);
    requireBatch(this, "output", out, batch, this.outputShape);
  }

  /** The position of omega_{oc}[u, v] in the layer's parameters, or -1 when c is not in D_o. */
  weightIndex(o: number, c: number, u: number, v: number): number {
    const base = this.kernelBase[o * this.inChannels + c];
    return base < 0 ? -1 : base + (u + this.kernelHeight * v) * this.kernelStride[c];
  }

  forward(params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    this.checkArrays(params, x, y, batch);
    if (this.lowered) this.lowered.forward(params, x, y, batch);
    else this.directForward(params, x, y, batch);
  }

  /** Eq. 60-62 with padding, as loops. */
  directForward(params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    this.fillBias(params, y, batch);
    this.accumulate(params, x, y, batch);
  }

  /** y[n, o] = b_o everywhere. */
  private fillBias(params: FloatArray, y: FloatArray, batch: number): void {
    const outPlane = this.outHeight * this.outWidth;
    for (let n = 0; n < batch; n++) {
      for (let o = 0; o < this.outChannels; o++) {
        const yBase = (n * this.outChannels + o) * outPlane;
        y.fill(params[this.weightCount + o], yBase, yBase + outPlane);
      }
    }
  }

  /** y += sum_{c in D_o} pad(x_c) star omega_{oc} (eq. 61-62 without the bias). */
  private accumulate(params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    const { inChannels, inHeight, inWidth, outChannels, outHeight, outWidth } = this;
    const {
      kernelHeight: kh,
      kernelWidth: kw,
      strideHeight: sh,
      strideWidth: sw,
      padHeight: ph,
      padWidth: pw,
    } = this;
    const outPlane = outHeight * outWidth;
    const inPlane = inHeight * inWidth;
    for (let n = 0; n < batch; n++) {
      for (let o = 0; o < outChannels; o++) {
        const yBase = (n * outChannels + o) * outPlane;
        for (const c of this.connections[o]) {
          const xBase = (n * inChannels + c) * inPlane;
          const base = this.kernelBase[o * inChannels + c];
          const stride = this.kernelStride[c];
          for (let u = 0; u < kh; u++) {
            const rowLo = this.rowLo[u];
            const rowHi = this.rowHi[u];
            for (let v = 0; v < kw; v++) {
              const w = params[base + (u + kh * v) * stride];
              const colLo = this.colLo[v];
              const colHi = this.colHi[v];
              for (let oy = rowLo; oy < rowHi; oy++) {
                const xRow = xBase + (oy * sh + u - ph) * inWidth + v - pw;
                const yRow = yBase + oy * outWidth;
                for (let ox = colLo; ox < colHi; ox++) y[yRow + ox] += w * x[xRow + ox * sw];
              }
            }
          }
        }
      }
    }
  }

  backward(
    params: FloatArray,
    x: FloatArray,
    _y: FloatArray,
    dy: FloatArray,
    dx: FloatArray | null,
    grad: FloatArray,
    batch: number,
  ): void {
    this.checkArrays(params, x, dy, batch);
    if (dx) requireBatch(this, "dx", dx, batch, this.inputShape);
    if (grad.length < this.parameterCount) {
      throw new ShapeMismatchError(
        `layer '${this.name}': grad`,
        `${this.parameterCount} values`,
        `${grad.length}`,
      );
    }
    if (this.lowered) this.lowered.backward(params, x, dy, dx, grad, batch);
    else this.directBackward(params, x, dy, dx, grad, batch);
  }

  /** Eq. 74 (as a scatter) and eq. 79-81, as loops. */
  directBackward(
    params: FloatArray,
    x: FloatArray,
    dy: FloatArray,
    dx: FloatArray | null,
    grad: FloatArray,
    batch: number,
  ): void {
    const { inChannels, inHeight, inWidth, outChannels, outHeight, outWidth } = this;
    const {
      kernelHeight: kh,
      kernelWidth: kw,
      strideHeight: sh,
      strideWidth: sw,
      padHeight: ph,
      padWidth: pw,
    } = this;
    const outPlane = outHeight * outWidth;
    const inPlane = inHeight * inWidth;
    grad.fill(0, 0, this.parameterCount);
    if (dx) dx.fill(0, 0, batch * this.inputSize);
    for (let n = 0; n < batch; n++) {
      for (let o = 0; o < outChannels; o++) {
        const dyBase = (n * outChannels + o) * outPlane;
        let biasSum = 0;
        for (let k = 0; k < outPlane; k++) biasSum += dy[dyBase + k];
        grad[this.weightCount + o] += biasSum; // eq. 81
        for (const c of this.connections[o]) {
          const xBase = (n * inChannels + c) * inPlane;
          const base = this.kernelBase[o * inChannels + c];
          const stride = this.kernelStride[c];
          for (let u = 0; u < kh; u++) {
            const rowLo = this.rowLo[u];
            const rowHi = this.rowHi[u];
            for (let v = 0; v < kw; v++) {
              const index = base + (u + kh * v) * stride;
              const w = params[index];
              const colLo = this.colLo[v];
              const colHi = this.colHi[v];
              let sum = 0;
              for (let oy = rowLo; oy < rowHi; oy++) {
                const xRow = xBase + (oy * sh + u - ph) * inWidth + v - pw;
                const dyRow = dyBase + oy * outWidth;
                for (let ox = colLo; ox < colHi; ox++) sum += dy[dyRow + ox] * x[xRow + ox * sw];
                if (dx) {
                  for (let ox = colLo; ox < colHi; ox++) dx[xRow + ox * sw] += w * dy[dyRow + ox];
                }
              }
              grad[index] += sum; // eq. 79 (eq. 80 when the kernel is shared by the map's connections)
            }
          }
        }
      }
    }
  }

  /** The convolution is bilinear in (W, x): dZ = conv(x; dW) + db + conv(dx; W). */
  forwardTangent(
    params: FloatArray,
    x: FloatArray,
    _y: FloatArray,
    dParams: FloatArray,
    dx: FloatArray | null,
    dyOut: FloatArray,
    batch: number,
  ): void {
    this.directForward(dParams, x, dyOut, batch);
    if (dx) this.accumulate(params, dx, dyOut, batch);
  }

  /** Glorot-uniform kernels with fan-in |D_o| kh kw and fan-out (mean |C_c|) kh kw; zero biases. */
  initialize(params: FloatArray, random: SeededRandom): void {
    const area = this.kernelHeight * this.kernelWidth;
    let connectionCount = 0;
    for (const inputs of this.connections) connectionCount += inputs.length;
    const fanOut = (connectionCount / this.inChannels) * area;
    for (let o = 0; o < this.outChannels; o++) {
      const fanIn = this.connections[o].length * area;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      const inputs = this.sharing === "map" ? [this.connections[o][0]] : this.connections[o];
      for (const c of inputs) {
        for (let u = 0; u < this.kernelHeight; u++) {
          for (let v = 0; v < this.kernelWidth; v++) {
            params[this.weightIndex(o, c, u, v)] = (2 * random.next() - 1) * limit;
          }
        }
      }
    }
    params.fill(0, this.weightCount, this.parameterCount);
  }
}
