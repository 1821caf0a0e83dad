import type { Objective } from "../objective";
import { EvaluationCounter } from "./counted";
import type { LineTrial } from "./linesearch/types";
import {
  allFinite,
  isConvergence,
  maxAbs,
  resolveStopping,
  type OptimizationResult,
  type StopReason,
  type StoppingOptions,
  type TrajectoryPoint,
} from "./result";

/** What every batch method's state holds: the iterate and f and its gradient there. */
export interface IterateState {
  x: Float64Array;
  f: number;
  g: Float64Array;
  /** Line-searched methods keep their last search's recorded trials here (empty unless asked to record). */
  line?: { lastTrials: LineTrial[] };
}

/** The outcome of one update: whether a step was taken, and if not, why. */
export interface StepOutcome {
  progress: boolean;
  message?: string;
}

/**
 * A batch method, after Optim.jl: `initialState` evaluates f and g at x_0 and sets up the method's memory;
 * `updateState` moves the state from x_k to x_{k+1}.
 *
 * Invariant: on entry to and on return from `updateState`, state.f = f(state.x) and state.g = grad f(state.x) (for a
 * least-squares method, f = 1/2 ||r||^2 + reg/2 ||x||^2 and g = J^T r + reg x). {@link runMethod} relies on it for
 * its stopping tests and checks only that x, f and g are finite. A method that cannot find a point to move to
 * returns `{ progress: false }` and leaves x, f and g as they were.
 */
export interface Method<S extends IterateState = IterateState> {
  readonly name: string;
  initialState(problem: EvaluationCounter, x0: Float64Array): S;
  updateState(problem: EvaluationCounter, state: S, iteration: number): StepOutcome;
  /**
   * The stationarity measure the driver compares with `gradientTolerance` (default ||g||_inf). A method whose
   * problems have a natural scale may use a scale-free one (Levenberg-Marquardt: MINPACK's cosine test). When such a
   * method stops making progress while ||g||_inf is already within the tolerance, the run counts as converged.
   */
  stationarity?(state: S): number;
}

/** Evaluates f and g at a copy of x0: the common part of every `initialState`. */
export function initialIterate(problem: EvaluationCounter, x0: Float64Array): IterateState {
  const x = Float64Array.from(x0);
  const g = new Float64Array(x.length);
  const f = problem.valueAndGradient(x, g);
  return { x, f, g };
}

function validateStart(objective: Objective, x0: Float64Array): void {
  if (!(x0 instanceof Float64Array)) throw new TypeError("x0 must be a Float64Array");
  if (x0.length !== objective.dim) {
    throw new RangeError(`x0 has length ${x0.length}, but the objective has dim = ${objective.dim}`);
  }
  if (!allFinite(x0)) throw new RangeError("x0 contains NaN or Infinity");
}

const MESSAGES: Record<StopReason, string> = {
  "gradient tolerance": "the gradient norm fell below the gradient tolerance",
  "function tolerance": "the relative change in f fell below the function tolerance",
  "step tolerance": "the step fell below the step tolerance",
  "iteration budget": "the iteration budget is spent",
  "evaluation budget": "the evaluation budget is spent",
  "time budget": "the time budget is spent",
  "stopped by callback": "the callback asked to stop",
  diverged: "f or its gradient became NaN or infinite; returning the last finite iterate",
  "no progress": "the method could not find a better point",
};

/**
 * The one driver loop for batch methods (CG, BFGS, L-BFGS, LM, Newton-CG, gradient descent): stopping rules,
 * callbacks, trajectory, evaluation counting and divergence detection live here and nowhere else.
 */
