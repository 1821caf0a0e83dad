import { JsonSchema, label, numberArray } from "./schema";

/** Mime type of a loss surface with optimizer trajectories drawn on it (payload version 1). */
export const LOSS_SURFACE_MIME_TYPE_V1 = "application/vnd.deltalab.loss-surface.v1+json";

/**
 * What the two plotted directions are.
 * - `parameters`: two coordinates of theta itself (the plane is exact for a two-parameter objective).
 * - `random-filter-normalized`: two random directions, each rescaled filter by filter to the norm of the
 *   corresponding filter of theta (Li et al., "Visualizing the Loss Landscape of Neural Nets", 2018).
 * - `pca`: the first two principal components of the path theta_0..theta_T minus its end point, with the share
 *   of the path's variance each one explains.
 */
export type DirectionKind = "parameters" | "random-filter-normalized" | "pca";

export interface SurfaceDirection {
  /** Axis label, e.g. "theta[3]" or "PC1"; plain text. */
  label: string;
  /** For `parameters`: the index of the coordinate of theta. */
  parameterIndex?: number;
  /** For `pca`: the fraction (0..1) of the path's variance that this component explains. */
  explainedVariance?: number;
}

/**
 * The loss on a regular grid over the plane theta(x, y) = center + x d1 + y d2.
 * `loss[j][i]` is the loss at (x[i], y[j]) (rows follow y, as plotly's z does); null marks a point where the
 * loss is not finite (overflow, NaN), drawn as a gap.
 */
export interface SurfaceGrid {
  x: number[];
  y: number[];
  loss: (number | null)[][];
}

/** The iterates of one optimizer run, in plane coordinates, with the true loss at each iterate. */
export interface SurfaceTrajectory {
  /** The optimizer's name, shown in the legend; plain text. */
  optimizer: string;
  /** Plane coordinates of the iterates (projections when `inPlane` is false). */
  x: number[];
  y: number[];
  /** f(theta_k) at the true iterate theta_k, not at its projection. */
  loss: number[];
  /** The iteration number of each iterate; defaults to 0, 1, 2, ... */
  iteration?: number[];
  /**
   * True when every iterate lies in the plane (the path was run in the plane, or the problem has two
   * parameters): then the surface height at (x, y) is the iterate's loss. False when (x, y) are projections of
   * iterates off the plane, whose loss may differ from the surface below them.
   */
  inPlane: boolean;
  /**
   * ||theta_k - (center + x_k d1 + y_k d2)||, the distance of each iterate from the plane (0 for an iterate in
   * it). Optional: payloads written before it existed stay valid.
   */
  distance?: number[];
  /**
   * The surface's loss under each iterate, f(center + x_k d1 + y_k d2) at the projected point; null where it is not
   * finite. Equals `loss` for an iterate in the plane; the gap between the two is what the projection hides.
   */
  surfaceLoss?: (number | null)[];
  /** A CSS colour for the path; the front end picks one when absent. */
  color?: string;
}

/** Lets the front end ask the kernel to run an optimizer from a clicked point of this surface (see comm.ts). */
export interface SurfaceSession {
  /** The kernel's name for this surface (objective, center and directions), echoed in `run-from` requests. */
  surfaceId: string;
  /** Optimizers the kernel can run from a point of the plane. */
  optimizers: string[];
}

export interface LossSurfacePayload {
  title?: string;
  /** What the directions are; the axis titles say it. */
  directions: { kind: DirectionKind; x: SurfaceDirection; y: SurfaceDirection };
  grid: SurfaceGrid;
  trajectories: SurfaceTrajectory[];
  /** Initial height scale (the view has a toggle); "linear" when absent. */
  scale?: "linear" | "log";
  /** Present when the kernel that produced the payload accepts `run-from` requests for it. */
  session?: SurfaceSession;
}

const directionSchema: JsonSchema = {
  type: "object",
  required: ["label"],
  additionalProperties: false,
  properties: {
    label: label("axis label"),
    parameterIndex: { type: "integer", minimum: 0 },
    explainedVariance: { type: "number", minimum: 0, maximum: 1 },
  },
};

