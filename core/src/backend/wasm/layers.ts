/** Pooling, activation and dense layers on the WebAssembly kernels; everything else is the reference layer's. */
import type { ActivationLayer } from "../../layers/activation";
import { AveragePoolLayer } from "../../layers/average-pool";
import type { DenseLayer } from "../../layers/dense";
import type { MaxPoolLayer } from "../../layers/max-pool";
import type { FloatArray } from "../../tensor";
import { AcceleratedLayer } from "./accelerated";
import type { WasmActivation } from "./arguments";
import type { WasmBackend } from "./backend";

export class WasmPoolLayer extends AcceleratedLayer<MaxPoolLayer | AveragePoolLayer> {
  private readonly average: boolean;

  constructor(
    layer: MaxPoolLayer | AveragePoolLayer,
    private readonly backend: WasmBackend,
  ) {
    super(layer);
    this.average = layer instanceof AveragePoolLayer;
  }

  forward(_params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    const [input, output] = this.float32([x, batch * this.inputSize], [y, batch * this.outputSize]);
    const g = this.layer.geometry;
    if (this.average) this.backend.averagePoolForward(g, batch, input, output);
    else this.backend.maxPoolForward(g, batch, input, output);
  }

  backward(
    _params: FloatArray,
    x: FloatArray,
    _y: FloatArray,
    dy: FloatArray,
    dx: FloatArray | null,
    _grad: FloatArray,
    batch: number,
  ): void {
    if (!dx) return;
    const [input, delta, target] = this.float32(
      [x, batch * this.inputSize],
      [dy, batch * this.outputSize],
      [dx, batch * this.inputSize],
    );
    const g = this.layer.geometry;
    if (this.average) this.backend.averagePoolBackward(g, batch, delta, target);
    else this.backend.maxPoolBackward(g, batch, input, delta, target);
  }
}

export class WasmActivationLayer extends AcceleratedLayer<ActivationLayer> {
  constructor(
    layer: ActivationLayer,
    private readonly activation: WasmActivation,
    private readonly backend: WasmBackend,
  ) {
    super(layer);
  }

  forward(_params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    const length = batch * this.inputSize;
    const [z, output] = this.float32([x, length], [y, length]);
    this.backend.activationForward(this.activation, z, output, length, this.layer.slope);
  }

  backward(
    _params: FloatArray,
    x: FloatArray,
    y: FloatArray,
    dy: FloatArray,
    dx: FloatArray | null,
    _grad: FloatArray,
    batch: number,
  ): void {
    if (!dx) return;
    const length = batch * this.inputSize;
    const [z, output, delta, target] = this.float32([x, length], [y, length], [dy, length], [dx, length]);
    this.backend.activationBackward(this.activation, z, output, delta, target, length, this.layer.slope);
  }
}

/**
 * A dense layer (seed 004 eq. 17-19, Table 4) as three GEMMs over the batch: Y = X W^T + 1 b^T, dW^T = X^T dY,
 * dX = dY W. vec(W) (column-major W) read row-major is W^T, nIn x nOut.
 */
export class WasmDenseLayer extends AcceleratedLayer<DenseLayer> {
  constructor(
    layer: DenseLayer,
    private readonly backend: WasmBackend,
  ) {
    super(layer);
  }

  forward(params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    const nIn = this.inputSize;
    const nOut = this.outputSize;
    const [p, input, output] = this.float32(
      [params, this.parameterCount],
      [x, batch * nIn],
      [y, batch * nOut],
    );
    const bias = this.layer.hasBias ? p.subarray(nIn * nOut, nIn * nOut + nOut) : null;
    denseForward(this.backend, { batch, nIn, nOut }, input, p, bias, output);
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
    const nIn = this.inputSize;
    const nOut = this.outputSize;
    const [p, input, delta, g] = this.float32(
      [params, this.parameterCount],
      [x, batch * nIn],
      [dy, batch * nOut],
      [grad, this.parameterCount],
    );
    const biasGrad = this.layer.hasBias ? g.subarray(nIn * nOut, nIn * nOut + nOut) : null;
    const target = dx ? this.float32([dx, batch * nIn])[0] : null;
    denseBackward(this.backend, { batch, nIn, nOut }, input, p, delta, target, g, biasGrad);
  }
}

/** The sizes of a batched product: `batch` rows of `nIn` inputs and `nOut` outputs. */
export interface DenseSizes {
  readonly batch: number;
  readonly nIn: number;
  readonly nOut: number;
}

/** Y = X W + 1 b^T for X batch x nIn and W nIn x nOut, row-major; no bias when `bias` is null. */
export function denseForward(
  backend: WasmBackend,
  { batch, nIn, nOut }: DenseSizes,
  x: Float32Array,
  weights: Float32Array,
  bias: Float32Array | null,
  y: Float32Array,
): void {
  if (bias) for (let n = 0; n < batch; n++) y.set(bias, n * nOut);
  backend.gemm(false, false, batch, nOut, nIn, x, nIn, weights, nOut, bias ? 1 : 0, y, nOut);
}

/** dW = X^T dY and db = dY^T 1 (both overwritten; db skipped when null), and dX = dY W^T when dx is given. */
export function denseBackward(
  backend: WasmBackend,
  { batch, nIn, nOut }: DenseSizes,
  x: Float32Array,
  weights: Float32Array,
  dy: Float32Array,
  dx: Float32Array | null,
  weightGrad: Float32Array,
  biasGrad: Float32Array | null,
): void {
  backend.gemm(true, false, nIn, nOut, batch, x, nIn, dy, nOut, 0, weightGrad, nOut);
  if (biasGrad) {
    biasGrad.fill(0, 0, nOut);
    for (let n = 0; n < batch; n++) {
      for (let i = 0; i < nOut; i++) biasGrad[i] += dy[n * nOut + i];
    }
  }
  if (dx) backend.gemm(false, true, batch, nIn, nOut, dy, nOut, weights, nOut, 0, dx, nIn);
}
