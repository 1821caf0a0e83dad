/**
 * Average pooling: y_c[x, y] = (1 / (K_u K_v)) sum over the window of Y_c, i.e. the weighted sub-sampling of eq. 87
 * with alpha fixed at 1 / (K_u K_v) and no bias. Backward: every entry of a window receives dy / (K_u K_v) (eq. 93
 * with alpha = 1 / (K_u K_v)); overlapping windows (stride below the window size) add up.
 */
import type { FloatArray, Shape } from "../tensor";
import { requireBatch, type Layer, type Pair, type ParameterGroup } from "./layer";
import { layerPoolGeometry, type PoolGeometry } from "./pool-geometry";

export interface AveragePoolAttrs {
  readonly size: Pair;
  /** Default: the window size (non-overlapping windows). */
  readonly stride?: Pair;
}

export class AveragePoolLayer implements Layer {
  readonly kind = "average-pool";
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount = 0;
  readonly parameterGroups: readonly ParameterGroup[] = [];
  readonly geometry: PoolGeometry;

  constructor(
    readonly name: string,
    inputShape: Shape,
    attrs: AveragePoolAttrs,
  ) {
    this.geometry = layerPoolGeometry(name, inputShape, attrs.size, attrs.stride);
    const g = this.geometry;
    this.inputShape = [g.channels, g.height, g.width];
    this.outputShape = [g.channels, g.outHeight, g.outWidth];
    this.inputSize = g.channels * g.height * g.width;
    this.outputSize = g.channels * g.outHeight * g.outWidth;
  }

  forward(_params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    requireBatch(this, "input", x, batch, this.inputShape);
    requireBatch(this, "output", y, batch, this.outputShape);
    const g = this.geometry;
    const scale = 1 / (g.kernelHeight * g.kernelWidth);
    const planes = batch * g.channels;
    for (let p = 0; p < planes; p++) {
      const inBase = p * g.height * g.width;
      const outBase = p * g.outHeight * g.outWidth;
      for (let oy = 0; oy < g.outHeight; oy++) {
        for (let ox = 0; ox < g.outWidth; ox++) {
          let sum = 0;
          for (let u = 0; u < g.kernelHeight; u++) {
            const row = inBase + (oy * g.strideHeight + u) * g.width + ox * g.strideWidth;
            for (let v = 0; v < g.kernelWidth; v++) sum += x[row + v];
          }
          y[outBase + oy * g.outWidth + ox] = sum * scale;
        }
      }
    }
  }

  backward(
    _params: FloatArray,
    _x: FloatArray,
    _y: FloatArray,
    dy: FloatArray,
    dx: FloatArray | null,
    _grad: FloatArray,
    batch: number,
  ): void {
    if (!dx) return;
    const g = this.geometry;
    const scale = 1 / (g.kernelHeight * g.kernelWidth);
    dx.fill(0, 0, batch * this.inputSize);
    const planes = batch * g.channels;
    for (let p = 0; p < planes; p++) {
      const inBase = p * g.height * g.width;
      const outBase = p * g.outHeight * g.outWidth;
      for (let oy = 0; oy < g.outHeight; oy++) {
        for (let ox = 0; ox < g.outWidth; ox++) {
          const share = dy[outBase + oy * g.outWidth + ox] * scale;
          for (let u = 0; u < g.kernelHeight; u++) {
            const row = inBase + (oy * g.strideHeight + u) * g.width + ox * g.strideWidth;
            for (let v = 0; v < g.kernelWidth; v++) dx[row + v] += share;
          }
        }
      }
    }
  }

  /** The layer is linear in x: its tangent is the layer applied to dx. */
  forwardTangent(
    params: FloatArray,
    _x: FloatArray,
    _y: FloatArray,
    _dParams: FloatArray,
    dx: FloatArray | null,
    dyOut: FloatArray,
    batch: number,
  ): void {
    if (dx) this.forward(params, dx, dyOut, batch);
    else dyOut.fill(0, 0, batch * this.outputSize);
  }

  initialize(): void {}
}
