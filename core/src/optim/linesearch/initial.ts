import type { InitialStep } from "./types";

/** Always the same first trial, e.g. alpha = 1 for (quasi-)Newton directions (seed 004 section 7.2). */
export function constantInitialStep(alpha = 1): InitialStep {
  if (!(alpha > 0)) throw new RangeError(`initial step must be positive, got ${alpha}`);
  return () => alpha;
}

/**
 * The previous accepted step scaled by the change of slope, alpha_0 = alpha_{k-1} phi'_{k-1}(0) / phi'_k(0)
 * (Nocedal-Wright eq. 3.59: first-order change equal to the previous one); `first` on the first iteration.
 */
export function slopeScaledInitialStep(first = 1): InitialStep {
  return (c) => {
    if (c.iteration === 0 || !(c.previousAlpha > 0)) return first;
    const alpha = (c.previousAlpha * c.previousDphi0) / c.dphi0;
    return Number.isFinite(alpha) && alpha > 0 ? alpha : first;
  };
}

/**
 * The minimizer of the quadratic through phi(0), phi'(0) and the previous decrease,
 * alpha_0 = min(1, 1.01 * 2 (phi_k(0) - phi_{k-1}(0)) / phi'_k(0)) (Nocedal-Wright eq. 3.60). On the first
 * iteration, where d = -g, alpha_0 = min(1, 1/||g||_2): a first trial step of at most unit length. Suited to CG and
 * gradient descent, whose directions are badly scaled.
 */
export function interpolatedInitialStep(cap = 1): InitialStep {
  return (c) => {
    const first = Math.min(1, 1 / Math.sqrt(-c.dphi0));
    if (c.iteration === 0) return first;
    const alpha = (1.01 * 2 * (c.phi0 - c.previousPhi0)) / c.dphi0;
    return Number.isFinite(alpha) && alpha > 0 ? Math.min(cap, alpha) : first;
  };
}

/**
 * alpha = 1 for quasi-Newton directions (seed 004 section 7.2: "always try alpha_k = 1"), except on the first
 * iteration, where the direction is -g and alpha_0 = min(1, 1/||g||_2) keeps the first trial step at most unit length.
 */
export function quasiNewtonInitialStep(): InitialStep {
  return (c) => (c.iteration === 0 ? Math.min(1, 1 / Math.sqrt(-c.dphi0)) : 1);
}
