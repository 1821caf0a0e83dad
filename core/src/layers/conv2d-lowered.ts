/**
 * The convolution of conv2d.ts lowered to matrix products (seed 001 eq. 1 and 4): for a group of G samples,
 *
 *   cols = [phi(pad(Z^1)) ... phi(pad(Z^G))]   (R x G P, R = kh kw d_in, P = a_out b_out)
 *   S = W cols + b 1^T,   dW = dS cols^T,   dcols = W^T dS,   dZ = phi^T(dcols)
 *
 * with the cache-blocked GEMM of matrix/gemm.ts. Batching G samples into one product gives the GEMM wide operands
 * even where one sample has few output positions (LeNet-5's C5 has P = 1).
 *
 * A partial connection table or kernels shared per map (Remark 2) are handled by expanding the layer's parameters
 * into the full W (zeros for missing connections, a shared kernel repeated) and folding the full gradient back.
 * Rows of phi are in the document's order r = u + kh (v + kw c), the columns of vec(W) in conv2d.ts.
 *
 * Scratch buffers grow on demand and are kept, so repeated calls with one batch size allocate nothing.
 */
import { validOutputRange } from "../matrix/geometry";
import { gemm } from "../matrix/gemm";
import { allocate, dtypeOf, type FloatArray } from "../tensor";

/**
 * What the lowering reads of a convolution layer (conv2d.ts's Conv2dLayer), declared here so that the two files do
 * not import each other.
 */
export interface LoweredConvLayer {
  readonly inChannels: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly outChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly kernelHeight: number;
  readonly kernelWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly padHeight: number;
  readonly padWidth: number;
  readonly inputSize: number;
  readonly parameterCount: number;
  readonly weightCount: number;
  /** The position of omega_{oc}[u, v] in the layer's parameters, or -1 for a missing connection. */
  weightIndex(o: number, c: number, u: number, v: number): number;
}

/** Upper bound on the entries of one cols buffer; larger batches are processed in groups. */
const MAX_COLS = 1 << 21;

export class LoweredConv2d {
  /** For entry (r, o) of W^T (R x d_out row-major): the parameter index, or -1 for a structural zero. */
  private readonly fullIndex: Int32Array;
  /** True when vec(W) already is W^T row-major (full table, one kernel per connection). */
  private readonly identity: boolean;
  private readonly patch: number;
  private readonly positions: number;
  private readonly groupSize: number;
  private cols: FloatArray | undefined;
  private dCols: FloatArray | undefined;
  private scratch: FloatArray | undefined;
  private weights: FloatArray | undefined;
  private weightGrad: FloatArray | undefined;

  constructor(private readonly layer: LoweredConvLayer) {
    const { inChannels, outChannels, kernelHeight: kh, kernelWidth: kw } = layer;
    this.patch = kh * kw * inChannels;
    this.positions = layer.outHeight * layer.outWidth;
    this.groupSize = Math.max(1, Math.floor(MAX_COLS / (this.patch * this.positions)));
    this.fullIndex = new Int32Array(this.patch * outChannels);
    let identity = true;
    for (let c = 0; c < inChannels; c++) {
      for (let v = 0; v < kw; v++) {
        for (let u = 0; u < kh; u++) {
          const r = u + kh * (v + kw * c);
          for (let o = 0; o < outChannels; o++) {
            const index = layer.weightIndex(o, c, u, v);
            this.fullIndex[r * outChannels + o] = index;
            if (index !== r * outChannels + o) identity = false;
          }
        }
      }
    }
    this.identity = identity;
  }

  forward(params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    const { outChannels } = this.layer;
    const P = this.positions;
    const R = this.patch;
    const weights = this.expandWeights(params);
    for (let start = 0; start < batch; start += this.groupSize) {
      const G = Math.min(this.groupSize, batch - start);
      const cols = this.buffer("cols", R * G * P, x);
      const scratch = this.buffer("scratch", outChannels * G * P, x);
      this.lower(x, start, G, cols);
      // vec(W) read row-major is W^T (R x d_out), hence transA: S (d_out x G P) = W cols.
      gemm(true, false, outChannels, G * P, R, 1, weights, outChannels, cols, G * P, 0, scratch, G * P);
      for (let n = 0; n < G; n++) {
        for (let o = 0; o < outChannels; o++) {
          const bias = params[this.layer.weightCount + o];
          const from = o * G * P + n * P;
          const to = ((start + n) * outChannels + o) * P;
          for (let p = 0; p < P; p++) y[to + p] = scratch[from + p] + bias;
        }
      }
    }
  }

