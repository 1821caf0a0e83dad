/**
 * LeCun's weighted sub-sampling (seed 004 section 3.4.1, eq. 86-97, Table 6) over non-overlapping K_u x K_v
 * windows; output size floor(a / K_u) x floor(b / K_v).
 *
 *   cross weights (eq. 86):   Z_i[x, y] = sum_{j in D_i} alpha_ij S_j[x, y] + b_i
 *   single weights (Table 6): Z_i[x, y] = alpha_i sum_{j in D_i} S_j[x, y] + b_i
 *
 * with S_j[x, y] = sum_{u < K_u} sum_{v < K_v} Y_j[x K_u + u, y K_v + v] the window sum. The default connection
 * table is one-to-one (D_i = {i}), the practical case of eq. 87 used by LeNet-5's S2 and S4: one coefficient and one
 * bias per map; there the two forms coincide.
 *
 * Backward (eq. 92-93): dr/dY_j[x, y] = sum_{i in C_j} alpha_ij dy_i[floor(x / K_u), floor(y / K_v)] inside a window
 * and 0 for rows or columns left over when K does not divide the size (eq. 92-93 assume it does).
 * Gradients: dr/dalpha_ij = sum_{x, y} S_j[x, y] dy_i[x, y] (eq. 95), dr/dalpha_i = the same summed over
 * j in D_i (eq. 96), dr/db_i = sum dy_i (eq. 97).
 *
 * Parameters: [alpha; b]. Cross weights: alpha is the matrix A = (alpha_ij) in R^{N_out x N_in} stacked by columns
 * with the entries of missing connections left out (as for vec(W) in conv2d.ts); single weights: alpha_1..alpha_Nout.
 */
import type { SeededRandom } from "../data/random";
import type { FloatArray, Shape } from "../tensor";
import { validateConnections } from "./connection-table";
import {
  LayerConfigError,
  fillUniform,
  pair,
  type Layer,
  type Pair,
  type ParameterGroup,
  requireBatch,
} from "./layer";
import { layerPoolGeometry, type PoolGeometry } from "./pool-geometry";

export interface WeightedSubsampleAttrs {
  /** The window K_u x K_v (also the stride). */
  readonly size: Pair;
  /** D_i for each output map i. Default: one-to-one, D_i = {i}. */
  readonly connections?: readonly (readonly number[])[];
  /** "map" (default): one alpha_i per output map; "connection": one alpha_ij per connection (eq. 86). */
  readonly sharing?: "connection" | "map";
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
  readonly outChannels: number;
  readonly connections: readonly (readonly number[])[];
  readonly sharing: "connection" | "map";
  readonly alphaCount: number;
  /** For (i, j): the index of alpha_ij (or alpha_i) in the parameters, -1 when j is not in D_i. */
  private readonly alphaIndex: Int32Array;

  constructor(
    readonly name: string,
    inputShape: Shape,
    attrs: WeightedSubsampleAttrs,
  ) {
    this.geometry = layerPoolGeometry(name, inputShape, attrs.size, pair(attrs.size));
    const g = this.geometry;
    const inChannels = g.channels;
    const identity = Array.from({ length: inChannels }, (_, j) => [j]);
    const requested = attrs.connections ?? identity;
    this.outChannels = requested.length;
    this.connections = validateConnections(name, requested, this.outChannels, inChannels);
    this.sharing = attrs.sharing ?? "map";
    if (this.sharing !== "connection" && this.sharing !== "map") {
      throw new LayerConfigError(
        name,
        `sharing must be "connection" or "map", got '${String(this.sharing)}'`,
      );
    }
    this.alphaIndex = new Int32Array(this.outChannels * inChannels).fill(-1);
    if (this.sharing === "map") {
      this.connections.forEach((inputs, i) =>
        inputs.forEach((j) => (this.alphaIndex[i * inChannels + j] = i)),
      );
      this.alphaCount = this.outChannels;
    } else {
      let next = 0;
      for (let j = 0; j < inChannels; j++) {
        for (let i = 0; i < this.outChannels; i++) {
          if (this.connections[i].includes(j)) this.alphaIndex[i * inChannels + j] = next++;
        }
      }
      this.alphaCount = next;
    }
    this.inputShape = [inChannels, g.height, g.width];
    this.outputShape = [this.outChannels, g.outHeight, g.outWidth];
    this.inputSize = inChannels * g.height * g.width;
    this.outputSize = this.outChannels * g.outHeight * g.outWidth;
    this.parameterCount = this.alphaCount + this.outChannels;
    this.parameterGroups = [
      { name: "alpha", offset: 0, length: this.alphaCount },
      { name: "b", offset: this.alphaCount, length: this.outChannels },
    ];
  }

