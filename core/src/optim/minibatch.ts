import type { StochasticObjective } from "../objective";
import { isStochastic } from "../objective";
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
  /** Seed of the shuffling generator (default 1); `shuffle: false` visits samples in order. */
  seed?: number;
  shuffle?: boolean;
  /** Budget on function plus gradient evaluations, counting one per batch (default: none). */
  maxEvaluations?: number;
  maxTimeMs?: number;
  /** Stop when the full-data f at the end of an epoch is at most this (default: -Infinity, off). */
  targetValue?: number;
  /** Called after each epoch with the full-data f; return true to stop. */
  callback?: (info: { epoch: number; updates: number; x: Float64Array; f: number }) => boolean | void;
}

/**
 * The minibatch driver: runs a GradientTransform (sgd, momentum, Nesterov, adam, adamw, rmsprop, or one written in
 * a notebook) over a StochasticObjective, shuffling the samples each epoch. `iterations` counts updates; the
 * trajectory holds x_0 and the iterate after each epoch with the full-data f (one extra evaluation per epoch). A
 * NaN or Inf batch value, gradient or full-data f stops the run as "diverged"; it then returns the last recorded
 * iterate (x_0 or the end of an epoch), where the full-data f was finite.
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
  const batchSize = options.batchSize ?? 32;
  const epochs = options.epochs ?? 10;
  const N = objective.sampleCount;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(N) || N < 1) throw new RangeError(`sampleCount must be a positive integer, got ${N}`);
  const started = performance.now();
  const n = x0.length;
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  const step = new Float64Array(n);
  const order = Int32Array.from({ length: N }, (_, i) => i);
  let rng = options.seed ?? 1;
  let functionEvaluations = 0;
  let gradientEvaluations = 0;
  let updates = 0;
  let state = transform.init(x);
  const fullValue = () => {
    functionEvaluations++;
    return objective.value(x);
  };
  let f = fullValue();
  const trajectory: TrajectoryPoint[] = [{ iteration: 0, x: Float64Array.from(x), f }];
  let reason: StopReason = "iteration budget";
  let detail = "";

  outer: for (let epoch = 1; epoch <= epochs; epoch++) {
    if (options.shuffle ?? true) {
      for (let i = N - 1; i > 0; i--) {
        rng = (rng * 1103515245 + 12345) % 2147483648;
        const j = Math.floor((rng / 2147483648) * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
    }
    for (let start = 0; start < N; start += batchSize) {
      if (functionEvaluations + gradientEvaluations >= (options.maxEvaluations ?? Infinity)) {
        reason = "evaluation budget";
        break outer;
      }
      if (performance.now() - started >= (options.maxTimeMs ?? Infinity)) {
        reason = "time budget";
        break outer;
      }
      const batch = order.subarray(start, Math.min(N, start + batchSize));
      const fb = objective.batchValueAndGradient(x, batch, g);
      functionEvaluations++;
      gradientEvaluations++;
      if (!Number.isFinite(fb) || !allFinite(g)) {
        x.set(trajectory[trajectory.length - 1].x);
        reason = "diverged";
        detail = `batch f = ${fb} at update ${updates + 1}`;
        break outer;
      }
      state = transform.update(g, state, x, step);
      for (let i = 0; i < n; i++) x[i] += step[i];
      updates++;
    }
    f = fullValue();
    if (!Number.isFinite(f)) {
      x.set(trajectory[trajectory.length - 1].x);
      reason = "diverged";
      detail = `f = ${f} after epoch ${epoch}`;
      break;
    }
    trajectory.push({ iteration: updates, x: Float64Array.from(x), f });
    if (options.callback?.({ epoch, updates, x, f }) === true) {
      reason = "stopped by callback";
      break;
    }
    if (f <= (options.targetValue ?? -Infinity)) {
      reason = "function tolerance";
      detail = `f = ${f} reached the target ${options.targetValue}`;
      break;
    }
  }
  functionEvaluations++;
  gradientEvaluations++;
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