  backward(
    params: FloatArray,
    x: FloatArray,
    dy: FloatArray,
    dx: FloatArray | null,
    grad: FloatArray,
    batch: number,
  ) {
    const { outChannels } = this.layer;
    const P = this.positions;
    const R = this.patch;
    const weights = this.expandWeights(params);
    const weightGrad = this.identity ? grad : this.buffer("weightGrad", R * outChannels, grad);
    weightGrad.fill(0, 0, R * outChannels);
    grad.fill(0, 0, this.layer.parameterCount);
    if (dx) dx.fill(0, 0, batch * this.layer.inputSize);
    for (let start = 0; start < batch; start += this.groupSize) {
      const G = Math.min(this.groupSize, batch - start);
      const cols = this.buffer("cols", R * G * P, x);
      const scratch = this.buffer("scratch", outChannels * G * P, x);
      this.lower(x, start, G, cols);
      for (let n = 0; n < G; n++) {
        for (let o = 0; o < outChannels; o++) {
          const from = ((start + n) * outChannels + o) * P;
          const to = o * G * P + n * P;
          let sum = 0;
          for (let p = 0; p < P; p++) {
            const d = dy[from + p];
            scratch[to + p] = d;
            sum += d;
          }
          grad[this.layer.weightCount + o] += sum;
        }
      }
      // dW^T (R x d_out) += cols dS^T.
      gemm(false, true, R, outChannels, G * P, 1, cols, G * P, scratch, G * P, 1, weightGrad, outChannels);
      if (dx) {
        const dCols = this.buffer("dCols", R * G * P, x);
        gemm(false, false, R, G * P, outChannels, 1, weights, outChannels, scratch, G * P, 0, dCols, G * P);
        this.raise(dCols, start, G, dx);
      }
    }
    if (!this.identity) {
      for (let k = 0; k < this.fullIndex.length; k++) {
        const index = this.fullIndex[k];
        if (index >= 0) grad[index] += weightGrad[k];
      }
    }
  }

  /** W^T (R x d_out row-major) from the layer's parameters. */
  private expandWeights(params: FloatArray): FloatArray {
    if (this.identity) return params;
    const weights = this.buffer("weights", this.fullIndex.length, params);
    for (let k = 0; k < this.fullIndex.length; k++) {
      const index = this.fullIndex[k];
      weights[k] = index >= 0 ? params[index] : 0;
    }
    return weights;
  }

  /** cols[r][n P + p] = pad(x_{start+n})[patch row r at output position p], for n < G (zero in the padding). */
  private lower(x: FloatArray, start: number, G: number, cols: FloatArray): void {
    this.eachRow(start, G, (out, source, j0, j1, inRange) => {
      const { outWidth, strideWidth: sw } = this.layer;
      if (!inRange) {
        cols.fill(0, out, out + outWidth);
        return;
      }
      cols.fill(0, out, out + j0);
      for (let j = j0, k = source; j < j1; j++, k += sw) cols[out + j] = x[k];
      cols.fill(0, out + j1, out + outWidth);
    });
  }

  /** The adjoint of `lower`: dx += phi^T(dCols). */
  private raise(dCols: FloatArray, start: number, G: number, dx: FloatArray): void {
    this.eachRow(start, G, (out, source, j0, j1, inRange) => {
      if (!inRange) return;
      const sw = this.layer.strideWidth;
      for (let j = j0, k = source; j < j1; j++, k += sw) dx[k] += dCols[out + j];
    });
  }

  /**
   * Visits every output row of every (patch row, sample): `out` is the cols offset of the row's first position,
   * `source` the input offset read by position j0, [j0, j1) the positions whose input column lies inside the image,
   * and `inRange` whether the input row does.
   */
  private eachRow(
    start: number,
    G: number,
    visit: (out: number, source: number, j0: number, j1: number, inRange: boolean) => void,
  ): void {
    const layer = this.layer;
    const { inChannels, inHeight, inWidth, outHeight, outWidth, kernelHeight: kh, kernelWidth: kw } = layer;
    const { strideHeight: sh, strideWidth: sw, padHeight: ph, padWidth: pw } = layer;
    const P = this.positions;
    const width = G * P;
    for (let c = 0; c < inChannels; c++) {
      for (let v = 0; v < kw; v++) {
        const [j0, j1] = validOutputRange(v, pw, sw, inWidth, outWidth);
        for (let u = 0; u < kh; u++) {
          const rowBase = (u + kh * (v + kw * c)) * width;
          for (let n = 0; n < G; n++) {
            const plane = ((start + n) * inChannels + c) * inHeight * inWidth;
            for (let i = 0; i < outHeight; i++) {
              const row = i * sh + u - ph;
              const inRange = row >= 0 && row < inHeight;
              visit(
                rowBase + n * P + i * outWidth,
                plane + row * inWidth + j0 * sw + v - pw,
                j0,
                j1,
                inRange,
              );
            }
          }
        }
      }
    }
  }

  private buffer(
    name: "cols" | "dCols" | "scratch" | "weights" | "weightGrad",
    length: number,
    like: FloatArray,
  ) {
    const current = this[name];
    if (current && current.length >= length && dtypeOf(current) === dtypeOf(like)) return current;
    const fresh = allocate(dtypeOf(like), length);
    this[name] = fresh;
    return fresh;
  }
}
