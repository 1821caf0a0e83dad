/**
 * `%tune`: auto-tunes a shader on this machine's WebGPU adapter (@deltalab/shaders' tuner, seed 004 sections
 * 9-10): matrix product, convolution (a conv2d layer of a model, or a geometry) or activation. The result is the
 * tuning table (application/vnd.deltalab.tuning-table.v1+json): every candidate's time, GFLOP/s, bandwidth and
 * its check against the CPU reference. With --cache, results are kept in the tuning cache (and an interrupted
 * run resumes from it).
 */
import { ACTIVATION_NAMES, type ActivationName, type Conv2dAttrs } from "@deltalab/core";
import { TUNING_TABLE_MIME_TYPE_V1 } from "@deltalab/core/payloads";
import {
  activationOperator,
  conv2dForwardOperator,
  defaultCachePath,
  GpuDevice,
  matmulOperator,
  tune,
  TuningCache,
  type TunableOperator,
  type TuningResult,
  type TuningStrategy,
} from "@deltalab/shaders";
import { DisplayHandle } from "../execution/cell-context";
import { checkBindingName, type CommandContext } from "./commandContext";
import { htmlTable, textTable } from "./html";
import { asModel } from "./model";
import { UsageError } from "./parse";
import { displayable } from "./result";
import { tuneStep } from "./tuneStep";
import { AS_OPTION, flagOption, listOption, numberOption, stringOption, type CommandSpec } from "./spec";

export const TUNABLE_OPERATORS = ["matmul", "conv2d", "activation", "step"] as const;

function integers(values: string[], count: number, what: string): number[] {
  const numbers = values.map(Number);
  if (numbers.length !== count || numbers.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new UsageError(
      `${what} needs ${count} positive integers separated by commas, got ${values.join(",")}`,
    );
  }
  return numbers;
}

/** The operator a %tune invocation names. */
function operatorOf(args: Parameters<CommandSpec["run"]>[0], context: CommandContext): TunableOperator {
  const kind = args.positional[0] ?? "";
  const batch = numberOption(args, "batch") ?? 1;
  switch (kind) {
    case "matmul": {
      const [m = 256, n = 256, k = 256] = integers(
        listOption(args, "shape") ?? ["256", "256", "256"],
        3,
        "--shape M,N,K",
      );
      return matmulOperator(m, n, k);
    }
    case "conv2d": {
      const modelName = stringOption(args, "model");
      if (modelName !== undefined) {
        const model = asModel(context.lookup(modelName), modelName);
        const layerName = stringOption(args, "layer");
        const built = model.layers.find(
          ({ layer }) => layer.kind === "conv2d" && (layerName === undefined || layer.name === layerName),
        );
        if (!built)
          throw new UsageError(
            layerName ? `${modelName} has no conv2d layer ${layerName}` : `${modelName} has no conv2d layer`,
          );
        const {
          type: _type,
          name: _name,
          ...attrs
        } = built.spec as Conv2dAttrs & { type: string; name?: string };
        return conv2dForwardOperator([...built.layer.inputShape], attrs, batch);
      }
      const input = listOption(args, "input");
      if (!input)
        throw new UsageError(
          "conv2d needs --model NAME [--layer L], or --input C,H,W with --filters and --kernel",
        );
      const shape = integers(input, 3, "--input C,H,W");
      return conv2dForwardOperator(
        shape,
        { filters: numberOption(args, "filters") ?? 1, kernel: numberOption(args, "kernel") ?? 3 },
        batch,
      );
    }
    case "activation": {
      const name = (stringOption(args, "activation") ?? "tanh") as ActivationName;
      if (!ACTIVATION_NAMES.includes(name))
        throw new UsageError(`--activation must be one of ${ACTIVATION_NAMES.join(", ")}`);
      return activationOperator(name, numberOption(args, "length") ?? 1 << 20);
    }
    default:
      throw new UsageError(
        `unknown operator ${JSON.stringify(kind)}; expected one of ${TUNABLE_OPERATORS.join(", ")}`,
      );
  }
}

function strategyOf(args: Parameters<CommandSpec["run"]>[0]): TuningStrategy {
  const k = numberOption(args, "k") ?? 16;
  switch (stringOption(args, "strategy") ?? "model-top-k") {
    case "exhaustive":
      return { kind: "exhaustive" };
    case "random":
      return { kind: "random", k, seed: numberOption(args, "seed") ?? 1 };
    default:
      return { kind: "model-top-k", k };
  }
}

function tuningBundle(result: TuningResult) {
  const { table } = result;
  const headers = ["configuration", "median ms", "GFLOP/s", "GB/s", "check"];
  const rows = [...table.candidates]
    .sort((a, b) => a.medianMs - b.medianMs)
    .map((c) => [JSON.stringify(c.params), c.medianMs, c.gflops, c.gbps, c.check.passed ? "ok" : "FAILED"]);
  const shape = Object.entries(table.shape)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  const caption = `${table.operator} (${shape}) on ${table.device.name}: ${result.evaluated} measured, ${result.resumed} from the cache, ${result.feasible} of ${result.spaceSize} feasible`;
  return {
    [TUNING_TABLE_MIME_TYPE_V1]: table,
    "text/html": htmlTable(headers, rows, caption),
    "text/plain": textTable(headers, rows, caption),
  };
}

