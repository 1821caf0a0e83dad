/**
 * The loss on a regular grid of a plane: f(theta* + alpha_i d1 + beta_j d2) for alpha_i, beta_j evenly spaced.
 *
 * Rows (one beta each) are evaluated in batches through a `PlaneEvaluator`, so a GPU backend can evaluate a whole
 * batch at once; between batches the computation reports progress, honours an AbortSignal or a progress callback
 * returning false, and yields to the event loop so the process stays responsive (a kernel can read an interrupt).
 */
import type { Objective } from "../objective";
import type { LandscapePlane } from "./directions";
import { requireVector } from "./vectors";

/** What an evaluator needs of a plane. */
export type PlaneBasis = Pick<LandscapePlane, "center" | "d1" | "d2">;

/** Evaluates the loss at points of a plane. */
export interface PlaneEvaluator {
  /** Writes out[k] = f(center + alpha[k] d1 + beta[k] d2) for k < alpha.length (alpha, beta and out of one length). */
  evaluate(
    plane: PlaneBasis,
    alpha: Float64Array,
    beta: Float64Array,
    out: Float64Array,
  ): void | Promise<void>;
}

/** The CPU evaluator: builds each theta and calls objective.value. */
export function cpuEvaluator(objective: Objective): PlaneEvaluator {
  let theta = new Float64Array(0);
  return {
    evaluate(plane, alpha, beta, out) {
      const { center, d1, d2 } = plane;
      if (center.length !== objective.dim) {
        throw new RangeError(
          `the plane lives in R^${center.length}, but the objective has dim = ${objective.dim}`,
        );
      }
      if (beta.length !== alpha.length || out.length !== alpha.length) {
        throw new RangeError(
          `alpha, beta and out must have one length; got ${alpha.length}, ${beta.length}, ${out.length}`,
        );
      }
      if (theta.length !== center.length) theta = new Float64Array(center.length);
      for (let k = 0; k < alpha.length; k++) {
        const a = alpha[k];
        const b = beta[k];
        for (let i = 0; i < theta.length; i++) theta[i] = center[i] + a * d1[i] + b * d2[i];
        out[k] = objective.value(theta);
      }
    },
  };
}

/**
 * The evaluator for a source: an Objective (it has dim, value and valueAndGradient) gets the CPU evaluator, even when
 * it also happens to have a method named `evaluate` (as ModelObjective does, privately); anything else must be a
 * PlaneEvaluator.
 */
export function asPlaneEvaluator(source: Objective | PlaneEvaluator): PlaneEvaluator {
  if (typeof source === "object" && source !== null) {
    if ("dim" in source && "value" in source && "valueAndGradient" in source) return cpuEvaluator(source);
    if ("evaluate" in source && typeof source.evaluate === "function") return source;
  }
  throw new TypeError("expected an Objective (dim, value, valueAndGradient) or a PlaneEvaluator (evaluate)");
}

/** `count` evenly spaced values from `min` to `max` (both included). */
export interface GridAxis {
  min: number;
  max: number;
  count: number;
}

export interface GridProgress {
  rowsDone: number;
  rows: number;
}

export interface GridOptions {
  /** alpha, the coordinate along d1 (the payload's x). */
  x: GridAxis;
  /** beta, the coordinate along d2 (the payload's y). */
  y: GridAxis;
  /** Rows per evaluator call (default 1). */
  rowsPerBatch?: number;
  /** Stops the computation between batches when aborted. */
  signal?: AbortSignal;
  /** Called after every batch; returning false stops the computation. */
  onProgress?: (progress: GridProgress) => boolean | void;
}

export interface LossGrid {
  x: number[];
  /** The rows evaluated (all of the requested y when `complete`). */
  y: number[];
  /** loss[j][i] = f at (x[i], y[j]); null where f is not finite. */
  loss: (number | null)[][];
  /** False when the computation was stopped early; `y` and `loss` then hold the rows done. */
  complete: boolean;
  /** The number of rows requested. */
  plannedRows: number;
}

export function axisValues(name: string, axis: GridAxis): number[] {
  const { min, max, count } = axis;
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(min < max)) {
    throw new RangeError(`grid ${name}: expected finite min < max, got min = ${min}, max = ${max}`);
  }
  if (!Number.isInteger(count) || count < 2) {
    throw new RangeError(`grid ${name}: count must be an integer >= 2, got ${count}`);
  }
  return Array.from({ length: count }, (_, i) =>
    i === count - 1 ? max : min + ((max - min) * i) / (count - 1),
  );
}

/** How long one evaluation of grid points may run before the next sees the event loop (an interrupt), in ms. */
const SLICE_MS = 200;

