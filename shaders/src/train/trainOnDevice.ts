/**
 * Minibatch training on the device, with the semantics of @deltalab/core's `train` for the gradient step with
 * momentum (seed 004 eq. 118, 121): each epoch shuffles the sample order with the same seeded generator, the batches
 * are cut from that order, and each batch takes one step on f_B = (1/B) sum_i r_i. Everything stays on the device
 * between steps; only the batch losses come back. The device model is compiled for one batch size, so the
 * count mod batchSize samples left at the end of each epoch's order are not used (`droppedPerEpoch`). The trained
 * parameters are copied back into `model` at the end.
 */
import { SeededRandom, checkData, type Sequential, type SupervisedData } from "@deltalab/core";
import { GpuDevice } from "../device/gpu";
import { GpuModel } from "./gpuModel";
import { LayerOptions } from "./layers";

export interface DeviceTrainOptions extends LayerOptions {
  readonly epochs: number;
  readonly batchSize: number;
  /** The step mu of eq. 118. */
  readonly learningRate: number;
  /** p of eq. 121; default 0. */
  readonly momentum?: number;
  /** Seeds the shuffling as core's `train` does; default 0. */
  readonly seed?: number;
  /** false: batches in data order. Default true. */
  readonly shuffle?: boolean;
  /** Called after every batch with f_B before the step; returning false stops the run. */
  readonly onBatch?: (progress: {
    epoch: number;
    batch: number;
    step: number;
    loss: number;
  }) => boolean | void;
}

export interface DeviceTrainResult {
  /** Mean batch loss of each completed epoch. */
  readonly epochs: readonly {
    readonly epoch: number;
    readonly meanLoss: number;
    readonly elapsedMs: number;
  }[];
  readonly steps: number;
  readonly stopped: boolean;
  readonly droppedPerEpoch: number;
  readonly elapsedMs: number;
}

export async function trainOnDevice(
  gpu: GpuDevice,
  model: Sequential,
  data: SupervisedData,
  options: DeviceTrainOptions,
): Promise<DeviceTrainResult> {
  checkData(model, data, "trainOnDevice");
  const { epochs, batchSize, learningRate, momentum = 0 } = options;
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new Error(`epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > data.count) {
    throw new Error(`batchSize must be an integer in 1..${data.count} (the sample count), got ${batchSize}`);
  }
  const started = performance.now();
  const device = GpuModel.compile(gpu, model, batchSize, options);
  const random = new SeededRandom(options.seed ?? 0);
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  const batches = Math.floor(data.count / batchSize);
  const inputs = new Float32Array(batchSize * model.inputSize);
  const targets = new Float32Array(batchSize * model.outputSize);
  const done: { epoch: number; meanLoss: number; elapsedMs: number }[] = [];
  let steps = 0;
  let stopped = false;
  try {
    for (let epoch = 0; epoch < epochs && !stopped; epoch++) {
      if (options.shuffle ?? true) random.shuffle(order);
      let lossSum = 0;
      for (let batch = 0; batch < batches && !stopped; batch++) {
        for (let k = 0; k < batchSize; k++) {
          const sample = order[batch * batchSize + k];
          for (let i = 0; i < model.inputSize; i++)
            inputs[k * model.inputSize + i] = data.inputs[sample * model.inputSize + i];
          for (let i = 0; i < model.outputSize; i++) {
            targets[k * model.outputSize + i] = data.targets[sample * model.outputSize + i];
          }
        }
        const loss = await device.step(inputs, targets, learningRate, momentum);
        steps++;
        lossSum += loss;
        if (options.onBatch?.({ epoch, batch, step: steps, loss }) === false) stopped = true;
      }
      if (!stopped) done.push({ epoch, meanLoss: lossSum / batches, elapsedMs: performance.now() - started });
    }
    model.setParameters(await device.downloadParameters());
  } finally {
    device.dispose();
  }
  return {
    epochs: done,
    steps,
    stopped,
    droppedPerEpoch: data.count - batches * batchSize,
    elapsedMs: performance.now() - started,
  };
}
