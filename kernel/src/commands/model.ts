/**
 * `%model`: builds LeNet-5 (LeCun et al. 1998, as core/src/model/lenet5.ts builds it) or a model from a JSON spec
 * (the core's ModelSpec) given as the body of a `%%model` cell, and binds the Sequential itself with --as.
 */
import {
  ACTIVATION_NAMES,
  formatShape,
  lenet5,
  Sequential,
  type ActivationName,
  type ModelSpec,
} from "@deltalab/core";
import { checkBindingName } from "./commandContext";
import { htmlTable, textTable } from "./html";
import { UsageError } from "./parse";
import { displayable } from "./result";
import { AS_OPTION, numberOption, stringOption, type CommandSpec } from "./spec";

export interface LeNetOptions {
  inputSize?: 28 | 32;
  pooling?: "weighted-subsample" | "max-pool" | "average-pool";
  activation?: ActivationName;
  output?: "softmax" | "rbf";
  dtype?: "float32" | "float64";
  seed?: number;
}

export interface ModelSummary {
  model: Sequential;
  rows: { layer: string; kind: string; output: string; parameters: number }[];
  parameterCount: number;
}

/** The summary of a model (one row per layer), which displays as a table. */
export function summarizeModel(model: Sequential): ModelSummary {
  const rows = model.layers.map(({ layer }) => ({
    layer: layer.name,
    kind: layer.kind,
    output: formatShape(layer.outputShape),
    parameters: layer.parameterCount,
  }));
  return displayable({ model, rows, parameterCount: model.parameterCount }, summaryBundle);
}

function summaryBundle(summary: ModelSummary) {
  const headers = ["layer", "kind", "output shape", "parameters"];
  const rows = [
    ["input", "", formatShape(summary.model.inputShape), 0],
    ...summary.rows.map((r) => [r.layer, r.kind, r.output, r.parameters]),
  ];
  const caption = `${summary.parameterCount} parameters (${summary.model.dtype})`;
  return { "text/html": htmlTable(headers, rows, caption), "text/plain": textTable(headers, rows, caption) };
}

/** LeNet-5 with the given options. */
export function buildLeNet5(options: LeNetOptions = {}): Sequential {
  return lenet5(options);
}

/** A model from a JSON ModelSpec (text or object); errors name the layer that is wrong. */
export function buildModelFromSpec(spec: string | ModelSpec, seed = 0): Sequential {
  let parsed: ModelSpec;
  if (typeof spec === "string") {
    try {
      parsed = JSON.parse(spec);
    } catch (error) {
      throw new UsageError(`the model spec is not JSON: ${(error as Error).message}`);
    }
  } else {
    parsed = spec;
  }
  try {
    return new Sequential(parsed).initialize(seed);
  } catch (error) {
    throw new UsageError(`the model spec is not valid: ${(error as Error).message}`);
  }
}

/** A Sequential from a value: a model itself or the summary %model showed. */
export function asModel(value: unknown, name: string): Sequential {
  if (value instanceof Sequential) return value;
  if (value !== null && typeof value === "object" && "model" in value && value.model instanceof Sequential)
    return value.model;
  throw new UsageError(`${name} is not a model: expected a Sequential (from %model or sequential(spec))`);
}

export const modelSpec: CommandSpec = {
  name: "model",
  summary: "build LeNet-5, or a model from a JSON spec in a %%model cell",
  positional: [
    { name: "ARCHITECTURE", description: "lenet5 (the default); omit in a %%model cell", optional: true },
  ],
  options: [
    {
      name: "input",
      kind: "choice",
      choices: ["28", "32"],
      description: "LeNet-5 input size",
      defaultText: "32",
    },
    {
      name: "pooling",
      kind: "choice",
      choices: ["weighted-subsample", "max-pool", "average-pool"],
      description: "LeNet-5 sub-sampling",
      defaultText: "weighted-subsample",
    },
    {
      name: "activation",
      kind: "choice",
      choices: ACTIVATION_NAMES,
      description: "LeNet-5 squashing function",
      defaultText: "lecun-tanh",
    },
    {
      name: "output",
      kind: "choice",
      choices: ["softmax", "rbf"],
      description: "LeNet-5 output layer",
      defaultText: "softmax",
    },
    {
      name: "dtype",
      kind: "choice",
      choices: ["float32", "float64"],
      description: "number type of the parameters",
      defaultText: "float32",
    },
    { name: "seed", kind: "integer", description: "seed of the initial parameters", defaultText: "0" },
    AS_OPTION,
  ],
  body: 'a ModelSpec as JSON: {"inputShape": [1, 8, 8], "layers": [{"type": "conv2d", "filters": 2, "kernel": 3}, ...]}',
  examples: [
    "%model lenet5 --input 28 --as net",
    '%%model --as tiny\n{"inputShape": [2], "layers": [{"type": "dense", "units": 2}]}',
  ],
  run: async (args, context) => {
    const seed = numberOption(args, "seed") ?? 0;
    let model: Sequential;
    if (args.body !== undefined) {
      if (args.positional.length > 0)
        throw new UsageError("a %%model cell takes its spec from the body, not an architecture name");
      model = buildModelFromSpec(args.body, seed);
    } else {
      const architecture = args.positional[0] ?? "lenet5";
      if (architecture !== "lenet5")
        throw new UsageError(
          `unknown architecture ${JSON.stringify(architecture)}; use lenet5 or a %%model cell with a JSON spec`,
        );
      const input = stringOption(args, "input");
      const options: LeNetOptions = { seed };
      if (input) options.inputSize = input === "28" ? 28 : 32;
      const pooling = stringOption(args, "pooling");
      if (pooling === "weighted-subsample" || pooling === "max-pool" || pooling === "average-pool")
        options.pooling = pooling;
      const activation = stringOption(args, "activation");
      if (activation) options.activation = activation as ActivationName;
      const output = stringOption(args, "output");
      if (output === "softmax" || output === "rbf") options.output = output;
      const dtype = stringOption(args, "dtype");
      if (dtype === "float32" || dtype === "float64") options.dtype = dtype;
      model = buildLeNet5(options);
    }
    const as = stringOption(args, "as");
    if (as) context.bind(checkBindingName(as), model, 'import("deltalab").Sequential');
    return summarizeModel(model);
  },
};
