/**
 * `%train`: minibatch training of a model on data (core/src/train/train.ts) with a live display of the training
 * curves, updated in place (application/vnd.deltalab.training.v1+json). The run checks the interrupt signal after
 * every batch, so an interrupt stops it within a batch and leaves the model at its last parameters, usable.
 * `--device webgpu` runs the steps on core's registered WebGPU backend (core's `trainOnBackend`: the same loop, f_B
 * and its gradient on the device, the optimizer's step on the host); `auto` does so only on a hardware GPU, as
 * `%surface` decides (surfaceBackend.ts).
 */
import {
  checkData,
  evaluate,
  LOSS_NAMES,
  trainOnBackend,
  type Backend,
  type Evaluation,
  type GradientTransform,
  type LossName,
  type Sequential,
  type SupervisedData,
  type TrainResult,
} from "@deltalab/core";
import { TRAINING_MIME_TYPE_V1, type TrainingPayload } from "@deltalab/core/payloads";
import { DisplayHandle } from "../execution/cell-context";
import type { Outputs } from "../execution/display";
import { checkBindingName, type CommandContext } from "./commandContext";
import { asSupervisedData } from "./data";
import { launchSummary, reportingLaunches } from "./deviceLaunches";
import { htmlTable, textTable } from "./html";
import { asModel } from "./model";
import { resolveOptimizer, TRANSFORM_NAMES } from "./optimizers";
import { UsageError } from "./parse";
import { displayable } from "./result";
import { AS_OPTION, numberOption, stringOption, type CommandSpec, type OptionSpec } from "./spec";
import {
  deviceOption,
  openDeviceBackend,
  SURFACE_DEVICE_CHOICES,
  type SurfaceDeviceChoice,
} from "./surfaceBackend";

export interface TrainCommandOptions {
  transform: GradientTransform;
  epochs?: number;
  batchSize?: number;
  loss?: LossName;
  seed?: number;
  /** Held-out data, evaluated after every epoch. */
  test?: SupervisedData;
  /** Where the live display goes and what stops the run (the running cell's, by default none). */
  outputs?: Outputs;
  signal?: AbortSignal;
  /** Minimum milliseconds between display updates (default 250). */
  updateEveryMs?: number;
  /** Where the steps run: "cpu" (the default here), "webgpu", or "auto" (WebGPU on a hardware GPU only). */
  device?: SurfaceDeviceChoice;
}

export interface TrainReport {
  model: Sequential;
  optimizer: string;
  result: TrainResult;
  curves: TrainingPayload;
  /** Evaluation on the held-out data after the last epoch, when there was held-out data. */
  test?: Evaluation;
  /** Where the steps ran: "CPU" or "WebGPU (adapter)". */
  device: string;
  /** Why the CPU was used under "auto" rather than WebGPU; absent otherwise. */
  deviceFallbackReason?: string;
}

interface TrainingBackend {
  backend?: Backend;
  device: string;
  fallbackReason?: string;
}

/** The backend the steps run on under `choice`, its name for people, and why not WebGPU under "auto". */
async function trainingBackend(choice: SurfaceDeviceChoice): Promise<TrainingBackend> {
  if (choice === "cpu") return { device: "CPU" };
  const opened = await openDeviceBackend(choice);
  if (opened.backend === undefined) return { device: "CPU", fallbackReason: opened.fallbackReason };
  return { backend: opened.backend, device: `WebGPU (${opened.adapter})` };
}

function trainingBundle(curves: TrainingPayload, summary: string) {
  const last = (values: number[]) => values[values.length - 1];
  const rows: (string | number)[][] = [["train loss", last(curves.train.loss) ?? "-"]];
  if (curves.test) {
    rows.push(["test loss", last(curves.test.loss) ?? "-"]);
    rows.push(["test accuracy", last(curves.test.accuracy ?? []) ?? "-"]);
  }
  if (curves.launches) rows.push(["device launches", launchSummary(curves.launches)]);
  return {
    [TRAINING_MIME_TYPE_V1]: curves,
    "text/html": htmlTable(["measure", "value"], rows, summary),
    "text/plain": textTable(["measure", "value"], rows, summary),
  };
}

