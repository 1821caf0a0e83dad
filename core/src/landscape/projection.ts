/**
 * Optimizer paths on a plane: least-squares plane coordinates of each iterate, its distance from the plane, and its
 * true loss, so that a path drawn on a surface can be compared honestly with the surface under it.
 *
 * For theta and the plane theta* + alpha d1 + beta d2, (alpha, beta) minimizes ||theta - theta* - alpha d1 - beta d2||
 * (d1, d2 need not be orthogonal or of unit length). With q1, q2 an orthonormal basis of span(d1, d2) (Gram-Schmidt)
 * and r = theta - theta*: beta = (q2 . r) / h, alpha = (q1 . r - beta (q1 . d2)) / ||d1||, h = ||d2 - (q1 . d2) q1||;
 * the distance is ||r - (q1 . r) q1 - (q2 . r) q2||, computed from the residual vector itself (no cancellation).
 */
import type { Objective } from "../objective";
import type { SurfaceTrajectory } from "../payloads";
import type { TrajectoryPoint } from "../optim/result";
import { asPlaneEvaluator, evaluateInSlices, type PlaneBasis, type PlaneEvaluator } from "./grid";
import { dot, norm, requireVector } from "./vectors";

export interface PlanePoint {
  /** alpha, the coordinate along d1. */
  x: number;
  /** beta, the coordinate along d2. */
  y: number;
  /** ||theta - (theta* + alpha d1 + beta d2)||, the distance of theta from the plane. */
  distance: number;
}

/** A projector onto one plane (the orthonormal basis is computed once). */
export function planeProjector(plane: PlaneBasis): (theta: Float64Array) => PlanePoint {
  const { center, d1, d2 } = plane;
  const n = center.length;
  requireVector("d1", d1, n);
  requireVector("d2", d2, n);
  const length1 = norm(d1);
  if (!(length1 > 0)) throw new RangeError("d1 is the zero vector: it does not span a plane with d2");
  const q1 = d1.map((v) => v / length1);
  const along = dot(q1, d2);
  const q2 = Float64Array.from(d2);
  for (let pass = 0; pass < 2; pass++) {
    const c = dot(q1, q2);
    for (let i = 0; i < n; i++) q2[i] -= c * q1[i];
  }
  const height = norm(q2);
  if (!(height > 1e-12 * norm(d2))) throw new RangeError("d1 and d2 are parallel: they do not span a plane");
  for (let i = 0; i < n; i++) q2[i] /= height;
  const r = new Float64Array(n);
  return (theta) => {
    requireVector("iterate", theta, n);
    for (let i = 0; i < n; i++) r[i] = theta[i] - center[i];
    const e1 = dot(q1, r);
    const e2 = dot(q2, r);
    let squared = 0;
    for (let i = 0; i < n; i++) {
      const off = r[i] - e1 * q1[i] - e2 * q2[i];
      squared += off * off;
    }
    const beta = e2 / height;
    return { x: (e1 - beta * along) / length1, y: beta, distance: Math.sqrt(squared) };
  };
}

/** Plane coordinates and distance of one point. */
export function projectOntoPlane(plane: PlaneBasis, theta: Float64Array): PlanePoint {
  return planeProjector(plane)(theta);
}

/** A path on the plane: the payload's trajectory fields plus what shows how far the picture is from the truth. */
export interface ProjectedPath extends SurfaceTrajectory {
  iteration: number[];
  /** Distance of each iterate from the plane. */
  distance: number[];
}

export interface ProjectPathOptions {
  /** The optimizer's name, for the legend. */
  optimizer: string;
  /**
   * Evaluates the surface height under each iterate (`surfaceLoss`), and the true loss of iterates given without
   * one (bare Float64Arrays).
   */
  objective?: Objective;
  /**
   * An iterate counts as in the plane when its distance is at most tolerance * scale, scale = max(1, ||theta*||,
   * max_k ||theta_k - theta*||) (default 1e-9: rounding only).
   */
  inPlaneTolerance?: number;
  color?: string;
}

