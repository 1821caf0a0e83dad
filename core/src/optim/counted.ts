import type { LeastSquaresObjective, Objective } from "../objective";
import { isLeastSquares } from "../objective";

/**
 * An objective wrapped to count evaluations: `value` counts one function evaluation, `valueAndGradient` one of
 * each; for least squares, `residuals` counts a function evaluation and `jacobian` a gradient evaluation (a J v or
 * J^T u product counts as a gradient evaluation too, as it costs about one back-propagation).
 */
export class EvaluationCounter {
  functionEvaluations = 0;
  gradientEvaluations = 0;
  readonly dim: number;

  constructor(readonly objective: Objective) {
    if (!Number.isInteger(objective.dim) || objective.dim < 1) {
      throw new RangeError(`objective.dim must be a positive integer, got ${objective.dim}`);
    }
    this.dim = objective.dim;
  }

  get total(): number {
    return this.functionEvaluations + this.gradientEvaluations;
  }

  value(x: Float64Array): number {
    this.functionEvaluations++;
    return this.objective.value(x);
  }

  valueAndGradient(x: Float64Array, g: Float64Array): number {
    this.functionEvaluations++;
    this.gradientEvaluations++;
    return this.objective.valueAndGradient(x, g);
  }

  /** The wrapped objective as a least-squares one, or an error naming what was expected. */
  leastSquares(method: string): LeastSquaresObjective {
    if (!isLeastSquares(this.objective)) {
      throw new TypeError(`${method} needs a LeastSquaresObjective (residuals, jacobian, J v, J^T u)`);
    }
    return this.objective;
  }

  residuals(x: Float64Array, r: Float64Array): void {
    this.functionEvaluations++;
    this.leastSquares("residuals").residuals(x, r);
  }

  jacobian(x: Float64Array, J: Float64Array): void {
    this.gradientEvaluations++;
    this.leastSquares("jacobian").jacobian(x, J);
  }

  jacobianTimes(x: Float64Array, v: Float64Array, out: Float64Array): void {
    this.gradientEvaluations++;
    this.leastSquares("jacobianTimes").jacobianTimes(x, v, out);
  }

  jacobianTransposeTimes(x: Float64Array, u: Float64Array, out: Float64Array): void {
    this.gradientEvaluations++;
    this.leastSquares("jacobianTransposeTimes").jacobianTransposeTimes(x, u, out);
  }
}
