/** Pooling and activation layers on the WebAssembly kernels; everything else is the reference layer's. */
import type { ActivationLayer } from "../../layers/activation";
import { AveragePoolLayer } from "../../layers/average-pool";
import type { MaxPoolLayer } from "../../layers/max-pool";
import type { FloatArray } from "../../tensor";
import { AcceleratedLayer } from "./accelerated";
import type { WasmActivation, WasmBackend } from "./backend";

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