/**
 * Projects a path (bare iterates, or an optimizer's trajectory with f at each iterate) onto the plane. `loss` is the
 * true loss f(theta_k); `inPlane` says whether every iterate lies in the plane, i.e. whether the surface height under
 * the path is the path's loss.
 */
export function projectPath(
  plane: PlaneBasis,
  path: readonly Float64Array[] | readonly TrajectoryPoint[],
  options: ProjectPathOptions,
): ProjectedPath {
  if (path.length < 1) throw new RangeError(`the path of '${options.optimizer}' has no iterates`);
  const tolerance = options.inPlaneTolerance ?? 1e-9;
  if (!(tolerance >= 0)) throw new RangeError(`inPlaneTolerance must be >= 0, got ${tolerance}`);
  const objective = options.objective;
  if (objective && objective.dim !== plane.center.length) {
    throw new RangeError(
      `the plane lives in R^${plane.center.length}, but the objective has dim = ${objective.dim}`,
    );
  }
  const project = planeProjector(plane);
  const result: ProjectedPath = {
    optimizer: options.optimizer,
    x: [],
    y: [],
    loss: [],
    iteration: [],
    distance: [],
    inPlane: true,
  };
  if (options.color !== undefined) result.color = options.color;
  const surfaceLoss: (number | null)[] = [];
  const theta = new Float64Array(plane.center.length);
  let scale = Math.max(1, norm(plane.center));
  path.forEach((point: Float64Array | TrajectoryPoint, k) => {
    const x = point instanceof Float64Array ? point : point.x;
    const at = project(x);
    result.x.push(at.x);
    result.y.push(at.y);
    result.distance.push(at.distance);
    result.iteration.push(point instanceof Float64Array ? k : point.iteration);
    result.loss.push(trueLoss(point, objective, options.optimizer, k));
    let offset = 0;
    for (let i = 0; i < x.length; i++) offset += (x[i] - plane.center[i]) ** 2;
    scale = Math.max(scale, Math.sqrt(offset));
    if (objective) {
      for (let i = 0; i < theta.length; i++)
        theta[i] = plane.center[i] + at.x * plane.d1[i] + at.y * plane.d2[i];
      const f = objective.value(theta);
      surfaceLoss.push(Number.isFinite(f) ? f : null);
    }
  });
  result.inPlane = result.distance.every((d) => d <= tolerance * scale);
  if (objective) result.surfaceLoss = surfaceLoss;
  return result;
}

function trueLoss(
  point: Float64Array | TrajectoryPoint,
  objective: Objective | undefined,
  optimizer: string,
  k: number,
): number {
  if (!(point instanceof Float64Array)) return point.f;
  if (!objective) {
    throw new TypeError(
      `path '${optimizer}': iterate ${k} is a bare vector without its loss; pass an objective, or the optimizer's ` +
        "trajectory (which records f at each iterate)",
    );
  }
  return objective.value(point);
}

/**
 * The surface's loss under each point of a path, f(theta* + x_k d1 + y_k d2), through an evaluator (in slices as
 * the grid is, so a device evaluator batches them and an interrupt is seen between them); null where f is not
 * finite. Returns a new path with `surfaceLoss` set, or the path as it was when `signal` stops the evaluation.
 */
export async function withSurfaceLoss<P extends SurfaceTrajectory>(
  source: Objective | PlaneEvaluator,
  plane: PlaneBasis,
  path: P,
  signal?: AbortSignal,
): Promise<P & { surfaceLoss?: (number | null)[] }> {
  const evaluator = asPlaneEvaluator(source);
  const n = path.x.length;
  if (path.y.length !== n) {
    throw new RangeError(`path '${path.optimizer}': x has ${n} values but y has ${path.y.length}`);
  }
  const out = new Float64Array(n);
  const done = await evaluateInSlices(
    evaluator,
    plane,
    Float64Array.from(path.x),
    Float64Array.from(path.y),
    out,
    signal,
  );
  if (done < n) return path;
  return { ...path, surfaceLoss: Array.from(out, (f) => (Number.isFinite(f) ? f : null)) };
}
