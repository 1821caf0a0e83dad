/**
 * A Gaussian radial basis layer (seed 004 section 3.2, eq. 54): z_k = exp(-beta_k ||y - c_k||^2), one centre c_k and
 * one width beta_k per unit, with the identity activation (eq. 50).
 *
 * Eq. 54 prints the norm unsquared, exp(-beta ||y - c||); that function has no derivative at y = c_k, so we use
 * the squared norm, the usual Gaussian. Eq. 55 (a linear combination of RBF units at the output) is this layer
 * followed by a dense layer with `bias: false`.
 *
 * Parameters: [vec(C); beta] with C in R^{K x n} holding the centres as rows (so c_k[j] lives at k + K j).
 * Derivatives, with d_k = ||y - c_k||^2:
 *   dz_k/dy_j = -2 beta_k z_k (y_j - c_kj),  dz_k/dc_kj = 2 beta_k z_k (y_j - c_kj),  dz_k/dbeta_k = -d_k z_k.
 */
import type { SeededRandom } from "../data/random";
import type { FloatArray, Shape } from "../tensor";
import { formatShape } from "../tensor";
import {
  LayerConfigError,
  fillUniform,
  requirePositiveInteger,
  type Layer,
  type ParameterGroup,
  requireBatch,
} from "./layer";

export interface RbfAttrs {
  /** K, the number of units. */
  readonly units: number;
  /** The initial beta of every unit; default 1 / n. */
  readonly beta?: number;
}

export class RbfLayer implements Layer {
  readonly kind = "rbf";
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount: number;
  readonly parameterGroups: readonly ParameterGroup[];
  readonly initialBeta: number;

  constructor(
    readonly name: string,
    inputShape: Shape,
    attrs: RbfAttrs,
  ) {
    if (inputShape.length !== 1) {
      throw new LayerConfigError(
        name,
        `a radial basis layer takes a flat input [n]; got ${formatShape(inputShape)}: put a flatten layer before it`,
      );
    }
    requirePositiveInteger(name, "units", attrs.units);
    this.inputShape = [inputShape[0]];
    this.outputShape = [attrs.units];
    this.inputSize = inputShape[0];
    this.outputSize = attrs.units;
    this.initialBeta = attrs.beta ?? 1 / this.inputSize;
    if (!(this.initialBeta > 0))
      throw new LayerConfigError(name, `beta must be positive, got ${this.initialBeta}`);
    const centres = this.inputSize * this.outputSize;
    this.parameterCount = centres + this.outputSize;
    this.parameterGroups = [
      { name: "centres", offset: 0, length: centres },
      { name: "beta", offset: centres, length: this.outputSize },
    ];
  }

  /** ||y_n - c_k||^2. */
  private distance2(params: FloatArray, x: FloatArray, n: number, k: number): number {
    const nIn = this.inputSize;
    const units = this.outputSize;
    let sum = 0;
    for (let j = 0; j < nIn; j++) {
      const diff = x[n * nIn + j] - params[k + units * j];
      sum += diff * diff;
    }
    return sum;
  }

  forward(params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    requireBatch(this, "input", x, batch, this.inputShape);
    requireBatch(this, "output", y, batch, this.outputShape);
    const units = this.outputSize;
    const betaOffset = this.inputSize * units;
    for (let n = 0; n < batch; n++) {
      for (let k = 0; k < units; k++) {
        y[n * units + k] = Math.exp(-params[betaOffset + k] * this.distance2(params, x, n, k));
      }
    }
  }

  backward(
    params: FloatArray,
    x: FloatArray,
    y: FloatArray,
    dy: FloatArray,
    dx: FloatArray | null,
    grad: FloatArray,
    batch: number,
  ): void {
    const nIn = this.inputSize;
    const units = this.outputSize;
    const betaOffset = nIn * units;
    grad.fill(0, 0, this.parameterCount);
    if (dx) dx.fill(0, 0, batch * nIn);
    for (let n = 0; n < batch; n++) {
      for (let k = 0; k < units; k++) {
        const beta = params[betaOffset + k];
        const g = dy[n * units + k] * y[n * units + k];
        grad[betaOffset + k] -= g * this.distance2(params, x, n, k);
        const scale = 2 * beta * g;
        for (let j = 0; j < nIn; j++) {
          const diff = x[n * nIn + j] - params[k + units * j];
          grad[k + units * j] += scale * diff;
          if (dx) dx[n * nIn + j] -= scale * diff;
        }
      }
    }
  }

  forwardTangent(
    params: FloatArray,
    x: FloatArray,
    y: FloatArray,
    dParams: FloatArray,
    dx: FloatArray | null,
    dyOut: FloatArray,
    batch: number,
  ): void {
    const nIn = this.inputSize;
    const units = this.outputSize;
    const betaOffset = nIn * units;
    for (let n = 0; n < batch; n++) {
      for (let k = 0; k < units; k++) {
        const beta = params[betaOffset + k];
        let directional = 0; // d(||y - c_k||^2) along (dx, dc)
        for (let j = 0; j < nIn; j++) {
          const diff = x[n * nIn + j] - params[k + units * j];
          const move = (dx ? dx[n * nIn + j] : 0) - dParams[k + units * j];
          directional += 2 * diff * move;
        }
        const z = y[n * units + k];
        dyOut[n * units + k] =
          -z * (dParams[betaOffset + k] * this.distance2(params, x, n, k) + beta * directional);
      }
    }
  }

  /** Centres uniform in [-1, 1]; every beta at its initial value. */
  initialize(params: FloatArray, random: SeededRandom): void {
    const centres = this.inputSize * this.outputSize;
    fillUniform(params, 0, centres, 1, random);
    params.fill(this.initialBeta, centres, this.parameterCount);
  }
}
