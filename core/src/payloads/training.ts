import { JsonSchema, label, numberArray } from "./schema";
import type { LaunchValue } from "./tuningTable";

/** Mime type of live training curves (payload version 1). */
export const TRAINING_MIME_TYPE_V1 = "application/vnd.deltalab.training.v1+json";

/**
 * Metrics of one data split, in columns: `x[k]` is the step or epoch at which `loss[k]` (and `accuracy[k]`, a
 * fraction in 0..1) were measured.
 */
export interface TrainingSeries {
  x: number[];
  loss: number[];
  accuracy?: number[];
}

export interface TrainingPayload {
  title?: string;
  /** What x counts. */
  unit: "step" | "epoch";
  train: TrainingSeries;
  /** Held-out data, usually measured less often than the training data. */
  test?: TrainingSeries;
  /** `running` while the kernel still updates the display. */
  status: "running" | "done" | "stopped";
  /** The launch of every tunable operation of a run on a GPU device, in the model's order; absent on the CPU. */
  launches?: TrainingLaunch[];
}

/**
 * Where a launch came from: the tuning cache of this adapter (`tuned`), the table shipped for its adapter class
 * (`shipped`), the operator's own default (`default`), or the caller (`given`).
 */
export type LaunchSource = "tuned" | "shipped" | "default" | "given";

/** One operation of a device run and the launch it used. */
export interface TrainingLaunch {
  /** The layer it belongs to, e.g. "C1". */
  layer: string;
  /** The tuner's operator name, e.g. "conv2d-forward". */
  operator: string;
  /** The problem shape that keys the tuning cache. */
  shape: Record<string, number>;
  /** The launch parameters, as the tuning table writes them. */
  launch: Record<string, LaunchValue>;
  source: LaunchSource;
}

const series: JsonSchema = {
  type: "object",
  required: ["x", "loss"],
  additionalProperties: false,
  properties: {
    x: numberArray("step or epoch of each measurement"),
    loss: numberArray("loss at each measurement"),
    accuracy: {
      type: "array",
      description: "accuracy (0..1) at each measurement",
      items: { type: "number", minimum: 0, maximum: 1 },
    },
  },
};

export const TRAINING_SCHEMA_V1: JsonSchema = {
  $id: "https://deltalab.dev/schemas/training.v1.json",
  title: "deltalab training curves, v1",
  type: "object",
  required: ["unit", "train", "status"],
  additionalProperties: false,
  properties: {
    title: label("title of the view"),
    unit: { enum: ["step", "epoch"] },
    train: series,
    test: series,
    status: { enum: ["running", "done", "stopped"] },
    launches: {
      type: "array",
      description: "the launch of every tunable operation of a device run",
      items: {
        type: "object",
        required: ["layer", "operator", "shape", "launch", "source"],
        additionalProperties: false,
        properties: {
          layer: label("the layer the operation belongs to"),
          operator: label("the tuner's operator name"),
          shape: { type: "object", additionalProperties: { type: "number" } },
          launch: {
            type: "object",
            additionalProperties: { type: ["number", "string", "boolean"] },
          },
          source: { enum: ["tuned", "shipped", "default", "given"] },
        },
      },
    },
  },
};

/** The constraints the schema cannot state. Returns one sentence per problem (empty when consistent). */
export function trainingProblems(payload: TrainingPayload): string[] {
  const problems: string[] = [];
  const check = (name: string, s: TrainingSeries | undefined) => {
    if (!s) return;
    if (s.loss.length !== s.x.length)
      problems.push(`${name}.loss has ${s.loss.length} values, x has ${s.x.length}`);
    if (s.accuracy && s.accuracy.length !== s.x.length) {
      problems.push(`${name}.accuracy has ${s.accuracy.length} values, x has ${s.x.length}`);
    }
  };
  check("train", payload.train);
  check("test", payload.test);
  return problems;
}
