/**
 * A convolution layer (layers/conv2d.ts) on the WebAssembly kernels. The kernels take the full W^T (R x d_out); a
 * partial connection table or kernels shared per map (seed 004 Remark 2) are expanded into it, with zeros for
 * missing connections, and the full gradient is folded back (summed over the entries sharing a parameter), as
 * layers/conv2d-lowered.ts does; both run in WebAssembly (gather, scatterAdd). Forward mode stays on the reference.
 *
 * A convolution whose unpadded input is exactly one kernel (one output position: LeNet-5's C5) is a dense layer,
 * Y = X W' + 1 b^T with X the batch's samples as rows: it runs as three GEMMs with no im2col (measured 2.2x faster
 * than the convolution kernels for C5 at batch 64). W' is W^T with its rows in the sample's order (c, u, v) instead
 * of the patch order r = u + kh (v + kw c); the expansion above does that reordering too.
 */
import type { Conv2dLayer } from "../../layers/conv2d";
import type { ConvGeometry } from "../../matrix/geometry";
import type { FloatArray } from "../../tensor";
import { AcceleratedLayer } from "./accelerated";
import type { DenseSizes, WasmOperations } from "./operations";

export class WasmConv2dLayer extends AcceleratedLayer<Conv2dLayer> {
  private readonly geometry: ConvGeometry;
  /** For entry (r, o) of W^T: the parameter index, or -1 for a structural zero; null when W^T is vec(W) itself. */
  private readonly fullIndex: Int32Array | null;
  /** True when the kernel covers the whole unpadded input: the layer is a dense layer. */
  private readonly dense: boolean;
  private readonly weights: Float32Array;
  private readonly weightGrad: Float32Array;
  private readonly biasGrad: Float32Array;

  constructor(
    layer: Conv2dLayer,
    private readonly backend: WasmOperations,
  ) {
    super(layer);
    this.geometry = layer.geometry;
    const { patchSize } = this.geometry;
    const outChannels = layer.outChannels;
    const kh = layer.kernelHeight;
    const kw = layer.kernelWidth;
    const unpadded = layer.padHeight === 0 && layer.padWidth === 0;
    const isDense = unpadded && layer.inHeight === kh && layer.inWidth === kw;
    this.dense = isDense;
    const fullIndex = new Int32Array(patchSize * outChannels);
    let identity = true;
    for (let c = 0; c < layer.inChannels; c++) {
      for (let v = 0; v < kw; v++) {
        for (let u = 0; u < kh; u++) {
          // The patch row, or for a dense layer the position of x[c, u, v] in the sample (NCHW).
          const r = isDense ? v + kw * (u + kh * c) : u + kh * (v + kw * c);
          for (let o = 0; o < outChannels; o++) {
            const index = layer.weightIndex(o, c, u, v);
            fullIndex[r * outChannels + o] = index;
            if (index !== r * outChannels + o) identity = false;
          }
        }
      }
    }
    this.fullIndex = identity ? null : backend.allocateIndex(fullIndex.length, this);
    this.fullIndex?.set(fullIndex);
    this.weights = backend.allocate(patchSize * outChannels, this);
    this.weightGrad = backend.allocate(patchSize * outChannels, this);
    this.biasGrad = backend.allocate(outChannels, this);
  }

  forward(params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    const [p, input, output] = this.float32(
      [params, this.parameterCount],
      [x, batch * this.inputSize],
      [y, batch * this.outputSize],
    );
    const weights = this.expandWeights(p);
    const bias = p.subarray(this.layer.weightCount, this.parameterCount);
    if (this.dense) this.backend.denseForward(this.denseSizes(batch), input, weights, bias, output);
    else this.backend.conv2dForward(this.geometry, batch, input, weights, bias, output);
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
    const [p, input, delta, g] = this.float32(
      [params, this.parameterCount],
      [x, batch * this.inputSize],
      [dy, batch * this.outputSize],
      [grad, this.parameterCount],
    );
    const weights = this.expandWeights(p);
    const target = dx ? this.float32([dx, batch * this.inputSize])[0] : null;
    if (this.dense) {
      this.backend.denseBackward(
        this.denseSizes(batch),
        input,
        weights,
        delta,
        target,
        this.weightGrad,
        this.biasGrad,
      );
    } else {
      this.backend.conv2dBackwardFilter(this.geometry, batch, input, delta, this.weightGrad, this.biasGrad);
      if (target) this.backend.conv2dBackwardInput(this.geometry, batch, delta, weights, target);
    }
    if (this.fullIndex) {
      g.fill(0, 0, this.layer.weightCount);
      this.backend.scatterAdd(this.weightGrad, this.fullIndex, g);
    } else {
      g.set(this.weightGrad);
    }
    g.set(this.biasGrad, this.layer.weightCount);
  }

  /** The dense layer's sizes: one row of R inputs and d_out outputs per sample. */
  private denseSizes(batch: number): DenseSizes {
    return { batch, nIn: this.geometry.patchSize, nOut: this.layer.outChannels };
  }

  /** W^T (R x d_out) from the layer's parameters. */
  private expandWeights(params: Float32Array): Float32Array {
    if (!this.fullIndex) return params.subarray(0, this.weights.length);
    this.backend.gather(params, this.fullIndex, this.weights);
    return this.weights;
  }
}