/** Tunes `operator` on a device opened from the environment (DELTALAB_WEBGPU_BACKEND etc.). */
export async function tuneOperator(
  operator: TunableOperator,
  options: {
    strategy?: TuningStrategy;
    runs?: number;
    warmup?: number;
    cache?: boolean;
    context?: CommandContext;
  } = {},
): Promise<TuningResult> {
  const gpu = await GpuDevice.open();
  const progress = options.context ? new DisplayHandle(options.context.outputs) : undefined;
  try {
    const result = await tune(gpu, operator, {
      ...(options.strategy ? { strategy: options.strategy } : {}),
      ...(options.runs !== undefined ? { runs: options.runs } : {}),
      ...(options.warmup !== undefined ? { warmup: options.warmup } : {}),
      ...(options.cache ? { cache: TuningCache.open(defaultCachePath()) } : {}),
      ...(options.context ? { signal: options.context.signal } : {}),
      onCandidate: (_candidate, done, planned) => {
        const text = `tuning ${operator.name}: ${done} of ${planned} candidates measured`;
        progress?.show({ "text/plain": text, "text/html": `<p>${text}</p>` });
      },
    });
    return displayable(result, tuningBundle);
  } finally {
    gpu.destroy();
  }
}

export const tuneSpec: CommandSpec = {
  name: "tune",
  summary:
    "auto-tune a shader (matmul, conv2d, activation) on this WebGPU adapter: the tuning table; step: every operator of a model's training step, into the cache %train --device webgpu reads",
  positional: [{ name: "OPERATOR", description: TUNABLE_OPERATORS.join(", ") }],
  options: [
    {
      name: "shape",
      kind: "list",
      description: "matmul: M,N,K",
      metavar: "M,N,K",
      defaultText: "256,256,256",
    },
    { name: "model", kind: "string", description: "conv2d, step: a model variable", metavar: "NAME" },
    {
      name: "layer",
      kind: "string",
      description: "conv2d: the layer of the model (default: the first conv2d)",
      metavar: "NAME",
    },
    {
      name: "input",
      kind: "list",
      description: "conv2d without a model: input channels,height,width",
      metavar: "C,H,W",
    },
    { name: "filters", kind: "integer", description: "conv2d without a model: filters", defaultText: "1" },
    { name: "kernel", kind: "integer", description: "conv2d without a model: filter size", defaultText: "3" },
    {
      name: "batch",
      kind: "integer",
      description:
        "conv2d, step: samples per launch (step: the batch %train will use; the cache is keyed by it)",
      defaultText: "1; step: 32",
    },
    {
      name: "activation",
      kind: "choice",
      choices: ACTIVATION_NAMES,
      description: "activation: the function",
      defaultText: "tanh",
    },
    { name: "length", kind: "integer", description: "activation: elements", defaultText: "1048576" },
    {
      name: "strategy",
      kind: "choice",
      choices: ["model-top-k", "exhaustive", "random"],
      description: "which candidates to measure",
      defaultText: "model-top-k",
    },
    {
      name: "k",
      kind: "integer",
      description: "candidates measured by model-top-k and random",
      defaultText: "16",
    },
    { name: "runs", kind: "integer", description: "timed runs per candidate", defaultText: "7" },
    { name: "warmup", kind: "integer", description: "untimed runs per candidate", defaultText: "2" },
    { name: "seed", kind: "integer", description: "random strategy: seed", defaultText: "1" },
    {
      name: "cache",
      kind: "flag",
      description:
        "read and write the tuning cache ($DELTALAB_TUNING_CACHE or ~/.cache/deltalab/tuning.json); step always does",
    },
    AS_OPTION,
  ],
  examples: [
    "%tune matmul --shape 512,512,512 --k 8",
    "%tune conv2d --model net --layer C3 --batch 16 --cache",
    "%tune step --model net --batch 32 --k 6",
  ],
  run: async (args, context) => {
    const runs = numberOption(args, "runs");
    const warmup = numberOption(args, "warmup");
    if (args.positional[0] === "step") {
      const modelName = stringOption(args, "model");
      if (modelName === undefined)
        throw new UsageError("step needs --model NAME (and --batch, as %train will use)");
      const model = asModel(context.lookup(modelName), modelName);
      const step = await tuneStep(model, numberOption(args, "batch") ?? 32, {
        strategy: strategyOf(args),
        ...(runs !== undefined ? { runs } : {}),
        ...(warmup !== undefined ? { warmup } : {}),
        context,
      });
      const as = stringOption(args, "as");
      if (as) context.bind(checkBindingName(as), step, 'import("deltalab").StepTuning');
      return step;
    }
    const operator = operatorOf(args, context);
    const result = await tuneOperator(operator, {
      strategy: strategyOf(args),
      ...(runs !== undefined ? { runs } : {}),
      ...(warmup !== undefined ? { warmup } : {}),
      cache: flagOption(args, "cache"),
      context,
    });
    const as = stringOption(args, "as");
    if (as) context.bind(checkBindingName(as), result, 'import("deltalab").shaders.TuningResult');
    return result;
  },
};
