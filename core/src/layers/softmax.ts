/**
 * Softmax over the features of each sample (seed 004 eq. 25): y_k = exp(x_k) / sum_m exp(x_m), computed with the
 * maximum subtracted so that exp cannot overflow.
 *
 * Backward: dx = y o (dy - <dy, y>), the product with the Jacobian diag(y) - y y^T. Softmax is not element-wise,
 * so the "(CE, Any)" row of seed 004 Table 3 does not apply to it; with the cross-entropy loss the model uses the
 * fused delta y - t of the "(CE, Softmax)" row instead (losses.ts).
 */
import type { FloatArray, Shape } from "../tensor";
import { shapeSize } from "../tensor";
import { requireBatch, type Layer, type ParameterGroup } from "./layer";

export class SoftmaxLayer implements Layer {
  readonly kind = "softmax";
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount = 0;
  readonly parameterGroups: readonly ParameterGroup[] = [];

  constructor(
    readonly name: string,
    inputShape: Shape,
  ) {
    this.inputShape = [...inputShape];
    this.outputShape = [...inputShape];
    this.inputSize = shapeSize(inputShape);
    this.outputSize = this.inputSize;
  }

  forward(_params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    requireBatch(this, "input", x, batch, this.inputShape);
    requireBatch(this, "output", y, batch, this.outputShape);
    const size = this.inputSize;
    for (let n = 0; n < batch; n++) softmaxInto(x, y, n * size, size);
  }

  backward(
    _params: FloatArray,
    _x: FloatArray,
    y: FloatArray,
    dy: FloatArray,
    dx: FloatArray | null,
    _grad: FloatArray,
    batch: number,
  ): void {
    if (dx) this.jacobianTimes(y, dy, dx, batch);
  }

  forwardTangent(
    _params: FloatArray,
    _x: FloatArray,
    y: FloatArray,
    _dParams: FloatArray,
    dx: FloatArray | null,
    dyOut: FloatArray,
    batch: number,
  ): void {
    if (dx) this.jacobianTimes(y, dx, dyOut, batch);
    else dyOut.fill(0, 0, batch * this.outputSize);
  }

  /** out = (diag(y) - y y^T) v per sample; the Jacobian is symmetric, so this serves both directions. */
  private jacobianTimes(y: FloatArray, v: FloatArray, out: FloatArray, batch: number): void {
    const size = this.inputSize;
    for (let n = 0; n < batch; n++) {
      const base = n * size;
      let dot = 0;
      for (let k = 0; k < size; k++) dot += v[base + k] * y[base + k];
      for (let k = 0; k < size; k++) out[base + k] = y[base + k] * (v[base + k] - dot);
    }
  }

  initialize(): void {}
}

/** y[offset..offset+size) = softmax(x[offset..offset+size)). */
export function softmaxInto(x: ArrayLike<number>, y: FloatArray, offset: number, size: number): void {
  let max = -Infinity;
  for (let k = 0; k < size; k++) max = Math.max(max, x[offset + k]);
  let sum = 0;
  for (let k = 0; k < size; k++) {
    const e = Math.exp(x[offset + k] - max);
    y[offset + k] = e;
    sum += e;
  }
  for (let k = 0; k < size; k++) y[offset + k] /= sum;
}
