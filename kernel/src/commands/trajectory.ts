/**
 * One driver for the optimizer runs of %race and %surface: a first-order transform (theta_{k+1} = theta_k + step_k
 * from the full gradient, optim/transform.ts) through the core's training loop, or a batch method through the
 * core's `minimize`, recording every iterate with its loss. Runs stop at the iteration budget, on a tiny gradient,
 * on a non-finite loss or step, or when the signal is aborted; asynchronous runs yield to the event loop so that
 * an interrupt is seen.
 */
import {
  minimize,
  runLoop,
  runLoopAsync,
  surfaces,
  transformStepper,
  type BatchStepper,
  type LoopOptions,
  type LoopResult,
  type Objective,
  type TestSurface,
  type TrajectoryPoint,
} from "@deltalab/core";
import type { Optimizer } from "./optimizers";
import { cellContext } from "../execution/cell-context";
import { isSigintError } from "../execution/errors";
import { UsageError } from "./parse";

export interface RunRecord {
  optimizer: string;
  trajectory: TrajectoryPoint[];
  reason: string;
  gradientNorm: number;
  evaluations: number;
  elapsedMs: number;
}

export interface RunOptions {
  iterations: number;
  signal?: AbortSignal;
  /** Stop when ||g||_inf falls to this (default 1e-8). */
  gradientTolerance?: number;
  /** Called after each iteration with its number (0 is the start point). */
  onIteration?: (iteration: number) => void;
}

function maxAbs(v: Float64Array): number {
  let m = 0;
  for (const x of v) m = Math.max(m, Math.abs(x));
  return m;
}

/**
 * A batch method's run through the core's synchronous `minimize`, under the cell context's `runInterruptibly`, so
 * that an interrupt stops even a long run on a network; the iterates recorded so far are then kept, with the reason
 * "interrupted".
 */
function methodRun(
  objective: Objective,
  x0: Float64Array,
  optimizer: Extract<Optimizer, { kind: "method" }>,
  options: RunOptions,
): RunRecord {
  const started = performance.now();
  const seen: TrajectoryPoint[] = [];
  let last = { gradientNorm: Number.NaN, evaluations: 0 };
  const run = () =>
    minimize(objective, Float64Array.from(x0), optimizer.method, {
      maxIterations: options.iterations,
      gradientTolerance: options.gradientTolerance ?? 1e-8,
      trajectoryEvery: 1,
      callback: (info) => {
        seen.push({ iteration: info.iteration, x: Float64Array.from(info.x), f: info.f });
        last = {
          gradientNorm: info.gradientNorm,
          evaluations: info.functionEvaluations + info.gradientEvaluations,
        };
        options.onIteration?.(info.iteration);
        return options.signal?.aborted === true ? false : undefined;
      },
    });
  try {
    const result = cellContext().runInterruptibly(run);
    return {
      optimizer: optimizer.label,
      trajectory: result.trajectory,
      reason: result.reason,
      gradientNorm: result.gradientNorm,
      evaluations: result.functionEvaluations + result.gradientEvaluations,
      elapsedMs: performance.now() - started,
    };
  } catch (error) {
    if (!isSigintError(error)) throw error;
    return {
      optimizer: optimizer.label,
      trajectory: seen,
      reason: "interrupted",
      ...last,
      elapsedMs: performance.now() - started,
    };
  }
}

/**
 * A first-order run as the training loop (core's train/loop.ts) over one "sample", the whole objective: each epoch
 * is one step from the full gradient. `beforeStep` records x_k with f_k and stops at the gradient tolerance; after
 * the loop's budget of `iterations` steps, x_K is evaluated and recorded once more. The loop's divergence rule ends
 * the run on a non-finite f or step, and an aborted signal (checked after every step) stops it.
 */
