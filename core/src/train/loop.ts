/**
 * The one stochastic training loop. `train`, `trainAsync`, `minimizeStochastic`, the first-order runs of the kernel's
 * %race and %surface, and training on a WebGPU device all run it; they differ only in the `BatchStepper` that
 * computes f_B and takes the step.
 *
 * Each epoch shuffles the sample order 0..N-1 with a `SeededRandom` (default seed 0; `shuffle: false` keeps data
 * order) and cuts it into batches of `batchSize`. The N mod batchSize samples left at the end of an epoch form a
 * smaller last batch (`partialBatch: "keep"`, the default) or are not used that epoch (`"drop"`, for a device
 * compiled for one batch size). For each batch k:
 *
 *   1. f_k = f_B(theta_k) is evaluated (`stepper.evaluate`); theta does not change.
 *   2. f_k not finite: the run ends diverged, theta stays theta_k.
 *   3. `beforeStep(progress)` returning false ends the run stopped, without the step.
 *   4. The step is taken (`stepper.apply`); a stepper that finds the step or theta_{k+1} not finite leaves theta_k
 *      and returns false, and the run ends diverged.
 *   5. `onBatch(progress)` returning false, or an aborted `signal`, ends the run stopped, after the step.
 * After the last batch of an epoch, `onEpoch(summary)` returning false ends the run stopped.
 *
 * So there is one stop convention (a callback returning false stops; anything else goes on) and one divergence rule
 * (a non-finite loss, step or theta ends the run with `diverged: true` and a `reason`, theta left at the last
 * iterate whose entries are all finite).
 *
 * The loop is a generator so that one body serves a synchronous stepper (the CPU) and an asynchronous one (a device
 * whose evaluation resolves later): when a stepper returns a promise, the loop yields it as a "wait" event and
 * resumes with its value. `runLoop` drives it synchronously (and refuses promises), `runLoopAsync` awaits them and
 * hands control to the event loop between batches. Training code stays synchronous where it can (`train`, a cell's
 * `runOptimizer`) without writing the loop twice.
 */
import { SeededRandom } from "../data/random";
import type { GradientTransform } from "../optim/transform";

/** The seed of the shuffling when none is given. */
export const DEFAULT_SHUFFLE_SEED = 0;

export type Awaitable<T> = T | PromiseLike<T>;

/** What to do with the N mod batchSize samples left at the end of an epoch's order. */
export type PartialBatch = "keep" | "drop";

export interface BatchProgress {
  /** 0-based epoch. */
  readonly epoch: number;
  /** 0-based batch within the epoch. */
  readonly batch: number;
  readonly batchesPerEpoch: number;
  /** 1-based number of this batch's step in the run (also the steps taken so far once it is taken). */
  readonly step: number;
  /** f_B(theta) on this batch, before the step. */
  readonly loss: number;
  /** Milliseconds since the run started. */
  readonly elapsedMs: number;
  /** The batch's sample indices: a view of the epoch's order, valid until the next epoch (copy it to keep it). */
  readonly samples: Int32Array;
}

export interface EpochProgress {
  readonly epoch: number;
  /** Mean of the batch losses of the epoch (each taken before its step). */
  readonly meanLoss: number;
  readonly elapsedMs: number;
}

/** The options every stochastic run takes, whatever computes its steps. */
export interface LoopOptions {
  readonly epochs: number;
  readonly batchSize: number;
  /** Seeds the shuffling; default 0 (`DEFAULT_SHUFFLE_SEED`). */
  readonly seed?: number;
  /** false: batches in data order. Default true. */
  readonly shuffle?: boolean;
  /** The smaller last batch of an epoch: "keep" (default) takes a step on it, "drop" leaves its samples out. */
  readonly partialBatch?: PartialBatch;
  /** Called with f_B once it is known to be finite, before the step; returning false stops without the step. */
  readonly beforeStep?: (progress: BatchProgress) => boolean | void;
  /** Called after every step; returning false stops the run. */
  readonly onBatch?: (progress: BatchProgress) => boolean | void;
  /** Called after every epoch; returning false stops the run. */
  readonly onEpoch?: (progress: EpochProgress) => boolean | void;
  /** Checked before the run and after every step; once aborted the run stops as if a callback returned false. */
  readonly signal?: AbortSignal;
  /** The clock, in milliseconds; default performance.now. */
  readonly now?: () => number;
}

/**
 * Computes f_B and takes the step for the loop. Either method may return a promise (a device); the synchronous
 * driver `runLoop` then refuses the run.
 */
