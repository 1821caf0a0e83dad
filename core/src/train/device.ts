/**
 * Minibatch training on a backend's device (a DeviceBackend, backend/device.ts, e.g. "webgpu"): the one
 * stochastic loop of loop.ts with a stepper whose f_B and gradient come from the compiled model, and whose step comes
 * from the same `GradientTransform` as on the host:
 *
 *   g_k = grad f_{B_k}(theta_k) (on the device),  (step_k, state_{k+1}) = update(g_k, state_k, theta_k),
 *   theta_{k+1} = theta_k + step_k (on the host, then copied to the device).
 *
 * The device model is compiled for one batch size, so the N mod batchSize samples left at the end of each epoch's
 * order are not used (`partialBatch: "drop"`). The regularization term theta^T theta / (2C) of seed 001 is added on
 * the host in double precision, as ModelObjective adds it. The model holds theta after every step.
 */
import { resolveBackend, type BackendChoice } from "../backend/select";
import { isDeviceBackend, type DeviceModel } from "../backend/device";
import { checkData, type SupervisedData } from "../model/data";
import type { Sequential } from "../model/sequential";
import type { GradientTransform } from "../optim/transform";
import { checkLoopOptions, runLoopAsync, type BatchStepper } from "./loop";
import { trainAsync, type AsyncTrainOptions, type TrainResult } from "./train";

export interface BackendTrainOptions extends AsyncTrainOptions {
  /** Where the training steps run; a backend that is not a DeviceBackend trains on the host with `trainAsync`. */
  readonly backend: BackendChoice;
}

/** Copies the samples' rows of `source` (rows of `width` values) into `out`, in the order of `samples`. */
export function gatherRows(
  source: ArrayLike<number>,
  samples: Int32Array,
  width: number,
  out: Float32Array,
): void {
  for (let k = 0; k < samples.length; k++) {
    const from = samples[k] * width;
    for (let i = 0; i < width; i++) out[k * width + i] = source[from + i];
  }
}

/**
 * The stepper of a compiled device model: `evaluate` uploads the batch and reads back f_B and its gradient, `apply`
 * takes the transform's step on the host copy `theta` and writes theta to the device (and, through `afterStep`, to
 * wherever else it is needed). `apply` leaves theta unchanged and returns false when the step or theta + step is not
 * finite. Every batch must have the device's batch size.
 */
export function deviceStepper<S>(
  device: DeviceModel,
  data: SupervisedData,
  theta: Float64Array,
  transform: GradientTransform<S>,
  options: { readonly regularization?: number; readonly afterStep?: () => void } = {},
): BatchStepper & { readonly gradient: Float64Array } {
  const inputSize = data.inputs.length / data.count;
  const outputSize = data.targets.length / data.count;
  const inputs = new Float32Array(device.batch * inputSize);
  const targets = new Float32Array(device.batch * outputSize);
  const g = new Float64Array(theta.length);
  const step = new Float64Array(theta.length);
  const reg = options.regularization ?? 0;
  let state = transform.init(theta);
  return {
    gradient: g,
    async evaluate(samples) {
      if (samples.length !== device.batch) {
        throw new RangeError(
          `the device model takes batches of ${device.batch} samples, got ${samples.length}`,
        );
      }
      gatherRows(data.inputs, samples, inputSize, inputs);
      gatherRows(data.targets, samples, outputSize, targets);
      let f = await device.valueAndGradient(inputs, targets, g);
      if (reg > 0) {
        let squared = 0;
        for (let j = 0; j < theta.length; j++) {
          squared += theta[j] * theta[j];
          g[j] += reg * theta[j];
        }
        f += 0.5 * reg * squared;
      }
      return f;
    },
    apply() {
      state = transform.update(g, state, theta, step);
      for (let j = 0; j < theta.length; j++) if (!Number.isFinite(theta[j] + step[j])) return false;
      for (let j = 0; j < theta.length; j++) theta[j] += step[j];
      device.writeParameters(theta);
      options.afterStep?.();
      return true;
    },
  };
}

/**
 * Trains `model` in place on `options.backend`: on its device for a DeviceBackend (the batches of one
 * size, see the module comment), else on the host as `trainAsync` does. Resolves when the run ends or stops.
 */
export async function trainOnBackend(
  model: Sequential,
  data: SupervisedData,
  options: BackendTrainOptions,
): Promise<TrainResult> {
  const backend = resolveBackend(options.backend, model.dtype);
  if (!isDeviceBackend(backend)) return trainAsync(model, data, options);
  checkData(model, data, "trainOnBackend");
  checkLoopOptions(data.count, options);
  const batch = Math.min(options.batchSize, data.count);
  const device = await backend.compile(model, { batch, loss: options.loss });
  const theta = model.getParameters();
  try {
    const regularization = options.C !== undefined && Number.isFinite(options.C) ? 1 / options.C : 0;
    const stepper = deviceStepper(device, data, theta, options.transform, {
      regularization,
      afterStep: () => model.setParameters(theta),
    });
    return await runLoopAsync(data.count, stepper, { ...options, partialBatch: "drop" });
  } finally {
    model.setParameters(theta);
    device.dispose();
  }
}