/** Trains `model` in place and returns the report (which displays the final curves). */
export async function trainModel(
  model: Sequential,
  data: SupervisedData,
  options: TrainCommandOptions,
): Promise<TrainReport> {
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 32;
  const loss = options.loss ?? "cross-entropy";
  const choice = options.device ?? "cpu";
  const where = await trainingBackend(choice);
  const curves: TrainingPayload = {
    title: `training with ${options.transform.name}${where.backend ? ` on ${where.device}` : ""}`,
    unit: "step",
    train: { x: [], loss: [] },
    ...(options.test ? { test: { x: [], loss: [], accuracy: [] } } : {}),
    status: "running",
  };
  checkData(model, data, "train: the training data");
  if (options.test) checkData(model, options.test, "train: the held-out data");
  const display = options.outputs ? new DisplayHandle(options.outputs) : undefined;
  let lastShown = -Infinity;
  let steps = 0;
  const show = (summary: string) => display?.show(trainingBundle(curves, summary));
  show("starting");
  const run = (backend: Backend) =>
    trainOnBackend(model, data, {
      backend,
      loss,
      transform: options.transform,
      epochs,
      batchSize,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onBatch: (progress) => {
        steps = progress.step;
        curves.train.x.push(progress.step);
        curves.train.loss.push(progress.loss);
        if (progress.elapsedMs - lastShown >= (options.updateEveryMs ?? 250)) {
          lastShown = progress.elapsedMs;
          show(
            `epoch ${progress.epoch + 1}/${epochs}, batch ${progress.batch + 1}/${progress.batchesPerEpoch}`,
          );
        }
      },
      onEpoch: () => {
        if (!options.test || !curves.test) return;
        const evaluation = evaluate(model, options.test, { loss });
        curves.test.x.push(steps);
        curves.test.loss.push(evaluation.loss);
        curves.test.accuracy?.push(evaluation.accuracy);
      },
    });
  // The model's own backend has no compile: trainOnBackend then trains on the host as trainAsync does.
  let result: TrainResult;
  if (where.backend === undefined) {
    result = await run(model.backend);
  } else {
    try {
      // The payload names the launches the device compiled the model with (tuned, shipped or default).
      result = await run(reportingLaunches(where.backend, (launches) => (curves.launches = launches)));
    } catch (error) {
      // A model the device cannot compile (a layer kind without a device kernel, a loss other than cross-entropy)
      // fails before its first step: "webgpu" says so, "auto" trains on the CPU and says why.
      if (steps > 0) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (choice === "webgpu") throw new UsageError(`--device webgpu: ${message}`);
      where.backend = undefined;
      where.device = "CPU";
      where.fallbackReason = message;
      curves.title = `training with ${options.transform.name}`;
      delete curves.launches;
      result = await run(model.backend);
    }
  }
  // A diverged run ended early as a stopped one did: its curves end there.
  curves.status = result.stopped || result.diverged ? "stopped" : "done";
  const test = options.test ? evaluate(model, options.test, { loss }) : undefined;
  const how = result.diverged ? `diverged, ${result.reason}` : result.stopped ? "stopped" : "done";
  const summary = `${how}: ${result.steps} steps in ${(result.elapsedMs / 1000).toFixed(1)} s`;
  show(summary);
  const report: TrainReport = {
    model,
    optimizer: options.transform.name,
    result,
    curves,
    ...(test ? { test } : {}),
    device: where.device,
    ...(where.fallbackReason !== undefined ? { deviceFallbackReason: where.fallbackReason } : {}),
  };
  return displayable(report, (r) => trainingBundle(r.curves, summary));
}

/** The --device option of %train. */
const TRAIN_DEVICE_OPTION: OptionSpec = {
  name: "device",
  kind: "choice",
  choices: SURFACE_DEVICE_CHOICES,
  description:
    "where the steps run: WebGPU on a hardware GPU (auto), cpu, or webgpu (any adapter; batches of one size)",
  defaultText: "auto",
};

export const trainSpec: CommandSpec = {
  name: "train",
  summary: "train a model on data with a first-order optimizer, showing the loss as it goes",
  positional: [
    { name: "MODEL", description: "a model variable (from %model)" },
    { name: "DATA", description: "a data variable (from %data)" },
  ],
  options: [
    {
      name: "optimizer",
      kind: "string",
      description: `${TRANSFORM_NAMES.join(", ")} or a variable holding a GradientTransform`,
      defaultText: "sgd",
      metavar: "NAME",
    },
    { name: "epochs", kind: "integer", description: "passes over the data", defaultText: "1" },
    { name: "batch", kind: "integer", description: "samples per minibatch", defaultText: "32" },
    {
      name: "lr",
      kind: "number",
      description: "step size of a built-in optimizer",
      defaultText: "0.01 (sgd), 0.001 (adam)",
    },
    {
      name: "loss",
      kind: "choice",
      choices: LOSS_NAMES,
      description: "loss function",
      defaultText: "cross-entropy",
    },
    {
      name: "test",
      kind: "string",
      description: "held-out data variable, evaluated after each epoch",
      metavar: "DATA",
    },
    { name: "seed", kind: "integer", description: "seed of the shuffling", defaultText: "0" },
    TRAIN_DEVICE_OPTION,
    AS_OPTION,
  ],
  examples: ["%train net train --optimizer momentum --epochs 2 --batch 32 --lr 0.05 --test test --as run"],
  run: async (args, context: CommandContext) => {
    const [modelName = "", dataName = ""] = args.positional;
    const model = asModel(context.lookup(modelName), modelName);
    const data = asSupervisedData(context.lookup(dataName), dataName);
    const testName = stringOption(args, "test");
    const test = testName ? asSupervisedData(context.lookup(testName), testName) : undefined;
    const lr = numberOption(args, "lr");
    if (lr !== undefined && !(lr > 0)) throw new UsageError(`--lr must be positive, got ${lr}`);
    const optimizer = resolveOptimizer(stringOption(args, "optimizer") ?? "sgd", context, {
      transformsOnly: true,
      ...(lr !== undefined ? { lr } : {}),
    });
    if (optimizer.kind !== "transform") throw new UsageError("%train takes a first-order optimizer");
    const epochs = numberOption(args, "epochs");
    const batchSize = numberOption(args, "batch");
    const seed = numberOption(args, "seed");
    if (epochs !== undefined && epochs < 1)
      throw new UsageError(`--epochs must be at least 1, got ${epochs}`);
    if (batchSize !== undefined && batchSize < 1)
      throw new UsageError(`--batch must be at least 1, got ${batchSize}`);
    const report = await trainModel(model, data, {
      transform: optimizer.transform,
      ...(epochs !== undefined ? { epochs } : {}),
      ...(batchSize !== undefined ? { batchSize } : {}),
      ...(seed !== undefined ? { seed } : {}),
      loss: (stringOption(args, "loss") as LossName | undefined) ?? "cross-entropy",
      ...(test ? { test } : {}),
      outputs: context.outputs,
      signal: context.signal,
      device: deviceOption(args) ?? "auto",
    });
    const as = stringOption(args, "as");
    if (as) context.bind(checkBindingName(as), report, 'import("deltalab").TrainReport');
    // The live display already shows the curves; returning nothing keeps the cell from showing them twice.
    return undefined;
  },
};
