/**
 * `%step` and `stepThrough(model, sample)`: the forward and backward pass of one sample, one operation per step
 * (core's `traceSteps`), shown by the stepper view (application/vnd.deltalab.steps.v1+json) with a text/plain
 * list of the steps for front ends without it.
 *
 * Each stepper is kept in a StepSessions under an id the payload carries, so that the view can ask the kernel over
 * the `deltalab` comm to recompute every step with an edited input pixel, weight or target. An edit works on a copy
 * of the model: the notebook's model changes only when the reader asks for the edit to be applied.
 */
import {
  Conv2dLayer,
  DenseLayer,
  LOSS_NAMES,
  Sequential,
  traceSteps,
  type LossName,
  type StepSample,
  type SupervisedData,
} from "@deltalab/core";
import { STEPS_MIME_TYPE_V1, type StepEdit, type StepsPayload } from "@deltalab/core/payloads";
import { checkBindingName } from "./commandContext";
import { asSupervisedData } from "./data";
import { asModel } from "./model";
import { UsageError } from "./parse";
import { displayable } from "./result";
import { AS_OPTION, numberOption, stringOption, type CommandSpec } from "./spec";

export interface StepThroughOptions {
  /** Which sample of a data set (default 0). */
  index?: number;
  /** Default: cross-entropy after a softmax, mse otherwise. */
  loss?: LossName;
  title?: string;
}

export interface StepsResult {
  payload: StepsPayload;
}

export type { StepEdit };

interface StepSession {
  model: Sequential;
  sample: { input: Float64Array; target: Float64Array };
  options: StepThroughOptions;
}

/** The steppers shown in this kernel, by id, for the edits their views send. */
export class StepSessions {
  private readonly sessions = new Map<string, StepSession>();
  private next = 1;

  add(session: StepSession): string {
    const id = `steps-${this.next++}`;
    this.sessions.set(id, session);
    return id;
  }

  /**
   * Every step again with the edits applied to copies of the sample and the model's parameters. With `apply`, the
   * edited parameters are written into the notebook's model too (and the input and target into the session).
   */
  recompute(id: string, edits: readonly StepEdit[], apply = false): StepsPayload {
    const session = this.sessions.get(id);
    if (!session) throw new UsageError(`no stepper ${JSON.stringify(id)} in this kernel (was it restarted?)`);
    const input = Float64Array.from(session.sample.input);
    const target = Float64Array.from(session.sample.target);
    const theta = session.model.getParameters();
    for (const edit of edits) applyEdit(session.model, edit, input, target, theta);
    const copy = new Sequential({ ...session.model.spec, dtype: "float64" }, "reference");
    copy.setParameters(theta);
    if (apply) {
      session.model.setParameters(theta);
      session.sample = { input, target };
    }
    const payload = traceSteps(copy, { input, target }, stepOptions(session.model, session.options));
    return { ...payload, session: id };
  }
}

/** Writes one edit into the input, target or parameter vector (the model's theta order). */
function applyEdit(
  model: Sequential,
  edit: StepEdit,
  input: Float64Array,
  target: Float64Array,
  theta: Float64Array,
): void {
  if (!Number.isFinite(edit.value)) {
    throw new UsageError(
      `the new value of ${edit.matrix}[${edit.index}] must be a finite number, got ${edit.value}`,
    );
  }
  const inRange = (length: number) => {
    if (!Number.isInteger(edit.index) || edit.index < 0 || edit.index >= length) {
      throw new UsageError(`${edit.matrix} has ${length} entries; entry ${edit.index} does not exist`);
    }
  };
  if (edit.matrix === "input") {
    inRange(input.length);
    input[edit.index] = edit.value;
    return;
  }
  if (edit.matrix === "target") {
    inRange(target.length);
    target[edit.index] = edit.value;
    return;
  }
  const match = /^(.*)\.(W|b)$/.exec(edit.matrix);
  const built = match && model.layers.find(({ layer }) => layer.name === match[1]);
  if (!match || !built) {
    throw new UsageError(
      `${JSON.stringify(edit.matrix)} cannot be edited: only the input, the target and a layer's W or b can`,
    );
  }
  theta.set(
    editedParameters(built.layer, match[2] as "W" | "b", edit, theta.subarray(built.offset)),
    built.offset,
  );
}

/** The layer's parameter slice with one entry of the shown W (row-major) or b changed. */
function editedParameters(
  layer: Sequential["layers"][number]["layer"],
  group: "W" | "b",
  edit: StepEdit,
  slice: Float64Array,
): Float64Array {
  const params = Float64Array.from(slice.subarray(0, layer.parameterCount));
  const where = `${layer.name}.${group}`;
  const check = (length: number) => {
    if (!Number.isInteger(edit.index) || edit.index < 0 || edit.index >= length) {
      throw new UsageError(`${where} has ${length} entries; entry ${edit.index} does not exist`);
    }
  };
  const bias = layer.parameterGroups.find((g) => g.name === "b");
  if (group === "b") {
    if (!bias) throw new UsageError(`${layer.name} has no bias`);
    check(bias.length);
    params[bias.offset + edit.index] = edit.value;
    return params;
  }
  if (layer instanceof DenseLayer) {
    const nOut = layer.outputSize;
    const nIn = layer.inputSize;
    check(nOut * nIn);
    // The view shows W row-major; vec(W) stacks its columns.
    params[Math.floor(edit.index / nIn) + nOut * (edit.index % nIn)] = edit.value;
    return params;
  }
  if (layer instanceof Conv2dLayer) {
    // The view's W is the matrix-form slides' d_out x (kh kw d_in) matrix, column r = u + kh (v + kw c).
    const R = layer.kernelHeight * layer.kernelWidth * layer.inChannels;
    check(layer.outChannels * R);
    const o = Math.floor(edit.index / R);
    const r = edit.index % R;
    const u = r % layer.kernelHeight;
    const v = Math.floor(r / layer.kernelHeight) % layer.kernelWidth;
    const c = Math.floor(r / (layer.kernelHeight * layer.kernelWidth));
    const k = layer.weightIndex(o, c, u, v);
    if (k < 0) throw new UsageError(`${where}[${edit.index}] is a missing connection (always 0)`);
    params[k] = edit.value;
    return params;
  }
  throw new UsageError(`${where} cannot be edited: only dense and conv2d weights can`);
}

