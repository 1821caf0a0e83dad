import type { LineFunction, LineSearch, LineSearchResult } from "./types";
import { requireDescent, requireInRange } from "./types";

export interface StrongWolfeOptions {
  /** Sufficient decrease, seed 004 eq. 189 (default 1e-4). */
  c1?: number;
  /** Curvature, seed 004 eq. 190 (default 0.9; use 0.1 for nonlinear CG). */
  c2?: number;
  /** Largest step tried while bracketing (default 1e10). */
  alphaMax?: number;
  /**
   * While bracketing, the next trial lies in [alpha + 1.1 (alpha - alpha_prev), alpha + expansion (alpha - alpha_prev)]
   * (at the cubic's extrapolated minimizer when it falls there), as in More-Thuente; default 4.
   */
  expansion?: number;
  /** Grow the step by exactly `expansion` times instead of extrapolating (Nocedal-Wright Alg. 3.5 taken literally). */
  fixedExpansion?: boolean;
  maxIterations?: number;
}

/** Relative size of phi(0)'s rounding below which a predicted decrease is not measurable (about 45 ulps). */
const ROUNDING = 1e-14;

interface Point {
  alpha: number;
  phi: number;
  dphi: number;
}

/**
 * The minimizer of the cubic interpolating phi and phi' at a and b (Nocedal-Wright eq. 3.59), kept at least 10% of
 * |b - a| away from both ends; the midpoint when the cubic has no usable minimizer or a value is not finite.
 */
function cubicMinimizer(a: Point, b: Point): number {
  const lo = Math.min(a.alpha, b.alpha);
  const hi = Math.max(a.alpha, b.alpha);
  const margin = 0.1 * (hi - lo);
  const mid = 0.5 * (a.alpha + b.alpha);
  if (
    !Number.isFinite(a.phi) ||
    !Number.isFinite(b.phi) ||
    !Number.isFinite(a.dphi) ||
    !Number.isFinite(b.dphi)
  ) {
    return mid;
  }
  const d1 = a.dphi + b.dphi - (3 * (a.phi - b.phi)) / (a.alpha - b.alpha);
  const disc = d1 * d1 - a.dphi * b.dphi;
  if (disc < 0) return mid;
  const d2 = Math.sign(b.alpha - a.alpha) * Math.sqrt(disc);
  const t = b.alpha - ((b.alpha - a.alpha) * (b.dphi + d2 - d1)) / (b.dphi - a.dphi + 2 * d2);
  if (!Number.isFinite(t)) return mid;
  return Math.min(hi - margin, Math.max(lo + margin, t));
}

/**
 * The next bracketing trial after b, beyond a < b where phi is still decreasing: the cubic's minimizer when it lies
 * in [b + 1.1 (b - a), b + expansion (b - a)], else the nearer end of that interval (More-Thuente's safeguard).
 */
function extrapolate(a: Point, b: Point, expansion: number): number {
  const width = b.alpha - a.alpha;
  const lo = b.alpha + 1.1 * width;
  const hi = b.alpha + expansion * width;
  const d1 = a.dphi + b.dphi - (3 * (a.phi - b.phi)) / (a.alpha - b.alpha);
  const disc = d1 * d1 - a.dphi * b.dphi;
  if (!(disc >= 0)) return hi;
  const d2 = Math.sign(b.alpha - a.alpha) * Math.sqrt(disc);
  const t = b.alpha - ((b.alpha - a.alpha) * (b.dphi + d2 - d1)) / (b.dphi - a.dphi + 2 * d2);
  if (!Number.isFinite(t) || t <= b.alpha) return hi;
  return Math.min(hi, Math.max(lo, t));
}

/**
 * A step satisfying the strong Wolfe conditions (seed 004 eq. 189-190):
 * phi(alpha) <= phi(0) + c1 alpha phi'(0) and |phi'(alpha)| <= c2 |phi'(0)|, with 0 < c1 < c2 < 1.
 * Bracketing by Nocedal-Wright Alg. 3.5, then `zoom` by Alg. 3.6 with safeguarded cubic interpolation.
 * A non-finite phi or phi' counts as a step past the sufficient-decrease region.
 */