function transformRun(
  objective: Objective,
  x0: Float64Array,
  optimizer: Extract<Optimizer, { kind: "transform" }>,
  options: RunOptions,
): {
  sampleCount: number;
  stepper: BatchStepper;
  loop: LoopOptions;
  finish: (run?: LoopResult) => RunRecord;
} {
  const started = performance.now();
  const tolerance = options.gradientTolerance ?? 1e-8;
  const x = Float64Array.from(x0);
  const trajectory: TrajectoryPoint[] = [];
  let gradientNorm = Number.NaN;
  let evaluations = 0;
  let converged = false;
  const valueAndGradient = (theta: Float64Array, g: Float64Array): number => {
    evaluations += 1;
    const f = objective.valueAndGradient(theta, g);
    gradientNorm = maxAbs(g);
    return f;
  };
  const stepper = transformStepper(x, optimizer.transform, (theta, _samples, g) =>
    valueAndGradient(theta, g),
  );
  /** Records x_k with f_k; true when ||g_k||_inf has reached the tolerance. */
  const record = (k: number, f: number): boolean => {
    trajectory.push({ iteration: k, x: Float64Array.from(x), f });
    options.onIteration?.(k);
    converged = gradientNorm <= tolerance;
    return converged;
  };
  const loop: LoopOptions = {
    epochs: Math.max(options.iterations, 1),
    batchSize: 1,
    shuffle: false,
    beforeStep: ({ step, loss }) => !record(step - 1, loss),
    onBatch: () => options.signal?.aborted !== true,
  };
  const finish = (run?: LoopResult): RunRecord => {
    let reason = "iteration budget";
    if (run?.diverged) reason = "diverged";
    else if (converged) reason = "gradient tolerance";
    else if (run?.stopped) reason = "stopped by callback";
    else {
      const k = run?.steps ?? 0;
      const f = valueAndGradient(x, stepper.gradient);
      if (!Number.isFinite(f) || !Number.isFinite(gradientNorm)) reason = "diverged";
      else if (record(k, f)) reason = "gradient tolerance";
    }
    return {
      optimizer: optimizer.label,
      trajectory,
      reason,
      gradientNorm,
      evaluations,
      elapsedMs: performance.now() - started,
    };
  };
  return { sampleCount: 1, stepper, loop, finish };
}

/** Runs one optimizer from `x0` (a copy is made). */
export function runOptimizer(
  objective: Objective,
  x0: Float64Array,
  optimizer: Optimizer,
  options: RunOptions,
): RunRecord {
  if (optimizer.kind === "method") return methodRun(objective, x0, optimizer, options);
  const run = transformRun(objective, x0, optimizer, options);
  if (options.iterations < 1) return run.finish();
  return run.finish(runLoop(run.sampleCount, run.stepper, run.loop));
}

/** How long a first-order run computes before it lets the event loop see an interrupt (ms). */
const YIELD_EVERY_MS = 50;

/**
 * Runs one optimizer like `runOptimizer`, but a first-order run hands control to the event loop every
 * YIELD_EVERY_MS, so that an interrupt stops it within one iteration of being seen. A batch method runs through
 * the core's synchronous `minimize`: it sees an interrupt only between runs.
 */
export async function runOptimizerAsync(
  objective: Objective,
  x0: Float64Array,
  optimizer: Optimizer,
  options: RunOptions,
): Promise<RunRecord> {
  if (optimizer.kind === "method") return methodRun(objective, x0, optimizer, options);
  const run = transformRun(objective, x0, optimizer, options);
  if (options.iterations < 1) return run.finish();
  const loop = { ...run.loop, yieldEveryMs: YIELD_EVERY_MS };
  return run.finish(await runLoopAsync(run.sampleCount, run.stepper, loop));
}

/** What `runEach` reports as it goes. */
export interface RunEachProgress {
  /** The run starting or running (0-based) and the number of runs. */
  run: number;
  runs: number;
  optimizer: string;
  /** The iteration just done of the run (-1 when it is starting). */
  iteration: number;
}

/**
 * Runs the optimizers one after another from the same start, handing control to the event loop between runs (and
 * within first-order runs) so that an interrupt is seen; an interrupt leaves out the runs not yet started.
 */
export async function runEach(
  objective: Objective,
  x0: Float64Array,
  optimizers: Optimizer[],
  options: RunOptions & { onProgress?: (progress: RunEachProgress) => void },
): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  const { onProgress, ...runOptions } = options;
  for (const [index, optimizer] of optimizers.entries()) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (options.signal?.aborted) break;
    const report = (iteration: number) =>
      onProgress?.({ run: index, runs: optimizers.length, optimizer: optimizer.label, iteration });
    report(-1);
    runs.push(await runOptimizerAsync(objective, x0, optimizer, { ...runOptions, onIteration: report }));
  }
  return runs;
}

/** The core's two-dimensional test surfaces by name. */
export function testSurface(name: string): TestSurface {
  const all = surfaces();
  const found = all.find((surface) => surface.name === name);
  if (!found)
    throw new UsageError(
      `unknown test problem ${JSON.stringify(name)}; the test surfaces are ${all.map((s) => s.name).join(", ")}`,
    );
  return found;
}

export function testSurfaceNames(): string[] {
  return surfaces().map((surface) => surface.name);
}

export function isObjective(value: unknown): value is Objective {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as Partial<Objective>).dim === "number" &&
    typeof (value as Partial<Objective>).valueAndGradient === "function" &&
    typeof (value as Partial<Objective>).value === "function"
  );
}

/** Parses "x,y,..." into a start point of length `dim`. */
export function parsePoint(values: string[], dim: number, what = "--start"): Float64Array {
  const numbers = values.map(Number);
  if (numbers.length !== dim || numbers.some((n) => !Number.isFinite(n))) {
    throw new UsageError(`${what} needs ${dim} numbers separated by commas, got ${values.join(",")}`);
  }
  return Float64Array.from(numbers);
}