export interface BatchStepper {
  /** f_B(theta) on `samples`, keeping what the step needs (the gradient); theta does not change. */
  evaluate(samples: Int32Array): Awaitable<number>;
  /**
   * Takes the step from the last evaluation. Returns false, leaving theta as it was, when the step or the new theta
   * would not be finite (a stepper that cannot see its new theta cheaply may return true and leave the check to the
   * next loss).
   */
  apply(): Awaitable<boolean>;
}

export interface LoopResult {
  /** The epochs completed, in order. */
  readonly epochs: readonly EpochProgress[];
  /** Steps taken. */
  readonly steps: number;
  /** True when a callback or the signal stopped the run early. */
  readonly stopped: boolean;
  /** True when a batch loss, a step or theta was NaN or infinite (the run stopped before taking that step). */
  readonly diverged: boolean;
  /** Why the run ended, in words (for a diverged run: which value was not finite, at which step). */
  readonly reason: string;
  readonly elapsedMs: number;
}

/** What the loop hands its driver: a promise to settle, or a batch just done. */
export type LoopEvent =
  | { readonly kind: "wait"; readonly promise: PromiseLike<unknown> }
  | { readonly kind: "batch"; readonly progress: BatchProgress };

/** Throws on options no run can take: epochs and batchSize must be positive integers, sampleCount too. */
export function checkLoopOptions(sampleCount: number, options: LoopOptions): void {
  if (!Number.isInteger(sampleCount) || sampleCount < 1) {
    throw new RangeError(`the sample count must be a positive integer, got ${sampleCount}`);
  }
  if (!Number.isInteger(options.epochs) || options.epochs < 1) {
    throw new RangeError(`epochs must be a positive integer, got ${options.epochs}`);
  }
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${options.batchSize}`);
  }
  const seed = options.seed ?? DEFAULT_SHUFFLE_SEED;
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
}

/** The batches of each epoch (a batchSize above the sample count is cut to it). */
export function batchesPerEpoch(sampleCount: number, options: LoopOptions): number {
  const batchSize = Math.min(options.batchSize, sampleCount);
  return (options.partialBatch ?? "keep") === "drop"
    ? Math.floor(sampleCount / batchSize)
    : Math.ceil(sampleCount / batchSize);
}

function isPromiseLike<T>(value: Awaitable<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === "function";
}

/** `value`, or the value of the promise the driver settles for it. */
function* settled<T>(value: Awaitable<T>): Generator<LoopEvent, T, unknown> {
  if (!isPromiseLike(value)) return value;
  // The drivers resume a "wait" with the promise's value, so the cast holds.
  return (yield { kind: "wait", promise: value }) as T;
}

/** The loop over `sampleCount` samples (see the module comment); run it with `runLoop` or `runLoopAsync`. */
export function* stochasticLoop(
  sampleCount: number,
  stepper: BatchStepper,
  options: LoopOptions,
): Generator<LoopEvent, LoopResult, unknown> {
  checkLoopOptions(sampleCount, options);
  const now = options.now ?? (() => performance.now());
  const started = now();
  const random = new SeededRandom(options.seed ?? DEFAULT_SHUFFLE_SEED);
  const batchSize = Math.min(options.batchSize, sampleCount);
  const perEpoch = batchesPerEpoch(sampleCount, options);
  const order = Int32Array.from({ length: sampleCount }, (_, i) => i);
  const epochs: EpochProgress[] = [];
  let steps = 0;
  let end: "done" | "stopped" | "diverged" = "done";
  let reason = `ran ${options.epochs} epoch${options.epochs === 1 ? "" : "s"}`;
  if (options.signal?.aborted) {
    end = "stopped";
    reason = "stopped before the first step";
  }
  run: for (let epoch = 0; epoch < options.epochs && end === "done"; epoch++) {
    if (options.shuffle ?? true) random.shuffle(order);
    let lossSum = 0;
    for (let batch = 0; batch < perEpoch; batch++) {
      const start = batch * batchSize;
      const samples = order.subarray(start, Math.min(sampleCount, start + batchSize));
      const where = `step ${steps + 1} (epoch ${epoch + 1}, batch ${batch + 1})`;
      const loss = yield* settled(stepper.evaluate(samples));
      if (!Number.isFinite(loss)) {
        end = "diverged";
        reason = `the batch loss was ${loss} at ${where}`;
        break run;
      }
      const progress = { epoch, batch, batchesPerEpoch: perEpoch, step: steps + 1, loss, samples };
      if (options.beforeStep?.({ ...progress, elapsedMs: now() - started }) === false) {
        end = "stopped";
        reason = `stopped before ${where}`;
        break run;
      }
      if (!(yield* settled(stepper.apply()))) {
        end = "diverged";
        reason = `the step or the new parameters were not finite at ${where}`;
        break run;
      }
      steps++;
      lossSum += loss;
      const done = { ...progress, elapsedMs: now() - started };
      const stop = options.onBatch?.(done) === false || options.signal?.aborted === true;
      yield { kind: "batch", progress: done };
      if (stop) {
        end = "stopped";
        reason = `stopped after ${where}`;
        break run;
      }
    }
    const summary = { epoch, meanLoss: lossSum / perEpoch, elapsedMs: now() - started };
    epochs.push(summary);
    if (options.onEpoch?.(summary) === false) {
      end = "stopped";
      reason = `stopped after epoch ${epoch + 1}`;
    }
  }
  return {
    epochs,
    steps,
    stopped: end === "stopped",
    diverged: end === "diverged",
    reason,
    elapsedMs: now() - started,
  };
}

/** The batches of a loop whose stepper is synchronous, one per `next()`; throws if the stepper returns a promise. */
export function* synchronousBatches(
  loop: Generator<LoopEvent, LoopResult, unknown>,
): Generator<BatchProgress, LoopResult, void> {
  for (;;) {
    const next = loop.next();
    if (next.done) return next.value;
    if (next.value.kind === "wait")
      throw new TypeError("the stepper returned a promise: run it with runLoopAsync");
    yield next.value.progress;
  }
}

/** Runs the loop with a synchronous stepper to its end. */
export function runLoop(sampleCount: number, stepper: BatchStepper, options: LoopOptions): LoopResult {
  const batches = synchronousBatches(stochasticLoop(sampleCount, stepper, options));
  for (;;) {
    const next = batches.next();
    if (next.done) return next.value;
  }
}

export interface AsyncLoopOptions extends LoopOptions {
  /** Hand control to the event loop at least this often, in milliseconds; default 50. */
  readonly yieldEveryMs?: number;
}

/** Lets timers, I/O and an interrupt run (setImmediate where there is one: a 0 ms timeout waits about 1 ms). */
function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) =>
    typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0),
  );
}

/**
 * Runs the loop with a stepper that may return promises, awaiting them, and hands control to the event loop between
 * batches at least every `yieldEveryMs`, so that a notebook shows progress and sees an interrupt.
 */
export async function runLoopAsync(
  sampleCount: number,
  stepper: BatchStepper,
  options: AsyncLoopOptions,
): Promise<LoopResult> {
  const loop = stochasticLoop(sampleCount, stepper, options);
  const every = options.yieldEveryMs ?? 50;
  let last = performance.now();
  let answer: unknown;
  for (;;) {
    const next = loop.next(answer);
    answer = undefined;
    if (next.done) return next.value;
    if (next.value.kind === "wait") {
      answer = await next.value.promise;
    } else if (performance.now() - last >= every) {
      await yieldToEventLoop();
      last = performance.now();
    }
  }
}

/** A stepper on the host whose evaluation writes the gradient of f_B at theta into `g`. */
export type BatchGradient = (theta: Float64Array, samples: Int32Array, g: Float64Array) => number;

/**
 * The host stepper: theta_{k+1} = theta_k + step_k with `(step_k, state_{k+1}) = transform.update(g_k, state_k,
 * theta_k)` (optim/transform.ts). `theta` is updated in place; `apply` leaves it unchanged and returns false when the
 * step or theta + step is not finite. `afterStep` runs after each step taken (a model copying theta, say). Buffers are
 * made once; a step allocates nothing.
 */
export function transformStepper<S>(
  theta: Float64Array,
  transform: GradientTransform<S>,
  gradient: BatchGradient,
  afterStep?: () => void,
): BatchStepper & { readonly gradient: Float64Array } {
  const g = new Float64Array(theta.length);
  const step = new Float64Array(theta.length);
  let state = transform.init(theta);
  return {
    gradient: g,
    evaluate: (samples) => gradient(theta, samples, g),
    apply() {
      state = transform.update(g, state, theta, step);
      for (let j = 0; j < theta.length; j++) if (!Number.isFinite(theta[j] + step[j])) return false;
      for (let j = 0; j < theta.length; j++) theta[j] += step[j];
      afterStep?.();
      return true;
    },
  };
}
