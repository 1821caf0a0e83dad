/**
 * Minibatch training with everything resident on the device: @deltalab/core's one stochastic loop (train/loop.ts:
 * the same seeded shuffling, batches, stop convention and divergence rule as `train`) with a stepper whose
 * evaluation and gradient step (sgd with momentum, seed 004 eq. 118, 121) both run on the device. Only the batch
 * losses come back; the trained parameters are copied into `model` at the end. (core's `trainOnBackend` trains with
 * any GradientTransform instead, reading the gradient back every step.)
 *
 * The device model is compiled for one batch size, so the count mod batchSize samples left at the end of each
 * epoch's order are not used (`partialBatch: "drop"`, `droppedPerEpoch`). A batch loss that is not finite ends the
 * run diverged before its step, theta as it was, as in `train`. The device cannot see a step without reading theta
 * back, so a finite loss whose gradient or update is not finite is found only at the end: the run is then reported
 * diverged and the model keeps the parameters it had before the run (core's `trainOnBackend` checks every step).
 */
import {
  checkData,
  checkLoopOptions,
  gatherRows,
  runLoopAsync,
  type AsyncLoopOptions,
  type BatchStepper,
  type LoopResult,
  type Sequential,
  type StepSchedule,
  type SupervisedData,
} from "@deltalab/core";
import { GpuDevice } from "../device/gpu";
import { GpuModel } from "./gpuModel";
import { LayerOptions } from "./layers";

export interface DeviceTrainOptions extends LayerOptions, Omit<AsyncLoopOptions, "partialBatch"> {
  /** The step mu_k of eq. 118: a number, or a schedule of the step count k (as core's `sgd` takes it). */
  readonly step: number | StepSchedule;
  /** p of eq. 121 in [0, 1); default 0. */
  readonly momentum?: number;
}

export interface DeviceTrainResult extends LoopResult {
  /** Samples left out of each epoch (count mod batchSize). */
  readonly droppedPerEpoch: number;
}

/** The loop's stepper on a compiled model: f_B on the device, then eq. 121 on the device with mu_k for step k. */
function residentStepper(
  device: GpuModel,
  data: SupervisedData,
  step: number | StepSchedule,
  momentum: number,
): BatchStepper {
  const inputSize = device.model.inputSize;
  const outputSize = device.model.outputSize;
  const inputs = new Float32Array(device.batch * inputSize);
  const targets = new Float32Array(device.batch * outputSize);
  const schedule = typeof step === "number" ? () => step : step;
  let k = 0;
  return {
    evaluate(samples) {
      gatherRows(data.inputs, samples, inputSize, inputs);
      gatherRows(data.targets, samples, outputSize, targets);
      return device.evaluate(inputs, targets);
    },
    apply() {
      device.applyStep(schedule(k++), momentum);
      return true;
    },
  };
}

export async function trainOnDevice(
  gpu: GpuDevice,
  model: Sequential,
  data: SupervisedData,
  options: DeviceTrainOptions,
): Promise<DeviceTrainResult> {
  checkData(model, data, "trainOnDevice");
  checkLoopOptions(data.count, options);
  const { batchSize, momentum = 0 } = options;
  if (batchSize > data.count) {
    throw new RangeError(
      `batchSize must be an integer in 1..${data.count} (the sample count), got ${batchSize}`,
    );
  }
  if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`momentum must lie in [0, 1), got ${momentum}`);
  const device = GpuModel.compile(gpu, model, batchSize, options);
  try {
    const stepper = residentStepper(device, data, options.step, momentum);
    const result = await runLoopAsync(data.count, stepper, { ...options, partialBatch: "drop" });
    const droppedPerEpoch = data.count % batchSize;
    const theta = await device.downloadParameters();
    if (theta.every(Number.isFinite)) {
      model.setParameters(theta);
      return { ...result, droppedPerEpoch };
    }
    const reason = `${result.reason}; a step's gradient or update on the device was not finite, so the model keeps the parameters it had before the run`;
    return { ...result, diverged: true, stopped: false, reason, droppedPerEpoch };
  } finally {
    device.dispose();
  }
}
