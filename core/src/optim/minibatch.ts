import type { StochasticObjective } from "../objective";
import { isStochastic } from "../objective";
import { runLoop, transformStepper } from "../train/loop";
import {
  allFinite,
  isConvergence,
  maxAbs,
  type OptimizationResult,
  type StopReason,
  type TrajectoryPoint,
} from "./result";
import type { GradientTransform } from "./transform";

export interface MinibatchOptions {
  /** Samples per update (default 32; the last batch of an epoch may be smaller). */
  batchSize?: number;
  /** Passes over the samples (default 10). */
  epochs?: number;
  /** Seed of the shuffling generator (default 0, as every stochastic run); `shuffle: false` visits samples in order. */
  seed?: number;
  shuffle?: boolean;
  /** Budget on function plus gradient evaluations, counting one per batch (default: none). */
  maxEvaluations?: number;
  maxTimeMs?: number;
  /** Stop when the full-data f at the end of an epoch is at most this (default: -Infinity, off). */
  targetValue?: number;
  /** Called after each epoch with the full-data f; returning false stops (the training loop's convention). */
  callback?: (info: { epoch: number; updates: number; x: Float64Array; f: number }) => boolean | void;
}

/**
 * The minibatch driver: runs a GradientTransform (sgd, momentum, Nesterov, adam, adamw, rmsprop, or one written in
 * a notebook) over a StochasticObjective with the one stochastic training loop (train/loop.ts: its shuffling,
 * batches, stop convention and divergence rule). `iterations` counts updates; the trajectory holds x_0 and the
 * iterate after each epoch with the full-data f (one extra evaluation per epoch). A NaN or Inf batch value, step or
 * full-data f stops the run as "diverged"; as every OptimizationResult it then returns the last recorded iterate
 * (x_0 or the end of an epoch), where the full-data f was finite.
 */
export function minimizeStochastic<S>(
  objective: StochasticObjective,
  x0: Float64Array,
  transform: GradientTransform<S>,
  options: MinibatchOptions = {},
): OptimizationResult {
  if (!isStochastic(objective))
    throw new TypeError("minimizeStochastic needs a StochasticObjective (batchValueAndGradient)");
  if (x0.length !== objective.dim)
    throw new RangeError(`x0 has length ${x0.length}, but the objective has dim = ${objective.dim}`);
  if (!allFinite(x0)) throw new RangeError("x0 contains NaN or Infinity");
  const epochs = options.epochs ?? 10;
  const started = performance.now();
  const x = Float64Array.from(x0);
  let functionEvaluations = 0;
  let gradientEvaluations = 0;
  let updates = 0;
  const stepper = transformStepper(x, transform, (theta, batch, g) => {
    functionEvaluations++;
    gradientEvaluations++;
    return objective.batchValueAndGradient(theta, batch, g);
  });
  const fullValue = () => {
    functionEvaluations++;
    return objective.value(x);
  };
  let f = fullValue();
  const trajectory: TrajectoryPoint[] = [{ iteration: 0, x: Float64Array.from(x), f }];
  let reason: StopReason = "iteration budget";
  let detail = "";
  const overBudget = (): boolean => {
    if (functionEvaluations + gradientEvaluations >= (options.maxEvaluations ?? Infinity)) {
      reason = "evaluation budget";
      return true;
    }
    if (performance.now() - started >= (options.maxTimeMs ?? Infinity)) {
      reason = "time budget";
      return true;
    }
    return false;
  };
  const run = runLoop(objective.sampleCount, stepper, {
    epochs,
    batchSize: options.batchSize ?? 32,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.shuffle !== undefined ? { shuffle: options.shuffle } : {}),
    onBatch: (progress) => {
      updates = progress.step;
      return !overBudget();
    },
    onEpoch: ({ epoch }) => {
      f = fullValue();
      if (!Number.isFinite(f)) {
        reason = "diverged";
        detail = `f = ${f} after epoch ${epoch + 1}`;
        return false;
      }
      trajectory.push({ iteration: updates, x: Float64Array.from(x), f });
      if (options.callback?.({ epoch: epoch + 1, updates, x, f }) === false) {
        reason = "stopped by callback";
        return false;
      }
      if (f <= (options.targetValue ?? -Infinity)) {
        reason = "function tolerance";
        detail = `f = ${f} reached the target ${options.targetValue}`;
        return false;
      }
      return !overBudget();
    },
  });
  if (run.diverged) {
    reason = "diverged";
    detail = run.reason;
  }
  if (reason === "diverged") x.set(trajectory[trajectory.length - 1].x);
  functionEvaluations++;
  gradientEvaluations++;
  const g = new Float64Array(x.length);
  f = objective.valueAndGradient(x, g);
  const messages: Partial<Record<StopReason, string>> = {
    "iteration budget": `ran ${epochs} epochs`,
    diverged:
      "f or its gradient became NaN or infinite; returning the last iterate with a finite full-data f",
  };
  const message = messages[reason] ?? reason;
  return {
    method: transform.name,
    x,
    f,
    gradientNorm: maxAbs(g),
    iterations: updates,
    functionEvaluations,
    gradientEvaluations,
    elapsedMs: performance.now() - started,
    converged: isConvergence(reason),
    reason,
    message: detail ? `${message} (${detail})` : message,
    trajectory,
  };
}
