import type { Objective } from "../objective";
import { runMethod, type IterateState, type Method } from "./driver";
import { transformDescent } from "./gradient-descent";
import { methods, type MethodName } from "./minimize";
import type { StoppingOptions, StopReason } from "./result";
import type { GradientTransform } from "./transform";

/**
 * Benchmarking optimizers over a problem set (issue 21): every run's f against function evaluations, gradient
 * evaluations and time, and the two standard summaries of such a table — the performance profile of Dolan and More
 * (Math. Programming 91, 2002) and the data profile of More and Wild (SIAM J. Optim. 20, 2009).
 */

/** One problem of a set: an objective, its start, and (when known) its best known minimum. */
export interface BenchmarkProblem {
  name: string;
  objective: Objective;
  start: Float64Array;
  /** The best known minimum; when absent, the lowest f any solver reached stands in (More-Wild's f_L). */
  minimum?: number;
}

/** A solver: a built-in method's name, a configured or cell-written Method, or a GradientTransform (run full-batch). */
export type BenchmarkSolver = MethodName | Method<IterateState> | GradientTransform;

export interface BenchmarkEntry {
  /** The label shown in tables and legends. */
  name: string;
  solver: BenchmarkSolver;
}

/** One point of a run's history: where the lowest f so far fell. */
export interface HistoryPoint {
  /** Distinct points evaluated so far (this one included). */
  evaluations: number;
  /** Gradient evaluations so far. */
  gradientEvaluations: number;
  /** Milliseconds since the run started. */
  ms: number;
  /** The lowest f so far (f at this point). */
  f: number;
}

export interface BenchmarkRun {
  problem: number;
  solver: number;
  f: number;
  gradientNorm: number;
  iterations: number;
  /** Distinct points at which f was evaluated, counted by a wrapper around the objective. */
  evaluations: number;
  gradientEvaluations: number;
  elapsedMs: number;
  reason: StopReason | "error";
  message: string;
  /** f(x0), then every point where the lowest f so far fell. */
  history: HistoryPoint[];
}

export interface BenchmarkResult {
  problems: { name: string; dim: number; minimum?: number }[];
  solvers: string[];
  runs: BenchmarkRun[];
  /** False when the run was stopped before every problem and solver had run. */
  complete: boolean;
}

export interface BenchmarkOptions extends Omit<StoppingOptions, "callback" | "trajectoryEvery"> {
  /** Called after each run with the runs finished so far; return `false` to stop (the finished runs are kept). */
  onRun?: (run: BenchmarkRun, done: number, total: number) => boolean | void;
}

function isTransform(value: BenchmarkSolver): value is GradientTransform {
  return typeof value === "object" && value !== null && "init" in value && "update" in value;
}

function asMethod(solver: BenchmarkSolver): Method<IterateState> {
  if (typeof solver === "string") {
    const make = methods[solver];
    if (!make) {
      throw new RangeError(`unknown method "${solver}"; expected one of ${Object.keys(methods).join(", ")}`);
    }
    return make();
  }
  if (isTransform(solver)) return transformDescent(solver) as unknown as Method<IterateState>;
  if (typeof solver?.initialState !== "function" || typeof solver?.updateState !== "function") {
    throw new TypeError(
      "a solver must be a method name, a Method (initialState, updateState) or a GradientTransform (init, update)",
    );
  }
  return solver;
}

/**
 * The objective seen through a counter of distinct evaluation points, which records the history: independent of
 * the method's own counts, so a method that evaluates the same point twice is not charged twice.
 */
