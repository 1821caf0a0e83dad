/** A symmetric positive definite operator v -> A v, or A itself as an n x n row-major matrix. */
export type SpdOperator = ((v: Float64Array, out: Float64Array) => void) | Float64Array;

export interface LinearCgOptions {
  x0?: Float64Array;
  /** Stop when ||r_k||_2 <= tolerance ||b||_2 (default 1e-10). */
  tolerance?: number;
  /** Default n: exact arithmetic needs at most n steps. */
  maxIterations?: number;
}

export interface LinearCgResult {
  x: Float64Array;
  iterations: number;
  converged: boolean;
  /** ||r_k||_2 for k = 0..iterations. */
  residualNorms: number[];
  /** False when d^T A d <= 0 was met, i.e. A is not positive definite along some direction. */
  positiveDefinite: boolean;
}

function asOperator(A: SpdOperator, n: number): (v: Float64Array, out: Float64Array) => void {
  if (typeof A === "function") return A;
  if (A.length !== n * n) throw new RangeError(`matrix A has ${A.length} entries; expected n * n = ${n * n}`);
  return (v, out) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += A[i * n + j] * v[j];
      out[i] = s;
    }
  };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Linear conjugate gradients for A x = b with A symmetric positive definite, i.e. the minimizer of the quadratic
 * form 1/2 x^T A x - b^T x (seed 004 eq. 124, 156-161):
 * d_0 = r_0 = b - A x_0; alpha_i = r_i^T r_i / d_i^T A d_i; x_{i+1} = x_i + alpha_i d_i; r_{i+1} = r_i - alpha_i A d_i;
 * beta_{i+1} = r_{i+1}^T r_{i+1} / r_i^T r_i; d_{i+1} = r_{i+1} + beta_{i+1} d_i.
 * Stops early, with `positiveDefinite: false`, on a direction of non-positive curvature.
 */
export function linearConjugateGradient(
  A: SpdOperator,
  b: Float64Array,
  options: LinearCgOptions = {},
): LinearCgResult {
  const n = b.length;
  const apply = asOperator(A, n);
  const tolerance = options.tolerance ?? 1e-10;
  const maxIterations = options.maxIterations ?? n;
  const x = options.x0 ? Float64Array.from(options.x0) : new Float64Array(n);
  if (x.length !== n) throw new RangeError(`x0 has length ${x.length}; b has length ${n}`);
  const r = new Float64Array(n);
  const Ad = new Float64Array(n);
  apply(x, r);
  for (let i = 0; i < n; i++) r[i] = b[i] - r[i];
  const d = Float64Array.from(r);
  let rr = dot(r, r);
  const target = tolerance * Math.sqrt(dot(b, b));
  const residualNorms = [Math.sqrt(rr)];
  let iterations = 0;
  while (Math.sqrt(rr) > target && iterations < maxIterations) {
    apply(d, Ad);
    const dAd = dot(d, Ad);
    if (!(dAd > 0)) return { x, iterations, converged: false, residualNorms, positiveDefinite: false };
    const alpha = rr / dAd;
    for (let i = 0; i < n; i++) {
      x[i] += alpha * d[i];
      r[i] -= alpha * Ad[i];
    }
    const rrNext = dot(r, r);
    const beta = rrNext / rr;
    for (let i = 0; i < n; i++) d[i] = r[i] + beta * d[i];
    rr = rrNext;
    iterations++;
    residualNorms.push(Math.sqrt(rr));
  }
  return { x, iterations, converged: Math.sqrt(rr) <= target, residualNorms, positiveDefinite: true };
}
