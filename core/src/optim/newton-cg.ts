import type { IterateState, Method } from "./driver";
import { initialIterate } from "./driver";
import { linearConjugateGradient } from "./linear-cg";
import { dot } from "./linestep";

export interface NewtonCgOptions {
  /** Fraction of residuals in the subsample S used for the Gauss-Newton products (default 1: all). */
  sampleFraction?: number;
  /** Seed of the subsample generator (default 1). */
  seed?: number;
  /** lambda_1 of the damping term lambda I (default 1e-3; Wang, Tan, Lin et al. use 1 for regularized CNNs). */
  initialDamping?: number;
  /** lambda shrinks by `drop` when rho > 0.75 and grows by `boost` when rho < 0.25 (defaults 2/3 and 3/2). */
  drop?: number;
  boost?: number;
  /** CG stops when ||(G_S + lambda I) d + g|| <= cgTolerance ||g|| (default 0.01). */
  cgTolerance?: number;
  maxCgIterations?: number;
  /** Armijo constant of the backtracking line search (default 1e-4). */
  c1?: number;
}

export interface NewtonCgState extends IterateState {
  lambda: number;
  cgIterations: number;
  rng: number;
}

/**
 * Subsampled Gauss-Newton Newton-CG with Levenberg-Marquardt damping and backtracking, after the Newton method for
 * CNNs of C.-J. Lin's group (Wang, Tan, Lin et al. 2019): the direction solves (G_S + lambda I) d = -g by CG with
 * G_S v = (m/|S|) J_S^T (J_S v) + reg v from J v and J^T u only (never J itself); alpha is the largest of 1, 1/2,
 * 1/4, ... with f(x + alpha d) <= f + c1 alpha g^T d; lambda follows the ratio of actual to predicted reduction
 * rho = (f(x + alpha d) - f) / (alpha g^T d + alpha^2/2 d^T G_S d).
 * Each J v or J^T u product counts as a gradient evaluation. With the LeastSquaresObjective interface the products
 * run over all m residuals and the rows outside S are masked, so subsampling changes the curvature used but not
 * the cost here.
 */
export function newtonCg(options: NewtonCgOptions = {}): Method<NewtonCgState> {
  const fraction = options.sampleFraction ?? 1;
  const drop = options.drop ?? 2 / 3;
  const boost = options.boost ?? 3 / 2;
  const sigma = options.cgTolerance ?? 0.01;
  const c1 = options.c1 ?? 1e-4;
  if (!(fraction > 0 && fraction <= 1))
    throw new RangeError(`sampleFraction must lie in (0, 1], got ${fraction}`);
  if (!(drop > 0 && drop < 1) || !(boost > 1)) throw new RangeError("need 0 < drop < 1 < boost");
  return {
    name: "newton-cg (gauss-newton)",
    initialState(problem, x0) {
      problem.leastSquares("Newton-CG");
      return {
        ...initialIterate(problem, x0),
        lambda: options.initialDamping ?? 1e-3,
        cgIterations: 0,
        rng: options.seed ?? 1,
      };
    },
    updateState(problem, state) {
      const ls = problem.leastSquares("Newton-CG");
      const n = state.x.length;
      const m = ls.residualCount;
      const mask = new Float64Array(m).fill(1);
      if (fraction < 1) {
        // Partial Fisher-Yates shuffle with a linear congruential generator: |S| = ceil(fraction m) rows.
        const size = Math.ceil(fraction * m);
        const order = Array.from({ length: m }, (_, i) => i);
        for (let i = 0; i < size; i++) {
          state.rng = (state.rng * 1103515245 + 12345) % 2147483648;
          const j = i + Math.floor((state.rng / 2147483648) * (m - i));
          [order[i], order[j]] = [order[j], order[i]];
        }
        mask.fill(0);
        for (let i = 0; i < size; i++) mask[order[i]] = m / size;
      }
      const Jv = new Float64Array(m);
      const gaussNewton = (v: Float64Array, out: Float64Array, damping: number) => {
        problem.jacobianTimes(state.x, v, Jv);
        for (let i = 0; i < m; i++) Jv[i] *= mask[i];
        problem.jacobianTransposeTimes(state.x, Jv, out);
        for (let i = 0; i < n; i++) out[i] += (ls.regularization + damping) * v[i];
      };
      const minusG = Float64Array.from(state.g, (v) => -v);
      const cg = linearConjugateGradient((v, out) => gaussNewton(v, out, state.lambda), minusG, {
        tolerance: sigma,
        maxIterations: options.maxCgIterations ?? Math.max(n, 250),
      });
      state.cgIterations += cg.iterations;
      const d = cg.x;
      const gd = dot(state.g, d);
      if (!(gd < 0))
        return { progress: false, message: `CG direction is not a descent direction (g^T d = ${gd})` };
      const Gd = new Float64Array(n);
      gaussNewton(d, Gd, 0);
      const dGd = dot(d, Gd);
      const trial = new Float64Array(n);
      let alpha = 1;
      for (let k = 0; k < 40; k++, alpha /= 2) {
        for (let i = 0; i < n; i++) trial[i] = state.x[i] + alpha * d[i];
        const f = problem.value(trial);
        if (f <= state.f + c1 * alpha * gd) {
          const rho = (f - state.f) / (alpha * gd + 0.5 * alpha * alpha * dGd);
          if (rho > 0.75) state.lambda *= drop;
          else if (rho < 0.25) state.lambda *= boost;
          state.x.set(trial);
          state.f = problem.valueAndGradient(state.x, state.g);
          return { progress: true };
        }
      }
      state.lambda *= boost;
      return { progress: false, message: "backtracking found no step with sufficient decrease" };
    },
  };
}