/** The loss over the grid of `options.x` x `options.y` on `plane`, row by row (rows follow y, as in the payload). */
export async function computeGrid(
  source: Objective | PlaneEvaluator,
  plane: PlaneBasis,
  options: GridOptions,
): Promise<LossGrid> {
  const evaluator = asPlaneEvaluator(source);
  requireVector("the plane's center", plane.center, plane.center.length);
  requireVector("d1", plane.d1, plane.center.length);
  requireVector("d2", plane.d2, plane.center.length);
  const x = axisValues("x", options.x);
  const yPlanned = axisValues("y", options.y);
  const rowsPerBatch = options.rowsPerBatch ?? 1;
  if (!Number.isInteger(rowsPerBatch) || rowsPerBatch < 1) {
    throw new RangeError(`rowsPerBatch must be a positive integer, got ${rowsPerBatch}`);
  }
  const grid: LossGrid = { x, y: [], loss: [], complete: false, plannedRows: yPlanned.length };
  const pace = { slice: 1 };
  for (let start = 0; start < yPlanned.length; start += rowsPerBatch) {
    if (options.signal?.aborted) break;
    const rows = yPlanned.slice(start, start + rowsPerBatch);
    const alpha = new Float64Array(rows.length * x.length);
    const beta = new Float64Array(rows.length * x.length);
    rows.forEach((b, r) => {
      alpha.set(x, r * x.length);
      beta.fill(b, r * x.length, (r + 1) * x.length);
    });
    const out = new Float64Array(alpha.length);
    const done = await evaluateInSlices(evaluator, plane, alpha, beta, out, options.signal, pace);
    if (done < out.length) break; // a batch cut short by an abort is not kept
    rows.forEach((b, r) => {
      grid.y.push(b);
      grid.loss.push(Array.from(out.subarray(r * x.length, (r + 1) * x.length), finiteOrNull));
    });
    const keepGoing = options.onProgress?.({ rowsDone: grid.y.length, rows: yPlanned.length });
    if (keepGoing === false) break;
    if (grid.y.length < yPlanned.length) await yieldToEventLoop();
  }
  grid.complete = grid.y.length === yPlanned.length;
  return grid;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/**
 * Evaluates f at the plane points (alpha_k, beta_k) into `out` a slice at a time, each slice sized from the last
 * to take about SLICE_MS (one point first, then whole batches of rows while points are quick, as for test
 * functions, a few points when they are slow, as for a network), and lets the event loop run between slices, so
 * that an interrupt is seen within about SLICE_MS. Stops when `signal` is aborted; returns how many points were
 * evaluated. `pace` carries the slice size from one call to the next.
 */
export async function evaluateInSlices(
  evaluator: PlaneEvaluator,
  plane: PlaneBasis,
  alpha: Float64Array,
  beta: Float64Array,
  out: Float64Array,
  signal: AbortSignal | undefined,
  pace: { slice: number } = { slice: 1 },
): Promise<number> {
  let from = 0;
  while (from < out.length && !signal?.aborted) {
    const to = Math.min(out.length, from + pace.slice);
    const began = performance.now();
    await evaluator.evaluate(
      plane,
      alpha.subarray(from, to),
      beta.subarray(from, to),
      out.subarray(from, to),
    );
    const elapsed = performance.now() - began;
    pace.slice = Math.max(1, Math.floor(((to - from) * SLICE_MS) / Math.max(elapsed, 1e-3)));
    from = to;
    if (from < out.length) await yieldToEventLoop();
  }
  return from;
}

/** Lets timers, I/O and signal handlers run before the next batch. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface AxesAroundOptions {
  /** Grid points per axis: one count for both, or [x count, y count]. */
  count: number | readonly [number, number];
  /** Extra room on each side, as a fraction of the covered span (default 0.25). */
  margin?: number;
}

/**
 * Grid axes holding the plane's origin (theta*) and every point of the given paths, with a margin on each side;
 * when every point is at the origin, the axes run from -1 to 1. NaN coordinates are ignored.
 */
export function axesAround(
  paths: readonly { readonly x: readonly number[]; readonly y: readonly number[] }[],
  options: AxesAroundOptions,
): { x: GridAxis; y: GridAxis } {
  const margin = options.margin ?? 0.25;
  if (!(margin >= 0) || !Number.isFinite(margin)) throw new RangeError(`margin must be >= 0, got ${margin}`);
  const [xCount, yCount] = typeof options.count === "number" ? [options.count, options.count] : options.count;
  const axis = (
    coordinates: (path: (typeof paths)[number]) => readonly number[],
    count: number,
  ): GridAxis => {
    let low = 0;
    let high = 0;
    for (const path of paths) {
      for (const v of coordinates(path)) {
        if (v < low) low = v;
        if (v > high) high = v;
      }
    }
    const room = high > low ? margin * (high - low) : 1;
    return { min: low - room, max: high + room, count };
  };
  const x = axis((path) => path.x, xCount);
  const y = axis((path) => path.y, yCount);
  axisValues("x", x);
  axisValues("y", y);
  return { x, y };
}
