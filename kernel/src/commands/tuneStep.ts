/**
 * `%tune step --model NAME --batch B`: tunes every tunable operator of the model's training step at batch B
 * (@deltalab/shaders' `stepOperators`: each convolution's forward pass, input delta and filter gradient, each dense
 * layer's forward product, each activation) and keeps the results in the tuning cache, so that the next
 * `%train --device webgpu --batch B` runs every one of them with its tuned launch (and its payload says so).
 */
import type { Sequential } from "@deltalab/core";
import {
  defaultCachePath,
  GpuDevice,
  LaunchResolver,
  stepOperators,
  tune,
  TuningCache,
  type TunableOperator,
  type TuningResult,
  type TuningStrategy,
} from "@deltalab/shaders";
import { DisplayHandle } from "../execution/cell-context";
import type { CommandContext } from "./commandContext";
import { htmlTable, textTable } from "./html";
import { displayable } from "./result";

export interface StepTuning {
  readonly batch: number;
  /** One tuning result per operator of the step, in the layers' order. */
  readonly results: TuningResult[];
  /** The tuning cache the results went to. */
  readonly cachePath: string;
}

function stepBundle(step: StepTuning) {
  const headers = ["operator", "shape", "default ms", "tuned ms", "speed-up", "tuned launch"];
  const words = (record: Readonly<Record<string, unknown>>) =>
    Object.entries(record)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(" ");
  const rows = step.results.map(({ table, best }) => {
    const fallback = table.candidates.find((c) => c.id === table.defaultId);
    const tuned = table.candidates.find((c) => c.id === best?.id);
    const speedup = fallback && tuned ? `${(fallback.medianMs / tuned.medianMs).toFixed(2)}x` : "-";
    return [
      table.operator,
      words(table.shape),
      fallback?.medianMs ?? "-",
      tuned?.medianMs ?? "-",
      speedup,
      best ? words(best.params) : "-",
    ];
  });
  const caption = `${step.results.length} operators of the training step at batch ${step.batch} tuned into ${step.cachePath}`;
  return { "text/html": htmlTable(headers, rows, caption), "text/plain": textTable(headers, rows, caption) };
}

/** Tunes the step's operators on a device opened from the environment, writing the tuning cache. */
export async function tuneStep(
  model: Sequential,
  batch: number,
  options: { strategy?: TuningStrategy; runs?: number; warmup?: number; context?: CommandContext } = {},
): Promise<StepTuning> {
  const operators = stepOperators(
    model.layers.map(({ layer }) => layer),
    batch,
  );
  if (operators.length === 0)
    throw new Error("the model has no layer the tuner can tune (conv2d, dense, activations)");
  const cachePath = defaultCachePath();
  const cache = TuningCache.open(cachePath);
  const progress = options.context ? new DisplayHandle(options.context.outputs) : undefined;
  const gpu = await GpuDevice.open();
  const results: TuningResult[] = [];
  // The launch a run takes without tuning is always measured, so the tuned one is never slower in this run.
  const resolver = new LaunchResolver(gpu.adapter, gpu.limits, undefined);
  const shippedFor = (operator: TunableOperator) => {
    const shipped = resolver.shipped(operator);
    return shipped === undefined ? [] : [shipped.params];
  };
  try {
    for (const [index, operator] of operators.entries()) {
      results.push(
        await tune(gpu, operator, {
          ...(options.strategy ? { strategy: options.strategy } : {}),
          ...(options.runs !== undefined ? { runs: options.runs } : {}),
          ...(options.warmup !== undefined ? { warmup: options.warmup } : {}),
          cache,
          include: shippedFor(operator),
          ...(options.context ? { signal: options.context.signal } : {}),
          onCandidate: (_candidate, done, planned) => {
            const text = `tuning ${operator.name} (${index + 1} of ${operators.length}): ${done} of ${planned} candidates measured`;
            progress?.show({ "text/plain": text, "text/html": `<p>${text}</p>` });
          },
        }),
      );
    }
  } finally {
    gpu.destroy();
  }
  return displayable({ batch, results, cachePath }, stepBundle);
}
