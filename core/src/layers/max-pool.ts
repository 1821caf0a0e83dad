/**
 * Max pooling (seed 004 section 3.4.2, eq. 98-100, Table 7): y_c[x, y] = max over the window of Y_c.
 *
 * Tie rule: when several entries of a window share the maximum, the first one in scan order (row by row, left to
 * right inside a row) wins: it alone receives the delta and it alone moves the output in forward mode. Eq. 100 as
 * printed would hand the delta to every tied entry, which is not a derivative of anything.
 *
 * The backward pass finds the winner again from the input, so the layer keeps no state between calls.
 */
import type { FloatArray, Shape } from "../tensor";
import { requireBatch, type Layer, type Pair, type ParameterGroup } from "./layer";
import { layerPoolGeometry, type PoolGeometry } from "./pool-geometry";

export interface MaxPoolAttrs {
  readonly size: Pair;
  /** Default: the window size (non-overlapping windows). */
  readonly stride?: Pair;
}

export class MaxPoolLayer implements Layer {
  readonly kind = "max-pool";
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
    attrs: MaxPoolAttrs,
  ) {
    this.geometry = layerPoolGeometry(name, inputShape, attrs.size, attrs.stride);
    const g = this.geometry;
    this.inputShape = [g.channels, g.height, g.width];
    this.outputShape = [g.channels, g.outHeight, g.outWidth];
    this.inputSize = g.channels * g.height * g.width;
    this.outputSize = g.channels * g.outHeight * g.outWidth;
  }

  /** The flat input index of the first maximum of output position (plane, oy, ox); `inBase` is the plane's offset. */
  private argmax(x: FloatArray, inBase: number, oy: number, ox: number): number {
    const g = this.geometry;
    const top = oy * g.strideHeight;
    const left = ox * g.strideWidth;
    let best = inBase + top * g.width + left;
    let bestValue = x[best];
    for (let u = 0; u < g.kernelHeight; u++) {
      const row = inBase + (top + u) * g.width + left;
      for (let v = 0; v < g.kernelWidth; v++) {
        if (x[row + v] > bestValue) {
          bestValue = x[row + v];
          best = row + v;
        }
      }
    }
    return best;
  }

  forward(_params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    requireBatch(this, "input", x, batch, this.inputShape);
    requireBatch(this, "output", y, batch, this.outputShape);
    const g = this.geometry;
    const planes = batch * g.channels;
    for (let p = 0; p < planes; p++) {
      const inBase = p * g.height * g.width;
      const outBase = p * g.outHeight * g.outWidth;
      for (let oy = 0; oy < g.outHeight; oy++) {
        for (let ox = 0; ox < g.outWidth; ox++)
          y[outBase + oy * g.outWidth + ox] = x[this.argmax(x, inBase, oy, ox)];
      }
    }
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
    this.route(x, dy, dx, batch, true);
  }

  forwardTangent(
    _params: FloatArray,
    x: FloatArray,
    _y: FloatArray,
    _dParams: FloatArray,
    dx: FloatArray | null,
    dyOut: FloatArray,
    batch: number,
  ): void {
    if (!dx) {
      dyOut.fill(0, 0, batch * this.outputSize);
      return;
    }
    this.route(x, dx, dyOut, batch, false);
  }

  /** backward: dx[argmax] += dy (eq. 100); forward mode: dyOut = dx[argmax]. */
  private route(x: FloatArray, from: FloatArray, to: FloatArray, batch: number, backward: boolean): void {
    const g = this.geometry;
    if (backward) to.fill(0, 0, batch * this.inputSize);
    const planes = batch * g.channels;
    for (let p = 0; p < planes; p++) {
      const inBase = p * g.height * g.width;
      const outBase = p * g.outHeight * g.outWidth;
      for (let oy = 0; oy < g.outHeight; oy++) {
        for (let ox = 0; ox < g.outWidth; ox++) {
          const winner = this.argmax(x, inBase, oy, ox);
          const out = outBase + oy * g.outWidth + ox;
          if (backward) to[winner] += from[out];
          else to[out] = from[winner];
        }
      }
    }
  }

  initialize(): void {}
}
