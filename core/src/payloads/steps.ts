import { JsonSchema, label } from "./schema";

/** Mime type of a back-propagation stepper (payload version 1). */
export const STEPS_MIME_TYPE_V1 = "application/vnd.deltalab.steps.v1+json";

/**
 * A matrix a step reads or writes. Values are row-major. An image of d channels and h x w pixels is the d x (h w)
 * matrix of Lin's matrix-form slides (one row per channel), its columns in the engine's order (row-major pixels);
 * `grid` = [h, w] asks the view to draw each row as an h x w picture.
 */
export interface StepMatrix {
  /** Unique in the payload, e.g. "C1.phi"; steps and links refer to matrices by it. */
  name: string;
  /** TeX, e.g. "\\phi(Z^{1})". */
  tex: string;
  rows: number;
  cols: number;
  values: number[];
  grid?: [number, number];
  /** The input image, a parameter group or the target: entries a reader may edit. Absent: computed. */
  editable?: "input" | "parameter" | "target";
}

/**
 * Which entries of the read matrices made one entry of the written matrix, so that hovering an output entry can light
 * them. Indices are flat (row-major) indices of the named matrix.
 */
export type StepLink =
  /** out[i][j] reads row i of left (column i when transposed) and column j of right (row j when transposed), and bias[i]. */
  | {
      kind: "matmul";
      left: string;
      right: string;
      transposeLeft?: boolean;
      transposeRight?: boolean;
      bias?: string;
    }
  /** out[k] reads entry k of each input. */
  | { kind: "elementwise"; inputs: string[] }
  /** out[k] reads the entries sources[k] of input (an empty list: a structural zero, e.g. padding). */
  | { kind: "gather"; input: string; sources: number[][] }
  /** Every entry of out reads every entry of the inputs (a loss, a softmax). */
  | { kind: "all"; inputs: string[] };

/** A document equation a step implements, and where docs/references.md describes the document. */
export interface StepReference {
  /** Plain text, e.g. "Hedberg eq. 61". */
  citation: string;
  /** Relative link into the references page, e.g. "docs/references.md#hedberg-2015". */
  href: string;
}

export interface Step {
  /** Unique in the payload. */
  id: string;
  pass: "forward" | "backward";
  /** The layer of the model, or "loss". */
  layer: string;
  /** Plain text, e.g. "C1: phi(Z), the sub-images as columns". */
  title: string;
  /** TeX of the equation. */
  equation: string;
  reference?: StepReference;
  reads: string[];
  writes: string;
  links: StepLink[];
}

export interface StepsPayload {
  /** Plain text: what network and sample these are. */
  title: string;
  /** The loss, e.g. "mse". */
  loss: string;
  /** The value of the loss for this sample. */
  lossValue: number;
  matrices: StepMatrix[];
  steps: Step[];
  /** Present when the kernel recomputes edits: the id of the stepper on the comm target `deltalab`. */
  session?: string;
}

const name: JsonSchema = { type: "string", minLength: 1, maxLength: 200 };
const names: JsonSchema = { type: "array", items: name };

export const STEPS_SCHEMA_V1: JsonSchema = {
  $id: "https://deltalab.dev/schemas/steps.v1.json",
  title: "deltalab back-propagation steps, v1",
  type: "object",
  required: ["title", "loss", "lossValue", "matrices", "steps"],
  additionalProperties: false,
  properties: {
    title: label("network and sample"),
    loss: label("loss name"),
    lossValue: { type: "number" },
    session: name,
    matrices: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["name", "tex", "rows", "cols", "values"],
        additionalProperties: false,
        properties: {
          name,
          tex: label("TeX label"),
          rows: { type: "integer", minimum: 1 },
          cols: { type: "integer", minimum: 1 },
          values: { type: "array", items: { type: "number" } },
          grid: {
            type: "array",
            items: { type: "integer", minimum: 1 },
            minItems: 2,
            maxItems: 2,
          },
          editable: { enum: ["input", "parameter", "target"] },
        },
      },
    },
    steps: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["id", "pass", "layer", "title", "equation", "reads", "writes", "links"],
        additionalProperties: false,
        properties: {
          id: name,
          pass: { enum: ["forward", "backward"] },
          layer: label("layer name"),
          title: label("step title"),
          equation: { type: "string", maxLength: 2000 },
          reference: {
            type: "object",
            required: ["citation", "href"],
            additionalProperties: false,
            properties: { citation: label("citation"), href: label("link") },
          },
          reads: names,
          writes: name,
          links: {
            type: "array",
            items: {
              type: "object",
              required: ["kind"],
              properties: {
                kind: { enum: ["matmul", "elementwise", "gather", "all"] },
                left: name,
                right: name,
                transposeLeft: { type: "boolean" },
                transposeRight: { type: "boolean" },
                bias: name,
                inputs: names,
                input: name,
                sources: { type: "array", items: { type: "array", items: { type: "integer", minimum: 0 } } },
              },
            },
          },
        },
      },
    },
  },
};

