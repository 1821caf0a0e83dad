/**
 * LeCun's weighted sub-sampling (seed 004 section 3.4.1, eq. 87, Table 6, "practical" form with j = i):
 *
 *   Z_c[x, y] = alpha_c sum_{u < K_u} sum_{v < K_v} Y_c[x K_u + u, y K_v + v] + b_c
 *
 * over non-overlapping K_u x K_v windows; output size floor(a / K_u) x floor(b / K_v). One trainable coefficient and
 * one bias per map (LeNet-5's S2 and S4: 2 parameters per map).
 *
 * Backward (eq. 93): dr/dY_c[x, y] = alpha_c dy_c[floor(x / K_u), floor(y / K_v)] for coordinates inside a window and
 * 0 for rows or columns left over when K does not divide the size (eq. 92-93 assume it does).
 * Gradients: dr/dalpha_c = sum_{x, y} dy_c[x, y] (window sum) (eq. 95-96), dr/db_c = sum dy_c (eq. 97).
 * Parameters: [alpha; b] (alpha plays the part of vec(W)).
 */
import type { SeededRandom } from "../data/random";
import type { FloatArray, Shape } from "../tensor";
import { fillUniform, pair, type Layer, type Pair, type ParameterGroup } from "./layer";
import { poolGeometry, type PoolGeometry } from "./pool-geometry";

export interface WeightedSubsampleAttrs {
  /** The window K_u x K_v (also the stride). */
  readonly size: Pair;
}

export class WeightedSubsampleLayer implements Layer {
  readonly kind = "weighted-subsample";
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount: number;
  readonly parameterGroups: readonly ParameterGroup[];
  readonly geometry: PoolGeometry;

  constructor(
    readonly name: string,
    inputShape: Shape,
    attrs: WeightedSubsampleAttrs,
  ) {
    this.geometry = poolGeometry(name, inputShape, attrs.size, pair(attrs.size));
    const g = this.geometry;
    this.inputShape = [g.channels, g.inHeight, g.inWidth];
    this.outputShape = [g.channels, g.outHeight, g.outWidth];
    this.inputSize = g.channels * g.inHeight * g.inWidth;
    this.outputSize = g.channels * g.outHeight * g.outWidth;
    this.parameterCount = 2 * g.channels;
    this.parameterGroups = [
      { name: "alpha", offset: 0, length: g.channels },
      { name: "b", offset: g.channels, length: g.channels },
    ];
  }

  /** The window sum of output position (plane p, oy, ox). */
  private windowSum(x: FloatArray, p: number, oy: number, ox: number): number {
    const g = this.geometry;
    let sum = 0;
    for (let u = 0; u < g.windowHeight; u++) {
      const row = (p * g.inHeight + oy * g.windowHeight + u) * g.inWidth + ox * g.windowWidth;
      for (let v = 0; v < g.windowWidth; v++) sum += x[row + v];
    }
    return sum;
  }

  forward(params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    const g = this.geometry;
    for (let n = 0; n < batch; n++) {
      for (let c = 0; c < g.channels; c++) {
        const p = n * g.channels + c;
        const alpha = params[c];
        const bias = params[g.channels + c];
        for (let oy = 0; oy < g.outHeight; oy++) {
          for (let ox = 0; ox < g.outWidth; ox++) {
            y[(p * g.outHeight + oy) * g.outWidth + ox] = alpha * this.windowSum(x, p, oy, ox) + bias;
          }
        }
      }
    }
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
    const g = this.geometry;
    grad.fill(0, 0, this.parameterCount);
    if (dx) dx.fill(0, 0, batch * this.inputSize);
    for (let n = 0; n < batch; n++) {
      for (let c = 0; c < g.channels; c++) {
        const p = n * g.channels + c;
        const alpha = params[c];
        for (let oy = 0; oy < g.outHeight; oy++) {
          for (let ox = 0; ox < g.outWidth; ox++) {
            const d = dy[(p * g.outHeight + oy) * g.outWidth + ox];
            grad[c] += d * this.windowSum(x, p, oy, ox);
            grad[g.channels + c] += d;
            if (!dx) continue;
            for (let u = 0; u < g.windowHeight; u++) {
              const row = (p * g.inHeight + oy * g.windowHeight + u) * g.inWidth + ox * g.windowWidth;
              for (let v = 0; v < g.windowWidth; v++) dx[row + v] = alpha * d;
            }
          }
        }
      }
    }
  }

  /** dZ = dalpha * window sum(x) + alpha * window sum(dx) + db. */
  forwardTangent(
    params: FloatArray,
    x: FloatArray,
    _y: FloatArray,
    dParams: FloatArray,
    dx: FloatArray | null,
    dyOut: FloatArray,
    batch: number,
  ): void {
    const g = this.geometry;
    for (let n = 0; n < batch; n++) {
      for (let c = 0; c < g.channels; c++) {
        const p = n * g.channels + c;
        for (let oy = 0; oy < g.outHeight; oy++) {
          for (let ox = 0; ox < g.outWidth; ox++) {
            let value = dParams[c] * this.windowSum(x, p, oy, ox) + dParams[g.channels + c];
            if (dx) value += params[c] * this.windowSum(dx, p, oy, ox);
            dyOut[(p * g.outHeight + oy) * g.outWidth + ox] = value;
          }
        }
      }
    }
  }

  /** alpha uniform in [-2.4 / F, 2.4 / F] with fan-in F = K_u K_v (LeCun et al. 1998, appendix C); zero biases. */
  initialize(params: FloatArray, random: SeededRandom): void {
    const g = this.geometry;
    fillUniform(params, 0, g.channels, 2.4 / (g.windowHeight * g.windowWidth), random);
    params.fill(0, g.channels, this.parameterCount);
  }
}
