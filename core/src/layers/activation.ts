/**
 * An element-wise activation as a layer: y = phi(x) (seed 004 eq. 1) and dx = dy o phi'(x) (the factor
 * phi^{(l)'}(Z) of eq. 7). The derivatives are those of activations.ts; ReLU'(0) = 0 (seed 001).
 */
import {
  LEAKY_RELU_SLOPE,
  LECUN_TANH_A,
  LECUN_TANH_S,
  activation,
  type ActivationName,
} from "../activations";
import type { FloatArray, Shape } from "../tensor";
import { shapeSize } from "../tensor";
import { LayerConfigError, requireBatch, type Layer, type ParameterGroup } from "./layer";

export interface ActivationAttrs {
  readonly activation: ActivationName;
  /** Leaky ReLU's slope for x <= 0 (default 0.01). */
  readonly slope?: number;
}

export class ActivationLayer implements Layer {
  readonly kind: ActivationName;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount = 0;
  readonly parameterGroups: readonly ParameterGroup[] = [];
  readonly slope: number;

  constructor(
    readonly name: string,
    inputShape: Shape,
    attrs: ActivationAttrs,
  ) {
    activation(attrs.activation);
    this.kind = attrs.activation;
    this.slope = attrs.slope ?? LEAKY_RELU_SLOPE;
    if (!Number.isFinite(this.slope))
      throw new LayerConfigError(name, `slope must be finite, got ${this.slope}`);
    this.inputShape = [...inputShape];
    this.outputShape = [...inputShape];
    this.inputSize = shapeSize(inputShape);
    this.outputSize = this.inputSize;
  }

  forward(_params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    requireBatch(this, "input", x, batch, this.inputShape);
    requireBatch(this, "output", y, batch, this.outputShape);
    const n = batch * this.inputSize;
    switch (this.kind) {
      case "identity":
        for (let i = 0; i < n; i++) y[i] = x[i];
        break;
      case "sigmoid":
        for (let i = 0; i < n; i++) {
          const z = x[i];
          y[i] = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
        }
        break;
      case "tanh":
        for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]);
        break;
      case "lecun-tanh":
        for (let i = 0; i < n; i++) y[i] = LECUN_TANH_A * Math.tanh(LECUN_TANH_S * x[i]);
        break;
      case "relu":
        for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
        break;
      case "leaky-relu": {
        const slope = this.slope;
        for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : slope * x[i];
        break;
      }
    }
  }

  /** Writes derivative[i] * v[i] into out[i], with the derivative phi'(x_i) taken from x or y. */
  private scaleByDerivative(x: FloatArray, y: FloatArray, v: FloatArray, out: FloatArray, n: number): void {
    switch (this.kind) {
      case "identity":
        for (let i = 0; i < n; i++) out[i] = v[i];
        break;
      case "sigmoid":
        for (let i = 0; i < n; i++) out[i] = v[i] * y[i] * (1 - y[i]);
        break;
      case "tanh":
        for (let i = 0; i < n; i++) out[i] = v[i] * (1 - y[i] * y[i]);
        break;
      case "lecun-tanh":
        for (let i = 0; i < n; i++)
          out[i] = v[i] * LECUN_TANH_S * (LECUN_TANH_A - (y[i] * y[i]) / LECUN_TANH_A);
        break;
      case "relu":
        for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? v[i] : 0;
        break;
      case "leaky-relu": {
        const slope = this.slope;
        for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? v[i] : slope * v[i];
        break;
      }
    }
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
    if (dx) this.scaleByDerivative(x, y, dy, dx, batch * this.inputSize);
  }

  forwardTangent(
    _params: FloatArray,
    x: FloatArray,
    y: FloatArray,
    _dParams: FloatArray,
    dx: FloatArray | null,
    dyOut: FloatArray,
    batch: number,
  ): void {
    const n = batch * this.inputSize;
    if (dx) this.scaleByDerivative(x, y, dx, dyOut, n);
    else dyOut.fill(0, 0, n);
  }

  initialize(): void {}
}