export function strongWolfe(options: StrongWolfeOptions = {}): LineSearch {
  const c1 = options.c1 ?? 1e-4;
  const c2 = options.c2 ?? 0.9;
  const alphaMax = options.alphaMax ?? 1e10;
  const expansion = options.expansion ?? 4;
  const fixedExpansion = options.fixedExpansion ?? false;
  const maxIterations = options.maxIterations ?? 50;
  requireInRange("c1", c1, 0, 1);
  requireInRange("c2", c2, c1, 1);
  if (!(expansion > 1.1)) throw new RangeError(`expansion must be > 1.1, got ${expansion}`);

  return {
    name: "strong Wolfe",
    search(line: LineFunction, phi0: number, dphi0: number, alphaInitial: number): LineSearchResult {
      requireDescent("strong Wolfe", dphi0);
      const armijo = (p: Point) => p.phi <= phi0 + c1 * p.alpha * dphi0;
      const curvature = (p: Point) => Math.abs(p.dphi) <= -c2 * dphi0;
      const accept = (p: Point, message: string): LineSearchResult => ({ ...p, success: true, message });
      const evaluate = (alpha: number): Point => ({ alpha, ...line.phiAndDerivative(alpha) });

      // Alg. 3.6: lo always satisfies sufficient decrease with the lowest phi seen so far, and the interval
      // between lo and hi contains strong Wolfe points ((hi - lo) phi'(lo) < 0).
      const zoom = (lo: Point, hi: Point, budget: number): LineSearchResult => {
        for (let j = 0; j < budget; j++) {
          const p = evaluate(cubicMinimizer(lo, hi));
          const finite = Number.isFinite(p.phi) && Number.isFinite(p.dphi);
          if (!finite || !armijo(p) || p.phi >= lo.phi) {
            hi = p;
          } else {
            if (curvature(p)) return accept(p, "strong Wolfe conditions hold");
            if (p.dphi * (hi.alpha - lo.alpha) >= 0) hi = lo;
            lo = p;
          }
          if (Math.abs(hi.alpha - lo.alpha) <= 1e-16 * Math.max(1, lo.alpha)) break;
          // No decrease found yet and the decrease asked of the whole interval, alpha |phi'(0)|, is below the
          // rounding of phi(0): sufficient decrease can no longer be told from rounding noise (More-Thuente's
          // "rounding errors prevent progress"). Stop instead of halving the step down to underflow.
          if (lo.alpha === 0 && hi.alpha * -dphi0 <= ROUNDING * Math.abs(phi0)) break;
        }
        const success = lo.alpha > 0;
        return {
          ...lo,
          success: false,
          message: success
            ? "zoom ran out of trials; returning the best sufficient-decrease step"
            : "zoom found no step with sufficient decrease",
        };
      };

      let previous: Point = { alpha: 0, phi: phi0, dphi: dphi0 };
      let alpha = Math.min(alphaInitial, alphaMax);
      for (let i = 0; i < maxIterations; i++) {
        const p = evaluate(alpha);
        const finite = Number.isFinite(p.phi) && Number.isFinite(p.dphi);
        if (!finite || !armijo(p) || (i > 0 && p.phi >= previous.phi)) {
          return zoom(previous, p, maxIterations - i);
        }
        if (curvature(p)) return accept(p, "strong Wolfe conditions hold");
        if (p.dphi >= 0) return zoom(p, previous, maxIterations - i);
        if (alpha >= alphaMax) return { ...p, success: false, message: `reached alphaMax = ${alphaMax}` };
        const last = previous;
        previous = p;
        alpha = Math.min(fixedExpansion ? expansion * alpha : extrapolate(last, p, expansion), alphaMax);
      }
      return { ...previous, success: false, message: `no bracket in ${maxIterations} trials` };
    },
  };
}