  /** The window sum S_j at output position (oy, ox) of sample n, input map j. */
  private windowSum(x: FloatArray, n: number, j: number, oy: number, ox: number): number {
    const g = this.geometry;
    const plane = n * g.channels + j;
    let sum = 0;
    for (let u = 0; u < g.kernelHeight; u++) {
      const row = (plane * g.height + oy * g.kernelHeight + u) * g.width + ox * g.kernelWidth;
      for (let v = 0; v < g.kernelWidth; v++) sum += x[row + v];
    }
    return sum;
  }

  forward(params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    requireBatch(this, "input", x, batch, this.inputShape);
    requireBatch(this, "output", y, batch, this.outputShape);
    const g = this.geometry;
    for (let n = 0; n < batch; n++) {
      for (let i = 0; i < this.outChannels; i++) {
        const bias = params[this.alphaCount + i];
        const outPlane = (n * this.outChannels + i) * g.outHeight;
        for (let oy = 0; oy < g.outHeight; oy++) {
          for (let ox = 0; ox < g.outWidth; ox++) {
            let value = bias;
            for (const j of this.connections[i]) {
              value += params[this.alphaIndex[i * g.channels + j]] * this.windowSum(x, n, j, oy, ox);
            }
            y[(outPlane + oy) * g.outWidth + ox] = value;
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
      for (let i = 0; i < this.outChannels; i++) {
        const outPlane = (n * this.outChannels + i) * g.outHeight;
        for (let oy = 0; oy < g.outHeight; oy++) {
          for (let ox = 0; ox < g.outWidth; ox++) {
            const d = dy[(outPlane + oy) * g.outWidth + ox];
            grad[this.alphaCount + i] += d;
            for (const j of this.connections[i]) {
              const index = this.alphaIndex[i * g.channels + j];
              grad[index] += d * this.windowSum(x, n, j, oy, ox);
              if (!dx) continue;
              const share = params[index] * d;
              const plane = n * g.channels + j;
              for (let u = 0; u < g.kernelHeight; u++) {
                const row = (plane * g.height + oy * g.kernelHeight + u) * g.width + ox * g.kernelWidth;
                for (let v = 0; v < g.kernelWidth; v++) dx[row + v] += share;
              }
            }
          }
        }
      }
    }
  }

  /** dZ_i = db_i + sum_{j in D_i} (dalpha_ij S_j(x) + alpha_ij S_j(dx)). */
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
      for (let i = 0; i < this.outChannels; i++) {
        const outPlane = (n * this.outChannels + i) * g.outHeight;
        for (let oy = 0; oy < g.outHeight; oy++) {
          for (let ox = 0; ox < g.outWidth; ox++) {
            let value = dParams[this.alphaCount + i];
            for (const j of this.connections[i]) {
              const index = this.alphaIndex[i * g.channels + j];
              value += dParams[index] * this.windowSum(x, n, j, oy, ox);
              if (dx) value += params[index] * this.windowSum(dx, n, j, oy, ox);
            }
            dyOut[(outPlane + oy) * g.outWidth + ox] = value;
          }
        }
      }
    }
  }

  /** alpha uniform in [-2.4 / F, 2.4 / F] with fan-in F = K_u K_v |D_i| (LeCun et al. 1998, appendix C); zero biases. */
  initialize(params: FloatArray, random: SeededRandom): void {
    const g = this.geometry;
    const area = g.kernelHeight * g.kernelWidth;
    for (let i = 0; i < this.outChannels; i++) {
      const limit = 2.4 / (area * this.connections[i].length);
      for (const j of this.connections[i]) {
        const index = this.alphaIndex[i * g.channels + j];
        fillUniform(params, index, 1, limit, random);
      }
    }
    params.fill(0, this.alphaCount, this.parameterCount);
  }
}
