/**
 * Minibatch training of a model: the stochastic loop of loop.ts (shuffling, batches, stop and divergence rules) with
 * the host stepper, which asks a `GradientTransform` (optim/transform.ts) for the step from the minibatch gradient
 * of seed 001's f_B(theta):
 *
 *   g_k = grad f_{B_k}(theta_k),  (step_k, state_{k+1}) = update(g_k, state_k, theta_k),  theta_{k+1} = theta_k + step_k
 *
 * The same seed, data and transform give the same theta on every run. The gradient and step buffers are made
 * before the first step; a batch allocates only its small progress record.
 *
 * `trainingSteps` is a generator yielding after every batch; `train` runs it to the end, and `trainAsync` runs the
 * loop while handing control back to the event loop between batches, so that a notebook can show progress and take
 * an interrupt. A progress callback returning `false` stops the run. The model holds theta after every step.
 *
 * Example:
 *
 *   const model = lenet5({ inputSize: 28, seed: 0 });
 *   const data = fromDataset(loadFashionMnist({ subset: true }));
 *   train(model, data, { loss: "cross-entropy", transform: sgd({ step: 0.01, momentum: 0.9 }), epochs: 2, batchSize: 32 });
 *   evaluate(model, data, { loss: "cross-entropy" }).accuracy;
 */
import type { LossName } from "../losses";
import { ModelObjective } from "../model/objective";
import type { SupervisedData } from "../model/data";
import type { Sequential } from "../model/sequential";
import type { GradientTransform } from "../optim/transform";
import {
  checkLoopOptions,
  runLoopAsync,
  stochasticLoop,
  synchronousBatches,
  transformStepper,
  type AsyncLoopOptions,
  type BatchProgress,
  type BatchStepper,
  type LoopOptions,
  type LoopResult,
} from "./loop";

export interface TrainOptions extends LoopOptions {
  readonly loss: LossName;
  readonly transform: GradientTransform;
  /** The regularization parameter C of seed 001; default Infinity (none). */
  readonly C?: number;
}

export type TrainResult = LoopResult;

/** The host stepper on `model`'s objective over `data`, with the theta it updates (a copy of the model's). */
function modelStepper(
  model: Sequential,
  data: SupervisedData,
  options: TrainOptions,
): { stepper: BatchStepper; theta: Float64Array } {
  checkLoopOptions(data.count, options);
  if (!options.transform || typeof options.transform.update !== "function") {
    throw new TypeError("transform must be a GradientTransform with init and update");
  }
  const objective = new ModelObjective(model, data, {
    loss: options.loss,
    C: options.C,
    chunkSize: Math.min(options.batchSize, data.count),
  });
  const theta = model.getParameters();
  const stepper = transformStepper(
    theta,
    options.transform,
    (x, samples, g) => objective.batchValueAndGradient(x, samples, g),
    // The objective points the model at the theta it evaluates; after a step it must hold the new theta, so that
    // a callback evaluating the model sees the parameters reached.
    () => model.setParameters(theta),
  );
  return { stepper, theta };
}

/**
 * Trains `model` in place, yielding after each batch. The model holds theta after every step and, when the
 * generator ends, the last theta whose entries are all finite.
 */
export function* trainingSteps(
  model: Sequential,
  data: SupervisedData,
  options: TrainOptions,
): Generator<BatchProgress, TrainResult, void> {
  const { stepper, theta } = modelStepper(model, data, options);
  try {
    return yield* synchronousBatches(stochasticLoop(data.count, stepper, options));
  } finally {
    // An evaluation that diverged pointed the model at its theta; every step taken has been copied already.
    model.setParameters(theta);
  }
}

/** Trains `model` in place to the end (or until a callback returns false). */
export function train(model: Sequential, data: SupervisedData, options: TrainOptions): TrainResult {
  const steps = trainingSteps(model, data, options);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

export type AsyncTrainOptions = TrainOptions & AsyncLoopOptions;

/** `train`, yielding to the event loop between batches; resolves when the run ends or stops. */
export async function trainAsync(
  model: Sequential,
  data: SupervisedData,
  options: AsyncTrainOptions,
): Promise<TrainResult> {
  const { stepper, theta } = modelStepper(model, data, options);
  try {
    return await runLoopAsync(data.count, stepper, options);
  } finally {
    model.setParameters(theta);
  }
}
