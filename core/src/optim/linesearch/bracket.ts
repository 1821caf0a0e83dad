import type { LineFunction } from "./types";

/** A bracketing triple a < b < c with phi(b) < phi(a) and phi(b) <= phi(c). */
export interface Bracket {
  a: number;
  b: number;
  c: number;
  phiA: number;
  phiB: number;
  phiC: number;
}

/** The golden ratio's conjugate, 1/phi = 0.618..., and its complement 0.381966... */
export const GOLDEN = (Math.sqrt(5) - 1) / 2;
export const GOLDEN_COMPLEMENT = 1 - GOLDEN;

/** A NaN or infinite phi is treated as +Infinity, i.e. as a point past the minimum. */
export function finiteOrInfinity(phi: number): number {
  return Number.isNaN(phi) ? Infinity : phi;
}

/**
 * Brackets a minimizer of phi on alpha > 0 (seed 004 section 5.1: "searching for a bracket in the gradient
 * direction"): from (0, alphaInitial) it shrinks the step by the golden ratio until phi(b) < phi(0), or expands
 * by the golden ratio (Numerical Recipes' mnbrak without the parabolic jump) until phi turns upwards.
 * Returns null when neither happens within `maxTrials` trials.
 */
export function bracketMinimum(
  line: LineFunction,
  phi0: number,
  alphaInitial: number,
  maxTrials = 60,
): Bracket | null {
  let a = 0;
  let phiA = phi0;
  let b = alphaInitial;
  let phiB = finiteOrInfinity(line.phi(b));
  let trials = 1;
  if (!(phiB < phiA)) {
    let c = b;
    let phiC = phiB;
    while (trials < maxTrials) {
      b = GOLDEN_COMPLEMENT * c;
      phiB = finiteOrInfinity(line.phi(b));
      trials++;
      if (phiB < phiA) return { a, b, c, phiA, phiB, phiC };
      c = b;
      phiC = phiB;
    }
    return null;
  }
  let c = b + (1 + GOLDEN) * (b - a);
  let phiC = finiteOrInfinity(line.phi(c));
  trials++;
  while (phiC < phiB) {
    if (trials >= maxTrials) return null;
    a = b;
    phiA = phiB;
    b = c;
    phiB = phiC;
    c = b + (1 + GOLDEN) * (b - a);
    phiC = finiteOrInfinity(line.phi(c));
    trials++;
  }
  return { a, b, c, phiA, phiB, phiC };
}
