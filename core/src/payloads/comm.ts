import { JsonSchema } from "./schema";

/**
 * Messages between a loss-surface view and the kernel that produced it.
 *
 * The front end opens one comm on the target `deltalab` per view, on the first click (comm_open with empty
 * data), and sends a `run-from` message over it (comm_msg) for every click on the contour. The kernel answers on the same comm: one `path-point` per
 * iterate as it is computed (iterate 0 is the clicked point itself), then one `path-end`. The front end closes the
 * comm when the view is disposed. Requests are told apart by `requestId`; a new request on the same comm
 * supersedes any run still streaming for it.
 */
export const DELTALAB_COMM_TARGET = "deltalab";

/** Front end -> kernel: run `optimizer` on the surface `surfaceId`, starting at the plane point `point`. */
export interface RunFromMessage {
  action: "run-from";
  requestId: string;
  surfaceId: string;
  optimizer: string;
  /** Plane coordinates [x, y] of the start: theta_0 = center + x d1 + y d2. */
  point: [number, number];
}

/** Kernel -> front end: one iterate of a requested run, in the plane (the run stays in the plane: exact). */
export interface PathPointMessage {
  action: "path-point";
  requestId: string;
  iteration: number;
  point: [number, number];
  loss: number;
}

/** Kernel -> front end: the requested run is over. `message` explains an `error` (plain text). */
export interface PathEndMessage {
  action: "path-end";
  requestId: string;
  reason: "converged" | "max-iterations" | "diverged" | "superseded" | "error";
  message?: string;
}

export type SurfaceCommMessage = RunFromMessage | PathPointMessage | PathEndMessage;

const point: JsonSchema = { type: "array", items: { type: "number" }, minItems: 2, maxItems: 2 };
const requestId: JsonSchema = { type: "string", minLength: 1, maxLength: 200 };

export const RUN_FROM_SCHEMA_V1: JsonSchema = {
  $id: "https://deltalab.dev/schemas/comm-run-from.v1.json",
  type: "object",
  required: ["action", "requestId", "surfaceId", "optimizer", "point"],
  additionalProperties: false,
  properties: {
    action: { const: "run-from" },
    requestId,
    surfaceId: { type: "string", minLength: 1, maxLength: 200 },
    optimizer: { type: "string", minLength: 1, maxLength: 400 },
    point,
  },
};

export const PATH_POINT_SCHEMA_V1: JsonSchema = {
  $id: "https://deltalab.dev/schemas/comm-path-point.v1.json",
  type: "object",
  required: ["action", "requestId", "iteration", "point", "loss"],
  additionalProperties: false,
  properties: {
    action: { const: "path-point" },
    requestId,
    iteration: { type: "integer", minimum: 0 },
    point,
    loss: { type: "number" },
  },
};

export const PATH_END_SCHEMA_V1: JsonSchema = {
  $id: "https://deltalab.dev/schemas/comm-path-end.v1.json",
  type: "object",
  required: ["action", "requestId", "reason"],
  additionalProperties: false,
  properties: {
    action: { const: "path-end" },
    requestId,
    reason: { enum: ["converged", "max-iterations", "diverged", "superseded", "error"] },
    message: { type: "string", maxLength: 2000 },
  },
};
