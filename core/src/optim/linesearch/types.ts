/**
 * Line searches on the one-dimensional slice phi(alpha) = f(x + alpha d) (after LineSearches.jl): every search
 * has the one call shape {@link LineSearch.search}, sees only phi and phi', and the first trial step comes from a
 * separate {@link InitialStep} strategy.
 */

/** One trial: alpha, phi(alpha), and phi'(alpha) (NaN where the search asked for phi only). */
export interface LineTrial {
  alpha: number;
  phi: number;
  dphi: number;
}

/** The slice phi(alpha) = f(x + alpha d) and its derivative phi'(alpha) = grad f(x + alpha d)^T d. */
export interface LineFunction {
  phi(alpha: number): number;
  phiAndDerivative(alpha: number): { phi: number; dphi: number };
}

export interface LineSearchResult {
  /** The accepted step (0 when nothing better than alpha = 0 was found). */
  alpha: number;
  phi: number;
  /** phi'(alpha), or NaN when the search did not evaluate it there. */
  dphi: number;
  /** Whether the returned point satisfies the search's own acceptance conditions. */
  success: boolean;
  message: string;
}

export interface LineSearch {
  readonly name: string;
  /**
   * Searches phi from alpha = 0 (where phi(0) = phi0 and phi'(0) = dphi0 < 0) starting with the trial step
   * `alphaInitial`. Trials are reported through `line`, which records them.
   */
  search(line: LineFunction, phi0: number, dphi0: number, alphaInitial: number): LineSearchResult;
}

/** What an initial-step strategy may use: the current slice's phi(0), phi'(0) and the previous iteration's. */
export interface InitialStepContext {
  iteration: number;
  phi0: number;
  dphi0: number;
  previousPhi0: number;
  previousDphi0: number;
  previousAlpha: number;
}

/** Chooses the first trial step of a line search. */
export type InitialStep = (context: InitialStepContext) => number;

export function requireDescent(name: string, dphi0: number): void {
  if (!(dphi0 < 0)) {
    throw new RangeError(
      `${name}: the direction is not a descent direction (phi'(0) = ${dphi0}, expected < 0)`,
    );
  }
}

export function requireInRange(name: string, value: number, lo: number, hi: number): void {
  if (!(value > lo && value < hi)) throw new RangeError(`${name} must lie in (${lo}, ${hi}), got ${value}`);
}