function recorded(objective: Objective, started: number) {
  const seen = new Set<string>();
  const history: HistoryPoint[] = [];
  let gradients = 0;
  let best = Infinity;
  const see = (x: Float64Array, f: number) => {
    const key = Array.prototype.join.call(x, ",");
    if (seen.has(key)) return;
    seen.add(key);
    if (history.length === 0 || f < best) {
      if (f < best) best = f;
      history.push({
        evaluations: seen.size,
        gradientEvaluations: gradients,
        ms: performance.now() - started,
        f,
      });
    }
  };
  const wrapped: Objective = Object.create(objective) as Objective;
  Object.defineProperties(wrapped, {
    value: {
      value: (x: Float64Array) => {
        const f = objective.value(x);
        see(x, f);
        return f;
      },
    },
    valueAndGradient: {
      value: (x: Float64Array, g: Float64Array) => {
        gradients++;
        const f = objective.valueAndGradient(x, g);
        see(x, f);
        return f;
      },
    },
  });
  if ("residuals" in objective) {
    const ls = objective as Objective & { residuals(x: Float64Array, r: Float64Array): void };
    Object.defineProperty(wrapped, "residuals", {
      value: (x: Float64Array, r: Float64Array) => {
        ls.residuals(x, r);
        let s = 0;
        for (let i = 0; i < r.length; i++) s += r[i] * r[i];
        const reg = (objective as { regularization?: number }).regularization ?? 0;
        let xx = 0;
        if (reg) for (let i = 0; i < x.length; i++) xx += x[i] * x[i];
        see(x, 0.5 * s + 0.5 * reg * xx);
      },
    });
    for (const name of ["jacobian", "jacobianTimes", "jacobianTransposeTimes"]) {
      const inner = (objective as unknown as Record<string, (...a: Float64Array[]) => void>)[name];
      Object.defineProperty(wrapped, name, {
        value: (...args: Float64Array[]) => {
          gradients++;
          inner.apply(objective, args);
        },
      });
    }
  }
  return { wrapped, history, evaluations: () => seen.size, gradients: () => gradients };
}

/** Runs one solver on one problem and records its history. An error thrown by the solver is the run's result. */
export function benchmarkRun(
  problem: BenchmarkProblem,
  solver: BenchmarkSolver,
  options: StoppingOptions = {},
): Omit<BenchmarkRun, "problem" | "solver"> {
  const started = performance.now();
  const { wrapped, history, evaluations, gradients } = recorded(problem.objective, started);
  try {
    const r = runMethod(wrapped, problem.start, asMethod(solver), { ...options, trajectoryEvery: 0 });
    return {
      f: r.f,
      gradientNorm: r.gradientNorm,
      iterations: r.iterations,
      evaluations: evaluations(),
      gradientEvaluations: gradients(),
      elapsedMs: r.elapsedMs,
      reason: r.reason,
      message: r.message,
      history,
    };
  } catch (error) {
    const f = history.length ? history[history.length - 1].f : NaN;
    return {
      f,
      gradientNorm: NaN,
      iterations: 0,
      evaluations: evaluations(),
      gradientEvaluations: gradients(),
      elapsedMs: performance.now() - started,
      reason: "error",
      message: error instanceof Error ? error.message : String(error),
      history,
    };
  }
}

/**
 * Runs every solver on every problem (problem by problem), with the stopping options given. `onRun` sees each
 * finished run and may stop the benchmark; the runs finished so far are returned either way.
 */
export function benchmarkOptimizers(
  problems: BenchmarkProblem[],
  solvers: BenchmarkEntry[],
  options: BenchmarkOptions = {},
): BenchmarkResult {
  if (!Array.isArray(problems) || problems.length === 0) throw new RangeError("benchmark: no problems given");
  if (!Array.isArray(solvers) || solvers.length === 0) throw new RangeError("benchmark: no solvers given");
  solvers.forEach((s) => asMethod(s.solver));
  const { onRun, ...stopping } = options;
  const runs: BenchmarkRun[] = [];
  const total = problems.length * solvers.length;
  let complete = true;
  outer: for (let p = 0; p < problems.length; p++) {
    for (let s = 0; s < solvers.length; s++) {
      const run = { problem: p, solver: s, ...benchmarkRun(problems[p], solvers[s].solver, stopping) };
      runs.push(run);
      if (onRun?.(run, runs.length, total) === false && runs.length < total) {
        complete = false;
        break outer;
      }
    }
  }
  return {
    problems: problems.map((p) => ({ name: p.name, dim: p.objective.dim, minimum: p.minimum })),
    solvers: solvers.map((s) => s.name),
    runs,
    complete,
  };
}