/** The constraints the schema cannot state. Returns one sentence per problem (empty when consistent). */
export function stepsProblems(payload: StepsPayload): string[] {
  const problems: string[] = [];
  const byName = new Map<string, StepMatrix>();
  for (const matrix of payload.matrices) {
    if (byName.has(matrix.name)) problems.push(`matrix "${matrix.name}" appears more than once`);
    byName.set(matrix.name, matrix);
    if (matrix.values.length !== matrix.rows * matrix.cols) {
      problems.push(
        `matrix "${matrix.name}" is ${matrix.rows}x${matrix.cols} but has ${matrix.values.length} values`,
      );
    }
    if (matrix.grid && matrix.grid[0] * matrix.grid[1] !== matrix.cols) {
      problems.push(`matrix "${matrix.name}" has grid ${matrix.grid.join("x")} but ${matrix.cols} columns`);
    }
  }
  const ids = new Set<string>();
  const size = (matrixName: string) => {
    const matrix = byName.get(matrixName);
    return matrix ? matrix.rows * matrix.cols : undefined;
  };
  for (const step of payload.steps) {
    if (ids.has(step.id)) problems.push(`step id "${step.id}" appears more than once`);
    ids.add(step.id);
    const known = (matrixName: string) => {
      if (!byName.has(matrixName)) problems.push(`step "${step.id}" names no matrix "${matrixName}"`);
    };
    step.reads.forEach(known);
    known(step.writes);
    for (const link of step.links) {
      const named =
        link.kind === "matmul"
          ? [link.left, link.right, ...(link.bias ? [link.bias] : [])]
          : link.kind === "gather"
            ? [link.input]
            : link.inputs;
      if (!Array.isArray(named) || named.some((n) => typeof n !== "string")) {
        problems.push(`step "${step.id}" has a ${link.kind} link without its matrices`);
        continue;
      }
      named.forEach(known);
      if (link.kind === "gather") {
        const out = size(step.writes);
        const inputSize = size(link.input);
        if (!Array.isArray(link.sources) || (out !== undefined && link.sources.length !== out)) {
          problems.push(`step "${step.id}": a gather link needs one source list per output entry`);
        } else if (inputSize !== undefined && link.sources.some((list) => list.some((k) => k >= inputSize))) {
          problems.push(`step "${step.id}": a gather link points past the end of "${link.input}"`);
        }
      }
    }
  }
  return problems;
}

/** One entry of an editable matrix changed in the view: the matrix by name, the entry (row-major), the value. */
export interface StepEdit {
  matrix: string;
  index: number;
  value: number;
}

/**
 * View -> kernel, on the comm target `deltalab`: recompute the stepper `session` with `edits` applied to its sample
 * and a copy of the model's parameters; with `apply`, write them into the notebook's model too.
 */
export interface StepEditMessage {
  action: "step-edit";
  requestId: string;
  session: string;
  edits: StepEdit[];
  apply?: boolean;
}

/** Kernel -> view: the recomputed steps, or why the edit was refused (plain text). */
export interface StepsUpdateMessage {
  action: "steps-update";
  requestId: string;
  payload?: StepsPayload;
  error?: string;
}

export const STEP_EDIT_SCHEMA_V1: JsonSchema = {
  $id: "https://deltalab.dev/schemas/comm-step-edit.v1.json",
  type: "object",
  required: ["action", "requestId", "session", "edits"],
  additionalProperties: false,
  properties: {
    action: { const: "step-edit" },
    requestId: name,
    session: name,
    edits: {
      type: "array",
      maxItems: 10000,
      items: {
        type: "object",
        required: ["matrix", "index", "value"],
        additionalProperties: false,
        properties: { matrix: name, index: { type: "integer", minimum: 0 }, value: { type: "number" } },
      },
    },
    apply: { type: "boolean" },
  },
};

/** A schema nested in another: without its $id, which a validator registers once only. */
function withoutId(schema: JsonSchema): JsonSchema {
  const copy = { ...schema };
  delete copy.$id;
  return copy;
}

export const STEPS_UPDATE_SCHEMA_V1: JsonSchema = {
  $id: "https://deltalab.dev/schemas/comm-steps-update.v1.json",
  type: "object",
  required: ["action", "requestId"],
  additionalProperties: false,
  properties: {
    action: { const: "steps-update" },
    requestId: name,
    payload: withoutId(STEPS_SCHEMA_V1),
    error: { type: "string", maxLength: 2000 },
  },
};
