/** Pooling, activation and dense layers on the WebAssembly kernels; everything else is the reference layer's. */
import type { ActivationLayer } from "../../layers/activation";
import { AveragePoolLayer } from "../../layers/average-pool";
import type { DenseLayer } from "../../layers/dense";
import type { MaxPoolLayer } from "../../layers/max-pool";
import type { FloatArray } from "../../tensor";
import { AcceleratedLayer } from "./accelerated";
import type { WasmActivation } from "./arguments";
import type { WasmOperations } from "./operations";

export class WasmPoolLayer extends AcceleratedLayer<MaxPoolLayer | AveragePoolLayer> {
  private readonly average: boolean;

  constructor(
    layer: MaxPoolLayer | AveragePoolLayer,
    private readonly backend: WasmOperations,
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
    private readonly backend: WasmOperations,
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
    private readonly backend: WasmOperations,
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
    this.backend.denseForward({ batch, nIn, nOut }, input, p, bias, output);
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
    this.backend.denseBackward({ batch, nIn, nOut }, input, p, delta, target, g, biasGrad);
  }
}
