import type { LeastSquaresObjective } from "../objective";

/**
 * A More-Garbow-Hillstrom test problem (ACM TOMS 7(1), 1981, problems 1-35).
 *
 * MGH define f = sum_i r_i^2; our contract (objective.ts) is f = 1/2 sum_i r_i^2. The paper's published minima are
 * kept as `publishedSumOfSquares`, and `minimum` = publishedSumOfSquares / 2 is the minimum of our f, at the same
 * minimizers (halving f moves no minimizer).
 */
export interface MghProblem extends LeastSquaresObjective {
  /** The paper's problem number, 1-35. */
  readonly number: number;
  /** The paper's name, with the size where it varies, e.g. "watson (n = 6)". */
  readonly name: string;
  /** The paper's standard starting point x_0. */
  readonly start: Float64Array;
  /** The paper's minimum of sum r_i^2 (the best known where it lists several). */
  readonly publishedSumOfSquares: number;
  /** The minimum of our f = 1/2 ||r||^2. */
  readonly minimum: number;
  /** Other (local) minima of sum r_i^2 that the paper lists, which methods may reach from the standard start. */
  readonly publishedLocalMinima: number[];
  /** A minimizer where the paper gives one in closed form or to enough digits to evaluate f there. */
  readonly minimizer?: Float64Array;
}

export interface MghSpec {
  number: number;
  name: string;
  n: number;
  m: number;
  start: number[];
  publishedSumOfSquares: number;
  publishedLocalMinima?: number[];
  minimizer?: number[];
  /** Writes r(x) (length m). */
  residuals(x: Float64Array, r: Float64Array): void;
  /** Writes J(x) (m x n row-major) into a zero-filled array. */
  jacobian(x: Float64Array, J: Float64Array): void;
}

/** Builds the LeastSquaresObjective of a spec; J v and J^T u go through the dense Jacobian (the problems are small). */
export function mghProblem(spec: MghSpec): MghProblem {
  const { n, m } = spec;
  if (spec.start.length !== n)
    throw new RangeError(`${spec.name}: start has length ${spec.start.length}, n = ${n}`);
  const r = new Float64Array(m);
  const J = new Float64Array(m * n);
  const check = (x: Float64Array) => {
    if (x.length !== n)
      throw new RangeError(`${spec.name}: expected a point of length ${n}, got ${x.length}`);
  };
  const jacobianAt = (x: Float64Array) => {
    J.fill(0);
    spec.jacobian(x, J);
    return J;
  };
  const half = (res: Float64Array) => {
    let s = 0;
    for (let i = 0; i < m; i++) s += res[i] * res[i];
    return 0.5 * s;
  };
  return {
    number: spec.number,
    name: spec.name,
    dim: n,
    residualCount: m,
    regularization: 0,
    start: Float64Array.from(spec.start),
    publishedSumOfSquares: spec.publishedSumOfSquares,
    minimum: spec.publishedSumOfSquares / 2,
    publishedLocalMinima: spec.publishedLocalMinima ?? [],
    minimizer: spec.minimizer ? Float64Array.from(spec.minimizer) : undefined,
    residuals(x, out) {
      check(x);
      if (out.length !== m)
        throw new RangeError(`${spec.name}: residual array has length ${out.length}, m = ${m}`);
      spec.residuals(x, out);
    },
    jacobian(x, out) {
      check(x);
      if (out.length !== m * n)
        throw new RangeError(`${spec.name}: Jacobian array has length ${out.length}, m n = ${m * n}`);
      out.set(jacobianAt(x));
    },
    value(x) {
      check(x);
      spec.residuals(x, r);
      return half(r);
    },
    valueAndGradient(x, g) {
      check(x);
      spec.residuals(x, r);
      jacobianAt(x);
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += J[i * n + j] * r[i];
        g[j] = s;
      }
      return half(r);
    },
    jacobianTimes(x, v, out) {
      check(x);
      jacobianAt(x);
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += J[i * n + j] * v[j];
        out[i] = s;
      }
    },
    jacobianTransposeTimes(x, u, out) {
      check(x);
      jacobianAt(x);
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += J[i * n + j] * u[i];
        out[j] = s;
      }
    },
  };
}

/** Throws a RangeError naming the problem and what size it expects. */
export function requireSize(name: string, ok: boolean, expected: string): void {
  if (!ok) throw new RangeError(`${name}: ${expected}`);
}
