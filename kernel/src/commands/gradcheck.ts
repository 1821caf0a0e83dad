/**
 * `%gradcheck`: back-propagation against central differences, one row per layer and parameter group
 * (core/src/gradcheck.ts). A model is checked in Float64 (a Float32 model is copied to Float64 first) on a few
 * samples of the given data, or of seeded random data when none is given; a single layer (--layer) is checked on
 * its own, input delta included. A large group is checked on a window of --per-group coordinates starting at a
 * seeded random place, so that LeNet-5 checks in about a second.
 */
import {
  checkLayerGradients,
  compareWithDifferences,
  ModelObjective,
  SeededRandom,
  Sequential,
  type CheckedGroup,
  type GradientCheckReport,
  type LossName,
  type SupervisedData,
} from "@deltalab/core";
import { checkBindingName } from "./commandContext";
import { asSupervisedData } from "./data";
import { htmlTable, textTable } from "./html";
import { asModel } from "./model";
import { UsageError } from "./parse";
import { displayable } from "./result";
import { AS_OPTION, numberOption, stringOption, type CommandSpec } from "./spec";

export interface GradcheckOptions {
  /** Check only this layer (by name), input delta included. */
  layer?: string;
  /** The data to check on (default: seeded random inputs and one-hot targets). */
  data?: SupervisedData;
  /** Samples to use (default 2). */
  samples?: number;
  /** Coordinates checked per parameter group (default 16). */
  perGroup?: number;
  step?: number;
  tolerance?: number;
  loss?: LossName;
  seed?: number;
}

export interface GradcheckResult {
  subject: string;
  report: GradientCheckReport;
}

function randomData(model: Sequential, count: number, random: SeededRandom): SupervisedData {
  const inputs = Float64Array.from({ length: count * model.inputSize }, () => random.nextNormal());
  const targets = new Float64Array(count * model.outputSize);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = random.nextInt(model.outputSize);
    targets[i * model.outputSize + (labels[i] ?? 0)] = 1;
  }
  return { count, inputs, targets, labels };
}

function firstSamples(model: Sequential, data: SupervisedData, count: number): SupervisedData {
  const n = Math.min(count, data.count);
  const slice = (values: ArrayLike<number>, size: number) =>
    Float64Array.from({ length: n * size }, (_, i) => values[i] ?? 0);
  return {
    count: n,
    inputs: slice(data.inputs, model.inputSize),
    targets: slice(data.targets, model.outputSize),
  };
}

function float64Copy(model: Sequential): Sequential {
  if (model.dtype === "float64") return model;
  const copy = new Sequential({ ...model.spec, dtype: "float64" });
  copy.setParameters(model.getParameters());
  return copy;
}

/** Runs the check; the result displays as the per-layer table. */
export function gradcheck(model: Sequential, options: GradcheckOptions = {}): GradcheckResult {
  const random = new SeededRandom(options.seed ?? 1);
  const tolerances = { step: options.step ?? 1e-5, tolerance: options.tolerance ?? 1e-6 };
  if (options.layer !== undefined) {
    const built = model.layers.find(({ layer }) => layer.name === options.layer);
    if (!built) {
      throw new UsageError(
        `the model has no layer ${JSON.stringify(options.layer)}; its layers are ${model.layers.map((l) => l.layer.name).join(", ")}`,
      );
    }
    const report = checkLayerGradients(built.layer, {
      ...tolerances,
      batch: options.samples ?? 2,
      seed: options.seed ?? 1,
    });
    return displayable({ subject: `layer ${options.layer}`, report }, gradcheckBundle);
  }
  const model64 = float64Copy(model);
  const samples = options.samples ?? 2;
  const data = options.data
    ? firstSamples(model64, options.data, samples)
    : randomData(model64, samples, random);
  const objective = new ModelObjective(model64, data, { loss: options.loss ?? "cross-entropy" });
  const theta = model64.getParameters();
  const analytic = new Float64Array(theta.length);
  objective.valueAndGradient(theta, analytic);
  const perGroup = options.perGroup ?? 16;
  const groups: CheckedGroup[] = [];
  for (const { layer, offset } of model64.layers) {
    for (const group of layer.parameterGroups) {
      const length = Math.min(perGroup, group.length);
      const start = group.offset + random.nextInt(group.length - length + 1);
      groups.push({ layer: layer.name, group: group.name, offset: offset + start, length });
    }
  }
  const report = compareWithDifferences(
    (point) => objective.value(point),
    Float64Array.from(theta),
    analytic,
    groups,
    tolerances,
  );
  model64.setParameters(theta);
  return displayable({ subject: `model (${data.count} samples)`, report }, gradcheckBundle);
}

