/**
 * The loss-surface display payload (`application/vnd.deltalab.loss-surface.v1+json`, payloads/lossSurface.ts) from a
 * plane, a grid computed on it and paths projected onto it.
 */
import {
  lossSurfaceProblems,
  type LossSurfacePayload,
  type SurfaceSession,
  type SurfaceTrajectory,
} from "../payloads";
import type { LandscapePlane } from "./directions";
import type { LossGrid } from "./grid";

export interface SurfacePayloadOptions {
  title?: string;
  scale?: "linear" | "log";
  session?: SurfaceSession;
}

/**
 * Builds the payload and checks it against the constraints of the payload type (lossSurfaceProblems). A grid stopped
 * early is drawn with the rows it has, which must be at least two. Throws a RangeError naming what is wrong.
 */
export function lossSurfacePayload(
  plane: Pick<LandscapePlane, "kind" | "x" | "y">,
  grid: Pick<LossGrid, "x" | "y" | "loss">,
  trajectories: readonly SurfaceTrajectory[],
  options: SurfacePayloadOptions = {},
): LossSurfacePayload {
  if (grid.y.length < 2) {
    throw new RangeError(
      `the grid has ${grid.y.length} row(s); a surface needs at least 2 (was its computation stopped early?)`,
    );
  }
  const payload: LossSurfacePayload = {
    directions: { kind: plane.kind, x: { ...plane.x }, y: { ...plane.y } },
    grid: { x: [...grid.x], y: [...grid.y], loss: grid.loss.map((row) => [...row]) },
    trajectories: trajectories.map(payloadTrajectory),
  };
  if (options.title !== undefined) payload.title = options.title;
  if (options.scale !== undefined) payload.scale = options.scale;
  if (options.session !== undefined) payload.session = options.session;
  const problems = lossSurfaceProblems(payload);
  if (problems.length > 0) throw new RangeError(`invalid loss-surface payload: ${problems.join("; ")}`);
  return payload;
}

/** The fields of the payload's trajectory type only (the schema admits no others), with finite numbers checked. */
function payloadTrajectory(path: SurfaceTrajectory): SurfaceTrajectory {
  for (const field of ["x", "y", "loss"] as const) {
    const bad = path[field].findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new RangeError(
        `trajectory '${path.optimizer}': ${field}[${bad}] is ${path[field][bad]}; a payload holds finite numbers only`,
      );
    }
  }
  const out: SurfaceTrajectory = {
    optimizer: path.optimizer,
    x: [...path.x],
    y: [...path.y],
    loss: [...path.loss],
    inPlane: path.inPlane,
  };
  if (path.iteration !== undefined) out.iteration = [...path.iteration];
  if (path.distance !== undefined) {
    const bad = path.distance.findIndex((d) => !(Number.isFinite(d) && d >= 0));
    if (bad >= 0) {
      throw new RangeError(
        `trajectory '${path.optimizer}': distance[${bad}] is ${path.distance[bad]}; expected a finite number >= 0`,
      );
    }
    out.distance = [...path.distance];
  }
  if (path.surfaceLoss !== undefined) {
    out.surfaceLoss = path.surfaceLoss.map((v) => (v !== null && Number.isFinite(v) ? v : null));
  }
  if (path.color !== undefined) out.color = path.color;
  return out;
}
