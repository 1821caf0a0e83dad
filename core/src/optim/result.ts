import type { LineTrial } from "./linesearch/types";

/**
 * The one result shape and the stopping rules shared by every method (batch and minibatch).
 */

/** Why a run stopped. The first three mean convergence. */
export type StopReason =
  | "gradient tolerance"
  | "function tolerance"
  | "step tolerance"
  | "iteration budget"
  | "evaluation budget"
  | "time budget"
  | "stopped by callback"
  | "diverged"
  | "no progress";

const CONVERGED: ReadonlySet<StopReason> = new Set([
  "gradient tolerance",
  "function tolerance",
  "step tolerance",
]);

export function isConvergence(reason: StopReason): boolean {
  return CONVERGED.has(reason);
}

/** One recorded iterate. */
export interface TrajectoryPoint {
  iteration: number;
  x: Float64Array;
  f: number;
}

export interface OptimizationResult {
  /** The method's name, e.g. "bfgs". */
  method: string;
  /** The last finite iterate (on divergence: the last iterate where f and its gradient were finite). */
  x: Float64Array;
  f: number;
  /** ||grad f(x)||_inf. */
  gradientNorm: number;
  iterations: number;
  functionEvaluations: number;
  gradientEvaluations: number;
  elapsedMs: number;
  converged: boolean;
  reason: StopReason;
  /** The reason in words, with the numbers that triggered it. */
  message: string;
  /** x_0, then every `trajectoryEvery`-th iterate, and always the last one. */
  trajectory: TrajectoryPoint[];
}

/** What a per-iteration callback sees. Arrays are live views: copy them to keep them. */
export interface IterationInfo {
  iteration: number;
  x: Float64Array;
  f: number;
  gradientNorm: number;
  functionEvaluations: number;
  gradientEvaluations: number;
  /** The trials (alpha, phi, phi') of this iteration's line search, for methods run with `recordTrials: true`. */
  lineTrials?: LineTrial[];
}

/**
 * Return `false` to stop the run ("stopped by callback"); anything else goes on. The one stop convention of core:
 * the training loop's callbacks (train/loop.ts) and the benchmark's `onRun` read a callback's answer the same way.
 */
export type IterationCallback = (info: IterationInfo) => boolean | void;

export interface StoppingOptions {
  /** Stop when ||g||_inf <= gradientTolerance (default 1e-8). */
  gradientTolerance?: number;
  /** Stop when |f_k - f_{k+1}| <= functionTolerance * max(|f_k|, |f_{k+1}|) (default 0: off). */
  functionTolerance?: number;
  /** Stop when ||x_{k+1} - x_k||_inf <= stepTolerance * max(||x_{k+1}||_inf, 1) (default 0: off). */
  stepTolerance?: number;
  /** Iteration budget (default 1000). */
  maxIterations?: number;
  /** Budget on function evaluations plus gradient evaluations (default: none). */
  maxEvaluations?: number;
  /** Wall-clock budget in milliseconds (default: none). */
  maxTimeMs?: number;
  /** Record every k-th iterate in the trajectory; 0 records none (not even x_0) (default 1). */
  trajectoryEvery?: number;
  callback?: IterationCallback;
}

export type ResolvedStoppingOptions = Required<Omit<StoppingOptions, "callback">> & {
  callback: IterationCallback | undefined;
};

function nonNegative(name: string, value: number): number {
  if (!(value >= 0)) throw new RangeError(`${name} must be a non-negative number, got ${value}`);
  return value;
}

export function resolveStopping(options: StoppingOptions = {}): ResolvedStoppingOptions {
  const every = options.trajectoryEvery ?? 1;
  if (!Number.isInteger(every) || every < 0) {
    throw new RangeError(`trajectoryEvery must be a non-negative integer, got ${every}`);
  }
  return {
    gradientTolerance: nonNegative("gradientTolerance", options.gradientTolerance ?? 1e-8),
    functionTolerance: nonNegative("functionTolerance", options.functionTolerance ?? 0),
    stepTolerance: nonNegative("stepTolerance", options.stepTolerance ?? 0),
    maxIterations: nonNegative("maxIterations", options.maxIterations ?? 1000),
    maxEvaluations: nonNegative("maxEvaluations", options.maxEvaluations ?? Infinity),
    maxTimeMs: nonNegative("maxTimeMs", options.maxTimeMs ?? Infinity),
    trajectoryEvery: every,
    callback: options.callback,
  };
}

export function maxAbs(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]);
    if (a > m || Number.isNaN(a)) m = a;
  }
  return m;
}

export function allFinite(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  return true;
}