function gradcheckBundle(result: GradcheckResult) {
  const { report } = result;
  const headers = ["layer", "group", "checked", "max |error|", "relative error", "passed"];
  const rows = report.rows.map((r) => [
    r.layer,
    r.group,
    r.count,
    r.maxAbsoluteError,
    r.relativeError,
    r.passed ? "yes" : "NO",
  ]);
  const verdict = report.passed ? "all passed" : "FAILED";
  const caption = `gradient check of the ${result.subject}: ${verdict} (h = ${report.step}, tolerance ${report.tolerance})`;
  return { "text/html": htmlTable(headers, rows, caption), "text/plain": textTable(headers, rows, caption) };
}

export const gradcheckSpec: CommandSpec = {
  name: "gradcheck",
  summary: "check back-propagation against central differences, per layer and parameter group",
  positional: [
    { name: "MODEL", description: "a model variable" },
    { name: "DATA", description: "a data variable (default: seeded random samples)", optional: true },
  ],
  options: [
    {
      name: "layer",
      kind: "string",
      description: "check only this layer, input delta included",
      metavar: "NAME",
    },
    { name: "samples", kind: "integer", description: "samples to check on", defaultText: "2" },
    {
      name: "per-group",
      kind: "integer",
      description: "coordinates checked per parameter group",
      defaultText: "16",
    },
    { name: "step", kind: "number", description: "difference step h", defaultText: "1e-5" },
    {
      name: "tolerance",
      kind: "number",
      description: "largest relative error that passes",
      defaultText: "1e-6",
    },
    { name: "seed", kind: "integer", description: "seed of the random data and windows", defaultText: "1" },
    AS_OPTION,
  ],
  examples: ["%gradcheck net train --samples 2", "%gradcheck net --layer C3"],
  run: async (args, context) => {
    const [modelName = "", dataName] = args.positional;
    const model = asModel(context.lookup(modelName), modelName);
    const optional = (name: string) => numberOption(args, name);
    const layer = stringOption(args, "layer");
    const samples = optional("samples");
    if (samples !== undefined && samples < 1)
      throw new UsageError(`--samples must be at least 1, got ${samples}`);
    const perGroup = optional("per-group");
    if (perGroup !== undefined && perGroup < 1)
      throw new UsageError(`--per-group must be at least 1, got ${perGroup}`);
    const result = gradcheck(model, {
      ...(layer !== undefined ? { layer } : {}),
      ...(dataName !== undefined ? { data: asSupervisedData(context.lookup(dataName), dataName) } : {}),
      ...(samples !== undefined ? { samples } : {}),
      ...(perGroup !== undefined ? { perGroup } : {}),
      ...(optional("step") !== undefined ? { step: optional("step") } : {}),
      ...(optional("tolerance") !== undefined ? { tolerance: optional("tolerance") } : {}),
      ...(optional("seed") !== undefined ? { seed: optional("seed") } : {}),
    });
    const as = stringOption(args, "as");
    if (as) context.bind(checkBindingName(as), result, 'import("deltalab").GradcheckResult');
    return result;
  },
};