export function runMethod<S extends IterateState>(
  objective: Objective,
  x0: Float64Array,
  method: Method<S>,
  options: StoppingOptions = {},
): OptimizationResult {
  validateStart(objective, x0);
  const stop = resolveStopping(options);
  const started = performance.now();
  const problem = new EvaluationCounter(objective);
  const trajectory: TrajectoryPoint[] = [];
  const record = (iteration: number, x: Float64Array, f: number) => {
    if (stop.trajectoryEvery > 0) trajectory.push({ iteration, x: Float64Array.from(x), f });
  };

  const state = method.initialState(problem, x0);
  const stationarity = (s: S) => (method.stationarity ? method.stationarity(s) : maxAbs(s.g));
  const n = state.x.length;
  const previous: IterateState = { x: Float64Array.from(state.x), f: state.f, g: Float64Array.from(state.g) };
  let iterations = 0;
  let reason: StopReason | undefined;
  let detail = "";
  record(0, state.x, state.f);

  if (!Number.isFinite(state.f) || !allFinite(state.g)) {
    reason = "diverged";
    detail = `f(x0) = ${state.f}`;
  } else if (stationarity(state) <= stop.gradientTolerance) {
    reason = "gradient tolerance";
  }

  while (reason === undefined) {
    if (iterations >= stop.maxIterations) {
      reason = "iteration budget";
      break;
    }
    if (problem.total >= stop.maxEvaluations) {
      reason = "evaluation budget";
      break;
    }
    if (performance.now() - started >= stop.maxTimeMs) {
      reason = "time budget";
      break;
    }
    previous.x.set(state.x);
    previous.f = state.f;
    previous.g.set(state.g);

    const outcome = method.updateState(problem, state, iterations);

    if (!Number.isFinite(state.f) || !allFinite(state.g) || !allFinite(state.x)) {
      detail = `f = ${state.f} at iteration ${iterations + 1}`;
      state.x.set(previous.x);
      state.f = previous.f;
      state.g.set(previous.g);
      reason = "diverged";
      break;
    }
    if (!outcome.progress) {
      if (maxAbs(state.g) <= stop.gradientTolerance) {
        reason = "gradient tolerance";
      } else {
        reason = "no progress";
        detail = outcome.message ?? "";
      }
      break;
    }
    iterations++;
    const gradientNorm = maxAbs(state.g);
    if (stop.trajectoryEvery > 0 && iterations % stop.trajectoryEvery === 0)
      record(iterations, state.x, state.f);

    if (stop.callback) {
      const answer = stop.callback({
        iteration: iterations,
        x: state.x,
        f: state.f,
        gradientNorm,
        functionEvaluations: problem.functionEvaluations,
        gradientEvaluations: problem.gradientEvaluations,
        lineTrials: state.line?.lastTrials.length ? state.line.lastTrials : undefined,
      });
      if (answer === false) {
        reason = "stopped by callback";
        break;
      }
    }
    if (stationarity(state) <= stop.gradientTolerance) {
      reason = "gradient tolerance";
      break;
    }
    const fScale = Math.max(Math.abs(previous.f), Math.abs(state.f));
    if (stop.functionTolerance > 0 && Math.abs(previous.f - state.f) <= stop.functionTolerance * fScale) {
      reason = "function tolerance";
      break;
    }
    let stepNorm = 0;
    for (let i = 0; i < n; i++) stepNorm = Math.max(stepNorm, Math.abs(state.x[i] - previous.x[i]));
    if (stop.stepTolerance > 0 && stepNorm <= stop.stepTolerance * Math.max(maxAbs(state.x), 1)) {
      reason = "step tolerance";
      break;
    }
  }

  const last = trajectory[trajectory.length - 1];
  if (stop.trajectoryEvery > 0 && last.iteration !== iterations) record(iterations, state.x, state.f);
  return {
    method: method.name,
    x: state.x,
    f: state.f,
    gradientNorm: maxAbs(state.g),
    iterations,
    functionEvaluations: problem.functionEvaluations,
    gradientEvaluations: problem.gradientEvaluations,
    elapsedMs: performance.now() - started,
    converged: isConvergence(reason),
    reason,
    message: detail ? `${MESSAGES[reason]} (${detail})` : MESSAGES[reason],
    trajectory,
  };
}