/**
 * More and Wild's convergence test (eq. 2.2): the first evaluation count at which the lowest f so far satisfies
 * f <= fL + tau (f(x0) - fL); Infinity if the history never does. `history[0]` must be f(x0).
 */
export function evaluationsToSolve(history: readonly HistoryPoint[], fL: number, tau: number): number {
  if (history.length === 0) return Infinity;
  const f0 = history[0].f;
  const target = fL + tau * (f0 - fL);
  for (const point of history) if (point.f <= target) return point.evaluations;
  return Infinity;
}

/**
 * Dolan and More's performance profile: costs[p][s] is solver s's cost on problem p (Infinity: not solved).
 * rho_s(tau) = |{p : r_{p,s} <= tau}| / |P| with the ratio r_{p,s} = costs[p][s] / min_s costs[p][s]; a problem no
 * solver solves counts against every solver. Returns rho[s][i] for each taus[i] (tau >= 1).
 */
export function performanceProfile(
  costs: readonly (readonly number[])[],
  taus: readonly number[],
): number[][] {
  const solvers = costs[0]?.length ?? 0;
  const rho = Array.from({ length: solvers }, () => new Array<number>(taus.length).fill(0));
  for (const row of costs) {
    if (row.length !== solvers)
      throw new RangeError("performanceProfile: every problem needs one cost per solver");
    const best = Math.min(...row);
    if (!Number.isFinite(best)) continue;
    row.forEach((c, s) => {
      const ratio = c / best;
      taus.forEach((tau, i) => {
        if (ratio <= tau) rho[s][i]++;
      });
    });
  }
  return rho.map((r) => r.map((count) => count / costs.length));
}

/**
 * More and Wild's data profile: d_s(kappa) = |{p : costs[p][s] <= kappa (n_p + 1)}| / |P|, the share of problems
 * solved within kappa simplex gradients (n_p + 1 evaluations each). Returns d[s][i] for each kappas[i].
 */
export function dataProfile(
  costs: readonly (readonly number[])[],
  dims: readonly number[],
  kappas: readonly number[],
): number[][] {
  if (dims.length !== costs.length) throw new RangeError("dataProfile: one dimension per problem is needed");
  const solvers = costs[0]?.length ?? 0;
  const d = Array.from({ length: solvers }, () => new Array<number>(kappas.length).fill(0));
  costs.forEach((row, p) => {
    row.forEach((c, s) => {
      kappas.forEach((kappa, i) => {
        if (c <= kappa * (dims[p] + 1)) d[s][i]++;
      });
    });
  });
  return d.map((r) => r.map((count) => count / costs.length));
}

/**
 * The cost table of a benchmark at tolerance tau: evaluations to pass More-Wild's test, with fL the problem's known
 * minimum when given, else the lowest f any solver reached. costs[p][s].
 */
export function benchmarkCosts(result: BenchmarkResult, tau: number): number[][] {
  if (!(tau > 0 && tau < 1)) throw new RangeError(`tau must lie in (0, 1), got ${tau}`);
  return result.problems.map((problem, p) => {
    const runs = result.solvers.map((_, s) => result.runs.find((r) => r.problem === p && r.solver === s));
    const reached = runs.flatMap((r) => (r && Number.isFinite(r.f) ? [r.f] : []));
    const fL = problem.minimum ?? Math.min(...reached);
    return runs.map((r) => (r ? evaluationsToSolve(r.history, fL, tau) : Infinity));
  });
}
