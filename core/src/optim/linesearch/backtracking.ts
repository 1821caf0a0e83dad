import type { LineFunction, LineSearch, LineSearchResult } from "./types";
import { requireDescent, requireInRange } from "./types";

export interface BacktrackingOptions {
  /** Sufficient-decrease constant c1 of the Armijo condition (seed 004 eq. 187), default 1e-4. */
  c1?: number;
  /** Shrink factor when interpolation is off or unsafe, default 0.5. */
  contraction?: number;
  /** Use the minimizer of the quadratic through phi(0), phi'(0), phi(alpha), kept in [0.1, 0.5] alpha. */
  interpolate?: boolean;
  maxTrials?: number;
}

/**
 * Backtracking until the Armijo (sufficient decrease) condition phi(alpha) <= phi(0) + c1 alpha phi'(0) holds
 * (seed 004 eq. 187; Nocedal-Wright Alg. 3.1). Evaluates phi only. A non-finite phi counts as too long a step.
 */
export function backtracking(options: BacktrackingOptions = {}): LineSearch {
  const c1 = options.c1 ?? 1e-4;
  const rho = options.contraction ?? 0.5;
  const interpolate = options.interpolate ?? true;
  const maxTrials = options.maxTrials ?? 60;
  requireInRange("c1", c1, 0, 1);
  requireInRange("contraction", rho, 0, 1);
  return {
    name: "backtracking",
    search(line: LineFunction, phi0: number, dphi0: number, alphaInitial: number): LineSearchResult {
      requireDescent("backtracking", dphi0);
      let alpha = alphaInitial;
      for (let trial = 0; trial < maxTrials; trial++) {
        const phi = line.phi(alpha);
        if (phi <= phi0 + c1 * alpha * dphi0) {
          return { alpha, phi, dphi: NaN, success: true, message: "Armijo condition holds" };
        }
        let next = rho * alpha;
        if (interpolate && Number.isFinite(phi)) {
          const q = (-dphi0 * alpha * alpha) / (2 * (phi - phi0 - dphi0 * alpha));
          next = Math.min(0.5 * alpha, Math.max(0.1 * alpha, q));
        }
        alpha = next;
      }
      return {
        alpha: 0,
        phi: phi0,
        dphi: dphi0,
        success: false,
        message: `no Armijo step in ${maxTrials} trials`,
      };
    },
  };
}