function stepOptions(model: Sequential, options: StepThroughOptions) {
  const last = model.layers[model.layers.length - 1].layer;
  return {
    loss: options.loss ?? (last.kind === "softmax" ? "cross-entropy" : "mse"),
    // A Float32 model's numbers have about 7 significant digits: the payload keeps those (a third of the size).
    ...(model.dtype === "float32" ? { significantDigits: 7 } : {}),
    ...(options.title !== undefined ? { title: options.title } : {}),
  } as const;
}

function isSample(value: unknown): value is StepSample {
  return value !== null && typeof value === "object" && "input" in value && "target" in value;
}

function pickSample(model: Sequential, source: StepSample | SupervisedData, index: number) {
  if (isSample(source)) {
    return { input: Float64Array.from(source.input), target: Float64Array.from(source.target) };
  }
  if (!Number.isInteger(index) || index < 0 || index >= source.count) {
    throw new UsageError(
      `sample ${index} does not exist: the data has ${source.count} samples (0 to ${source.count - 1})`,
    );
  }
  const slice = (values: ArrayLike<number>, size: number) =>
    Float64Array.from({ length: size }, (_, k) => values[index * size + k]);
  return { input: slice(source.inputs, model.inputSize), target: slice(source.targets, model.outputSize) };
}

/** Text fallback: the steps, numbered, with their equations' citations and what each writes. */
export function stepsText(payload: StepsPayload): string {
  const sizes = new Map(payload.matrices.map((m) => [m.name, `${m.rows}x${m.cols}`]));
  const lines = [
    `${payload.title}: ${payload.steps.length} steps, loss (${payload.loss}) ${payload.lossValue}`,
  ];
  payload.steps.forEach((step, k) => {
    const cite = step.reference ? ` [${step.reference.citation}]` : "";
    lines.push(
      `${String(k + 1).padStart(3)}. ${step.pass.padEnd(8)} ${step.title}${cite} -> ${step.writes} (${sizes.get(step.writes)})`,
    );
  });
  return lines.join("\n");
}

function stepsBundle(result: StepsResult) {
  return { [STEPS_MIME_TYPE_V1]: result.payload, "text/plain": stepsText(result.payload) };
}

/**
 * The stepper for one sample: `sample` is { input, target } or a data set (then `options.index` picks the sample).
 * Sessions, when given, keep the stepper for edits from its view.
 */
export function stepThrough(
  model: Sequential,
  sample: StepSample | SupervisedData | { data: SupervisedData },
  options: StepThroughOptions = {},
  sessions?: StepSessions,
): StepsResult {
  if (!(model instanceof Sequential))
    throw new UsageError("stepThrough needs a model (from %model or sequential(spec))");
  const source = isSample(sample) ? sample : asSupervisedData(sample, "the sample");
  if (options.loss !== undefined && !LOSS_NAMES.includes(options.loss)) {
    throw new UsageError(
      `unknown loss ${JSON.stringify(options.loss)}; the losses are ${LOSS_NAMES.join(", ")}`,
    );
  }
  const picked = pickSample(model, source, options.index ?? 0);
  const payload = traceSteps(model, picked, stepOptions(model, options));
  if (sessions) payload.session = sessions.add({ model, sample: picked, options });
  return displayable({ payload }, stepsBundle);
}

/** `sessions`: where steppers are kept for edits from their views (none: the views cannot edit). */
export function stepSpec(sessions?: StepSessions): CommandSpec {
  return {
    name: "step",
    summary: "step through the forward and backward pass of one sample, one equation at a time",
    positional: [
      { name: "MODEL", description: "a model variable" },
      { name: "DATA", description: "a data variable, or a variable holding { input, target }" },
    ],
    options: [
      { name: "index", kind: "integer", description: "which sample of DATA", defaultText: "0" },
      {
        name: "loss",
        kind: "string",
        description: "the loss",
        choices: LOSS_NAMES,
        defaultText: "cross-entropy after a softmax, mse otherwise",
      },
      AS_OPTION,
    ],
    examples: ["%step net sample", "%step lenet train --index 3"],
    run: async (args, context) => {
      const [modelName = "", dataName = ""] = args.positional;
      const model = asModel(context.lookup(modelName), modelName);
      const value = context.lookup(dataName);
      const sample = isSample(value) ? value : asSupervisedData(value, dataName);
      const index = numberOption(args, "index");
      const loss = stringOption(args, "loss") as LossName | undefined;
      const result = stepThrough(
        model,
        sample,
        { ...(index !== undefined ? { index } : {}), ...(loss !== undefined ? { loss } : {}) },
        sessions,
      );
      const as = stringOption(args, "as");
      if (as) context.bind(checkBindingName(as), result, 'import("deltalab").StepsResult');
      return result;
    },
  };
}