export const LOSS_SURFACE_SCHEMA_V1: JsonSchema = {
  $id: "https://deltalab.dev/schemas/loss-surface.v1.json",
  title: "deltalab loss surface, v1",
  type: "object",
  required: ["directions", "grid", "trajectories"],
  additionalProperties: false,
  properties: {
    title: label("title of the view"),
    directions: {
      type: "object",
      required: ["kind", "x", "y"],
      additionalProperties: false,
      properties: {
        kind: { enum: ["parameters", "random-filter-normalized", "pca"] },
        x: directionSchema,
        y: directionSchema,
      },
    },
    grid: {
      type: "object",
      required: ["x", "y", "loss"],
      additionalProperties: false,
      properties: {
        x: numberArray("grid abscissae, increasing", 2),
        y: numberArray("grid ordinates, increasing", 2),
        loss: {
          type: "array",
          description: "loss[j][i] at (x[i], y[j]); null where not finite",
          minItems: 2,
          items: { type: "array", minItems: 2, items: { type: ["number", "null"] } },
        },
      },
    },
    trajectories: {
      type: "array",
      items: {
        type: "object",
        required: ["optimizer", "x", "y", "loss", "inPlane"],
        additionalProperties: false,
        properties: {
          optimizer: label("optimizer name"),
          x: numberArray("plane abscissae of the iterates", 1),
          y: numberArray("plane ordinates of the iterates", 1),
          loss: numberArray("true loss at each iterate", 1),
          iteration: { type: "array", items: { type: "integer", minimum: 0 } },
          inPlane: { type: "boolean" },
          distance: {
            type: "array",
            description: "distance of each iterate from the plane",
            items: { type: "number", minimum: 0 },
          },
          surfaceLoss: {
            type: "array",
            description: "surface loss at each iterate's projection; null where not finite",
            items: { type: ["number", "null"] },
          },
          color: { type: "string", maxLength: 64 },
        },
      },
    },
    scale: { enum: ["linear", "log"] },
    session: {
      type: "object",
      required: ["surfaceId", "optimizers"],
      additionalProperties: false,
      properties: {
        surfaceId: { type: "string", minLength: 1, maxLength: 200 },
        optimizers: { type: "array", minItems: 1, items: label("optimizer name") },
      },
    },
  },
};

/**
 * The constraints the schema cannot state: array lengths that must agree and grids that must increase.
 * Returns one sentence per problem (empty when the payload is consistent).
 */
export function lossSurfaceProblems(payload: LossSurfacePayload): string[] {
  const problems: string[] = [];
  const { x, y, loss } = payload.grid;
  if (!isIncreasing(x)) problems.push("grid.x must be strictly increasing");
  if (!isIncreasing(y)) problems.push("grid.y must be strictly increasing");
  if (loss.length !== y.length) {
    problems.push(`grid.loss has ${loss.length} rows, expected one per grid.y value (${y.length})`);
  }
  loss.forEach((row, j) => {
    if (row.length !== x.length) {
      problems.push(`grid.loss[${j}] has ${row.length} values, expected one per grid.x value (${x.length})`);
    }
  });
  payload.trajectories.forEach((path, k) => {
    const n = path.x.length;
    const where = `trajectories[${k}] (${path.optimizer})`;
    if (path.y.length !== n) problems.push(`${where}: y has ${path.y.length} values, x has ${n}`);
    if (path.loss.length !== n) problems.push(`${where}: loss has ${path.loss.length} values, x has ${n}`);
    if (path.iteration && path.iteration.length !== n) {
      problems.push(`${where}: iteration has ${path.iteration.length} values, x has ${n}`);
    }
    if (path.distance && path.distance.length !== n) {
      problems.push(`${where}: distance has ${path.distance.length} values, x has ${n}`);
    }
    if (path.surfaceLoss && path.surfaceLoss.length !== n) {
      problems.push(`${where}: surfaceLoss has ${path.surfaceLoss.length} values, x has ${n}`);
    }
  });
  return problems;
}

function isIncreasing(values: number[]): boolean {
  return values.every((v, i) => i === 0 || v > values[i - 1]);
}
