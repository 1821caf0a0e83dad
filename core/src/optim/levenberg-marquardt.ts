import type { EvaluationCounter } from "./counted";
import type { IterateState, Method } from "./driver";
import { pseudoInverseSolve } from "./linalg";
import { dot } from "./linestep";
import { maxAbs } from "./result";

export interface LevenbergMarquardtOptions {
  /** lambda_0 (default 1e-3). */
  initialDamping?: number;
  /**
   * The precision whose relative truncation the pseudo-inverse uses (seed 004 section 4.2): singular values below
   * 1e-7 w_max ("float32") or 1e-15 w_max ("float64", the default) are dropped. The arithmetic stays Float64.
   */
  precision?: "float32" | "float64";
  /** An explicit relative truncation, overriding `precision`. */
  truncation?: number;
  /** "marquardt": damp with lambda diag(J^T J) as in eq. 108 (default); "levenberg": with lambda I. */
  scaling?: "marquardt" | "levenberg";
  /** Trial steps per iteration before giving up (default 50). */
  maxRejections?: number;
}

export interface LevenbergMarquardtState extends IterateState {
  r: Float64Array;
  J: Float64Array;
  lambda: number;
  nu: number;
  /** The damping diagonal: the running maximum of diag(J^T J) (More 1978), so zero columns do not undamp. */
  D: Float64Array;
  /** Rejected trial steps in total. */
  rejections: number;
  /** The objective's regularization coefficient (which stationarity measure applies). */
  regularization: number;
}

/** r and f = 1/2 ||r||^2 + reg/2 ||x||^2 at s.x (seed 004 eq. 106; objective.ts). */
function evaluateResiduals(problem: EvaluationCounter, s: LevenbergMarquardtState): void {
  const reg = problem.leastSquares("Levenberg-Marquardt").regularization;
  problem.residuals(s.x, s.r);
  s.f = 0.5 * dot(s.r, s.r) + 0.5 * reg * dot(s.x, s.x);
}

/** J and g = J^T r + reg x at s.x, given r there (seed 004 eq. 109). */
function evaluateJacobian(problem: EvaluationCounter, s: LevenbergMarquardtState): void {
  const reg = problem.leastSquares("Levenberg-Marquardt").regularization;
  const n = s.x.length;
  const m = s.r.length;
  problem.jacobian(s.x, s.J);
  for (let j = 0; j < n; j++) {
    let t = reg * s.x[j];
    for (let i = 0; i < m; i++) t += s.J[i * n + j] * s.r[i];
    s.g[j] = t;
  }
}

/** A = J^T J + reg I, the Gauss-Newton matrix of objective.ts. */
function gaussNewtonMatrix(J: Float64Array, m: number, n: number, reg: number): Float64Array {
  const A = new Float64Array(n * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < n; p++) {
      const jp = J[i * n + p];
      if (jp === 0) continue;
      for (let q = p; q < n; q++) A[p * n + q] += jp * J[i * n + q];
    }
  }
  for (let p = 0; p < n; p++) {
    A[p * n + p] += reg;
    for (let q = 0; q < p; q++) A[p * n + q] = A[q * n + p];
  }
  return A;
}

/**
 * Solves (A + lambda D) delta = -g (seed 004 eq. 108) with the diagonal preconditioning of section 4.2
 * (P = diag(A + lambda D)^(-1/2), so the matrix solved has a unit diagonal) and the truncated SVD
 * pseudo-inverse of eq. 117.
 */
function dampedStep(
  A: Float64Array,
  D: Float64Array,
  lambda: number,
  g: Float64Array,
  truncation: number,
): Float64Array {
  const n = g.length;
  const P = new Float64Array(n);
  const M = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const diagonal = A[i * n + i] + lambda * D[i];
    P[i] = diagonal > 0 ? 1 / Math.sqrt(diagonal) : 1;
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) M[i * n + j] = P[i] * (A[i * n + j] + (i === j ? lambda * D[i] : 0)) * P[j];
  }
  const rhs = Float64Array.from(g, (gi, i) => -P[i] * gi);
  const { x } = pseudoInverseSolve(M, n, n, rhs, truncation);
  for (let i = 0; i < n; i++) x[i] *= P[i];
  return x;
}

/**
 * MINPACK's scale-free stationarity measure (More, Garbow, Hillstrom, MINPACK-1 user guide, the `gtol` test):
 * the largest cosine between r and a column of J, max_j |J_j^T r| / (||J_j|| ||r||), over the nonzero columns;
 * 0 when r = 0. Unlike ||J^T r||, it does not fall with ||r|| on its way to a zero-residual solution, so the run
 * goes on while Gauss-Newton still gains; it falls to 0 at a nonzero-residual minimum and where r leaves the range
 * of J (a singular Jacobian at the solution). With regularization the gradient's own infinity norm is used.
 */
