/**
 * A convolution layer (layers/conv2d.ts) on the WebAssembly kernels. The kernels take the full W^T (R x d_out); a
 * partial connection table or kernels shared per map (seed 004 Remark 2) are expanded into it, with zeros for
 * missing connections, and the full gradient is folded back (summed over the entries sharing a parameter), as
 * layers/conv2d-lowered.ts does. Forward mode stays on the reference.
 */
import type { Conv2dLayer } from "../../layers/conv2d";
import { convGeometry, type ConvGeometry } from "../../matrix/geometry";
import type { FloatArray } from "../../tensor";
import { AcceleratedLayer } from "./accelerated";
import type { WasmBackend } from "./backend";

export class WasmConv2dLayer extends AcceleratedLayer<Conv2dLayer> {
  private readonly geometry: ConvGeometry;
  /** For entry (r, o) of W^T: the parameter index, or -1 for a structural zero; null when W^T is vec(W) itself. */
  private readonly fullIndex: Int32Array | null;
  private readonly weights: Float32Array;
  private readonly weightGrad: Float32Array;
  private readonly biasGrad: Float32Array;

  constructor(
    layer: Conv2dLayer,
    private readonly backend: WasmBackend,
  ) {
    super(layer);
    this.geometry = convGeometry({
      inChannels: layer.inChannels,
      height: layer.inHeight,
      width: layer.inWidth,
      outChannels: layer.outChannels,
      kernel: [layer.kernelHeight, layer.kernelWidth],
      stride: [layer.strideHeight, layer.strideWidth],
      padding: [layer.padHeight, layer.padWidth],
    });
    const { patchSize } = this.geometry;
    const outChannels = layer.outChannels;
    const fullIndex = new Int32Array(patchSize * outChannels);
    let identity = true;
    for (let c = 0; c < layer.inChannels; c++) {
      for (let v = 0; v < layer.kernelWidth; v++) {
        for (let u = 0; u < layer.kernelHeight; u++) {
          const r = u + layer.kernelHeight * (v + layer.kernelWidth * c);
          for (let o = 0; o < outChannels; o++) {
            const index = layer.weightIndex(o, c, u, v);
            fullIndex[r * outChannels + o] = index;
            if (index !== r * outChannels + o) identity = false;
          }
        }
      }
    }
    this.fullIndex = identity ? null : fullIndex;
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
    this.backend.conv2dForward(
      this.geometry,
      batch,
      input,
      this.expandWeights(p),
      p.subarray(this.layer.weightCount, this.parameterCount),
      output,
    );
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
    const [p, input, delta] = this.float32(
      [params, this.parameterCount],
      [x, batch * this.inputSize],
      [dy, batch * this.outputSize],
    );
    const weights = this.expandWeights(p);
    this.backend.conv2dBackwardFilter(this.geometry, batch, input, delta, this.weightGrad, this.biasGrad);
    if (this.fullIndex) {
      grad.fill(0, 0, this.layer.weightCount);
      for (let k = 0; k < this.fullIndex.length; k++) {
        const index = this.fullIndex[k];
        if (index >= 0) grad[index] += this.weightGrad[k];
      }
    } else {
      grad.set(this.weightGrad);
    }
    grad.set(this.biasGrad, this.layer.weightCount);
    if (dx) {
      const [target] = this.float32([dx, batch * this.inputSize]);
      this.backend.conv2dBackwardInput(this.geometry, batch, delta, weights, target);
    }
  }

  /** W^T (R x d_out) from the layer's parameters. */
  private expandWeights(params: Float32Array): Float32Array {
    if (!this.fullIndex) return params.subarray(0, this.weights.length);
    for (let k = 0; k < this.fullIndex.length; k++) {
      const index = this.fullIndex[k];
      this.weights[k] = index >= 0 ? params[index] : 0;
    }
    return this.weights;
  }
}
