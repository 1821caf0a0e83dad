/**
 * Minibatch training: each epoch shuffles the samples with a seeded generator, cuts them into batches, and for each
 * batch asks a `GradientTransform` (optim/transform.ts) for the step from the minibatch gradient of seed 001's
 * f_B(theta):
 *
 *   g_k = grad f_{B_k}(theta_k),  (step_k, state_{k+1}) = update(g_k, state_k, theta_k),  theta_{k+1} = theta_k + step_k
 *
 * The same seed, data and transform give the same theta on every run. Buffers are made before the first step;
 * the inner loop allocates nothing of its own.
 *
 * `trainingSteps` is a generator yielding after every batch; `train` runs it to the end, and `trainAsync` runs it
 * while handing control back to the event loop between batches, so that a notebook can show progress and take an
 * interrupt. A progress callback returning `false` stops the run.
 *
 * Example:
 *
 *   const model = lenet5({ inputSize: 28, seed: 0 });
 *   const data = fromDataset(loadFashionMnist({ subset: true }));
 *   train(model, data, { loss: "cross-entropy", transform: sgd({ step: 0.01, momentum: 0.9 }), epochs: 2, batchSize: 32 });
 *   evaluate(model, data, { loss: "cross-entropy" }).accuracy;
 */
import { SeededRandom } from "../data/random";
import type { LossName } from "../losses";
import { ModelObjective } from "../model/objective";
import type { SupervisedData } from "../model/data";
import type { Sequential } from "../model/sequential";
import type { GradientTransform } from "../optim/transform";

export interface BatchProgress {
  /** 0-based epoch. */
  readonly epoch: number;
  /** 0-based batch within the epoch. */
  readonly batch: number;
  readonly batchesPerEpoch: number;
  /** Steps taken so far in the run, this one included. */
  readonly step: number;
  /** f_B(theta) on this batch, before the step. */
  readonly loss: number;
  /** Milliseconds since the run started. */
  readonly elapsedMs: number;
}

export interface EpochProgress {
  readonly epoch: number;
  /** Mean of the batch losses of the epoch (each taken before its step). */
  readonly meanLoss: number;
  readonly elapsedMs: number;
}

export interface TrainOptions {
  readonly loss: LossName;
  readonly transform: GradientTransform;
  readonly epochs: number;
  readonly batchSize: number;
  /** Seeds the shuffling; default 0. */
  readonly seed?: number;
  /** false: batches in data order. Default true. */
  readonly shuffle?: boolean;
  /** The regularization parameter C of seed 001; default Infinity (none). */
  readonly C?: number;
  /** Called after every batch; returning false stops the run. */
  readonly onBatch?: (progress: BatchProgress) => boolean | void;
  /** Called after every epoch; returning false stops the run. */
  readonly onEpoch?: (progress: EpochProgress) => boolean | void;
  /** The clock, in milliseconds; default performance.now. */
  readonly now?: () => number;
}

export interface TrainResult {
  readonly epochs: readonly EpochProgress[];
  readonly steps: number;
  /** True when a callback or signal stopped the run early. */
  readonly stopped: boolean;
  /**
   * True when a batch loss or gradient was NaN or infinite: the run stops before applying that step, leaving the
   * model at the last theta (whose batch loss was not finite; usually the step size is too large).
   */
  readonly diverged: boolean;
  readonly elapsedMs: number;
}

function checkOptions(options: TrainOptions): void {
  if (!Number.isInteger(options.epochs) || options.epochs < 1) {
    throw new RangeError(`epochs must be a positive integer, got ${options.epochs}`);
  }
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${options.batchSize}`);
  }
  if (!options.transform || typeof options.transform.update !== "function") {
    throw new TypeError("transform must be a GradientTransform with init and update");
  }
}

/** Trains `model` in place, yielding after each batch. The model holds the final theta when the generator ends. */
export function* trainingSteps(
  model: Sequential,
  data: SupervisedData,
  options: TrainOptions,
): Generator<BatchProgress, TrainResult, void> {
  checkOptions(options);
  const objective = new ModelObjective(model, data, {
    loss: options.loss,
    C: options.C,
    chunkSize: Math.min(options.batchSize, data.count),
  });
  const now = options.now ?? (() => performance.now());
  const started = now();
  const random = new SeededRandom(options.seed ?? 0);
  const count = data.count;
  const batchSize = Math.min(options.batchSize, count);
  const batchesPerEpoch = Math.ceil(count / batchSize);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const fullBatch = new Int32Array(batchSize);
  const lastBatch = new Int32Array(count - (batchesPerEpoch - 1) * batchSize);
  const theta = model.getParameters();
  const g = new Float64Array(theta.length);
  const step = new Float64Array(theta.length);
  let state = options.transform.init(theta);
  const epochs: EpochProgress[] = [];
  let steps = 0;
  let stopped = false;
  let diverged = false;
  try {
    for (let epoch = 0; epoch < options.epochs && !stopped && !diverged; epoch++) {
      if (options.shuffle ?? true) random.shuffle(order);
      let lossSum = 0;
      for (let b = 0; b < batchesPerEpoch; b++) {
        const indices = b === batchesPerEpoch - 1 ? lastBatch : fullBatch;
        for (let k = 0; k < indices.length; k++) indices[k] = order[b * batchSize + k];
        const loss = objective.batchValueAndGradient(theta, indices, g);
        if (!Number.isFinite(loss) || !allFinite(g)) {
          diverged = true;
          break;
        }
        state = options.transform.update(g, state, theta, step);
        for (let j = 0; j < theta.length; j++) theta[j] += step[j];
        steps++;
        lossSum += loss;
        const progress = { epoch, batch: b, batchesPerEpoch, step: steps, loss, elapsedMs: now() - started };
        if (options.onBatch?.(progress) === false) stopped = true;
        yield progress;
        if (stopped) break;
      }
      const summary = { epoch, meanLoss: lossSum / batchesPerEpoch, elapsedMs: now() - started };
      if (!stopped && !diverged) {
        epochs.push(summary);
        if (options.onEpoch?.(summary) === false) stopped = true;
      }
    }
  } finally {
    model.setParameters(theta);
  }
  return { epochs, steps, stopped, diverged, elapsedMs: now() - started };
}

function allFinite(values: Float64Array): boolean {
  for (let j = 0; j < values.length; j++) if (!Number.isFinite(values[j])) return false;
  return true;
}

/** Trains `model` in place to the end (or until a callback returns false). */
export function train(model: Sequential, data: SupervisedData, options: TrainOptions): TrainResult {
  const steps = trainingSteps(model, data, options);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

export interface AsyncTrainOptions extends TrainOptions {
  /** Hand control to the event loop at least this often, in milliseconds; default 50. */
  readonly yieldEveryMs?: number;
  /** Checked before the run and after every batch; once aborted the run stops as if a callback returned false. */
  readonly signal?: AbortSignal;
}

/** `train`, yielding to the event loop between batches; resolves when the run ends or stops. */
export async function trainAsync(
  model: Sequential,
  data: SupervisedData,
  options: AsyncTrainOptions,
): Promise<TrainResult> {
  const signal = options.signal;
  if (signal?.aborted) return { epochs: [], steps: 0, stopped: true, diverged: false, elapsedMs: 0 };
  const onBatch = options.onBatch;
  const steps = trainingSteps(model, data, {
    ...options,
    onBatch: (progress) => (onBatch?.(progress) === false || signal?.aborted ? false : undefined),
  });
  const every = options.yieldEveryMs ?? 50;
  let last = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    if (performance.now() - last >= every) {
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      last = performance.now();
    }
  }
}