export function residualCosine(r: Float64Array, J: Float64Array, n: number): number {
  const m = r.length;
  const rNorm = Math.sqrt(dot(r, r));
  if (rNorm === 0) return 0;
  let worst = 0;
  for (let j = 0; j < n; j++) {
    let jr = 0;
    let jj = 0;
    for (let i = 0; i < m; i++) {
      jr += J[i * n + j] * r[i];
      jj += J[i * n + j] * J[i * n + j];
    }
    if (jj > 0) worst = Math.max(worst, Math.abs(jr) / (Math.sqrt(jj) * rNorm));
  }
  return worst;
}

/**
 * Levenberg-Marquardt on a LeastSquaresObjective (seed 004 eq. 106-109, section 4.2). Each iteration tries damped
 * Gauss-Newton steps until one lowers f; lambda follows the gain ratio rho = actual / predicted reduction (Nielsen
 * 1999): accepted steps scale lambda by max(1/3, 1 - (2 rho - 1)^3), rejected ones by nu = 2, 4, 8, ...
 * Residual evaluations count as function evaluations, Jacobian evaluations as gradient evaluations.
 */
export function levenbergMarquardt(options: LevenbergMarquardtOptions = {}): Method<LevenbergMarquardtState> {
  const lambda0 = options.initialDamping ?? 1e-3;
  const truncation = options.truncation ?? (options.precision === "float32" ? 1e-7 : 1e-15);
  const scaling = options.scaling ?? "marquardt";
  const maxRejections = options.maxRejections ?? 50;
  if (!(lambda0 > 0)) throw new RangeError(`initialDamping must be positive, got ${lambda0}`);
  if (!(truncation > 0 && truncation < 1))
    throw new RangeError(`truncation must lie in (0, 1), got ${truncation}`);
  return {
    name: "levenberg-marquardt",
    stationarity(s) {
      return s.regularization === 0 ? residualCosine(s.r, s.J, s.x.length) : maxAbs(s.g);
    },
    initialState(problem, x0) {
      const ls = problem.leastSquares("Levenberg-Marquardt");
      const n = x0.length;
      const m = ls.residualCount;
      if (!Number.isInteger(m) || m < 1)
        throw new RangeError(`residualCount must be a positive integer, got ${m}`);
      const s: LevenbergMarquardtState = {
        x: Float64Array.from(x0),
        f: NaN,
        g: new Float64Array(n),
        r: new Float64Array(m),
        J: new Float64Array(m * n),
        lambda: lambda0,
        nu: 2,
        D: new Float64Array(n),
        rejections: 0,
        regularization: ls.regularization,
      };
      evaluateResiduals(problem, s);
      evaluateJacobian(problem, s);
      return s;
    },
    updateState(problem, s) {
      const ls = problem.leastSquares("Levenberg-Marquardt");
      const n = s.x.length;
      const m = s.r.length;
      const A = gaussNewtonMatrix(s.J, m, n, ls.regularization);
      for (let i = 0; i < n; i++) s.D[i] = scaling === "levenberg" ? 1 : Math.max(s.D[i], A[i * n + i]);
      const xOld = Float64Array.from(s.x);
      const rOld = Float64Array.from(s.r);
      const fOld = s.f;
      for (let trial = 0; trial < maxRejections; trial++) {
        const delta = dampedStep(A, s.D, s.lambda, s.g, truncation);
        let deltaAdelta = 0;
        for (let i = 0; i < n; i++) {
          let t = 0;
          for (let j = 0; j < n; j++) t += A[i * n + j] * delta[j];
          deltaAdelta += delta[i] * t;
        }
        const predicted = -(dot(s.g, delta) + 0.5 * deltaAdelta);
        let stepNorm = 0;
        for (let i = 0; i < n; i++) {
          s.x[i] = xOld[i] + delta[i];
          stepNorm = Math.max(stepNorm, Math.abs(delta[i]));
        }
        if (!(stepNorm > 1e-16 * Math.max(1, maxAbs(xOld)))) break;
        evaluateResiduals(problem, s);
        const rho = (fOld - s.f) / predicted;
        if (Number.isFinite(s.f) && s.f < fOld && rho > 0) {
          s.lambda *= Math.max(1 / 3, 1 - Math.pow(2 * rho - 1, 3));
          s.nu = 2;
          evaluateJacobian(problem, s);
          return { progress: true };
        }
        s.rejections++;
        s.lambda *= s.nu;
        s.nu *= 2;
      }
      s.x.set(xOld);
      s.r.set(rOld);
      s.f = fOld;
      return { progress: false, message: `no damped step lowered f (lambda = ${s.lambda})` };
    },
  };
}
