/**
 * The contract between models and optimizers.
 *
 * An optimizer sees only a point theta in R^n and the functions below; a CNN on data, a More-Garbow-Hillstrom
 * test problem and a two-dimensional picture surface all present themselves this way. Parameters are packed as in
 * seed 001: theta = [vec(W^1); b^1; ...; vec(W^L); b^L].
 */

/** f(theta) and its gradient; `g` (length n) is overwritten with grad f(theta) and f is returned. */
export interface Objective {
  /** n, the number of parameters. */
  readonly dim: number;
  value(theta: Float64Array): number;
  valueAndGradient(theta: Float64Array, g: Float64Array): number;
}

/**
 * A sum-of-squares objective f(theta) = 1/2 ||r(theta)||^2 + (1/(2C)) theta^T theta, with regularization
 * 1/(2C) = `regularization` (0 for the test problems).
 *
 * Gauss-Newton matrix G = J^T J + (1/C) I; products are available without forming J (seed 001, seed 004 eq. 108).
 */
export interface LeastSquaresObjective extends Objective {
  /** m, the number of residuals. */
  readonly residualCount: number;
  /** The coefficient 1/C of theta^T theta / 2 (0 when the objective is not regularized). */
  readonly regularization: number;
  /** r(theta), length m. */
  residuals(theta: Float64Array, r: Float64Array): void;
  /** J(theta), m x n, row-major: J[i * n + j] = d r_i / d theta_j. */
  jacobian(theta: Float64Array, J: Float64Array): void;
  /** J v, length m. */
  jacobianTimes(theta: Float64Array, v: Float64Array, out: Float64Array): void;
  /** J^T u, length n. */
  jacobianTransposeTimes(theta: Float64Array, u: Float64Array, out: Float64Array): void;
}

/** An objective that is an average over samples, for minibatch methods: f_B(theta) = (1/|B|) sum_{i in B} xi_i(theta) + reg. */
export interface StochasticObjective extends Objective {
  readonly sampleCount: number;
  /** Value and gradient on the samples `batch` (indices into 0..sampleCount-1). */
  batchValueAndGradient(theta: Float64Array, batch: Int32Array, g: Float64Array): number;
}

export function isLeastSquares(objective: Objective): objective is LeastSquaresObjective {
  return "residuals" in objective && "jacobianTimes" in objective;
}

export function isStochastic(objective: Objective): objective is StochasticObjective {
  return "batchValueAndGradient" in objective;
}
