import type { EvaluationCounter } from "../counted";
import type { LineFunction, LineTrial } from "./types";

/**
 * phi(alpha) = f(x + alpha d) on a counted objective, recording every trial (alpha, phi, phi') when asked.
 * The gradient of the last point evaluated with its derivative is kept, so taking the accepted step costs no
 * further evaluation.
 */
export class LineSlice implements LineFunction {
  readonly trials: LineTrial[] = [];
  private readonly xt: Float64Array;
  private readonly gt: Float64Array;
  private gradientAlpha = NaN;
  private gradientPhi = NaN;

  constructor(
    private readonly problem: EvaluationCounter,
    private readonly x: Float64Array,
    private readonly d: Float64Array,
    private readonly record = false,
  ) {
    if (x.length !== problem.dim || d.length !== problem.dim) {
      throw new RangeError(`line slice: x (${x.length}) and d (${d.length}) must have length ${problem.dim}`);
    }
    this.xt = new Float64Array(x.length);
    this.gt = new Float64Array(x.length);
  }

  private moveTo(alpha: number): void {
    const { x, d, xt } = this;
    for (let i = 0; i < x.length; i++) xt[i] = x[i] + alpha * d[i];
  }

  phi(alpha: number): number {
    this.moveTo(alpha);
    const phi = this.problem.value(this.xt);
    if (this.record) this.trials.push({ alpha, phi, dphi: NaN });
    return phi;
  }

  phiAndDerivative(alpha: number): { phi: number; dphi: number } {
    this.moveTo(alpha);
    const phi = this.problem.valueAndGradient(this.xt, this.gt);
    let dphi = 0;
    for (let i = 0; i < this.d.length; i++) dphi += this.gt[i] * this.d[i];
    this.gradientAlpha = alpha;
    this.gradientPhi = phi;
    if (this.record) this.trials.push({ alpha, phi, dphi });
    return { phi, dphi };
  }

  /** Writes x + alpha d into `xOut` and grad f there into `gOut`; returns f there (reusing the last evaluation). */
  takeStep(alpha: number, xOut: Float64Array, gOut: Float64Array): number {
    const phi = alpha === this.gradientAlpha ? this.gradientPhi : this.phiAndDerivative(alpha).phi;
    this.moveTo(alpha);
    xOut.set(this.xt);
    gOut.set(this.gt);
    return phi;
  }
}
