/**
 * The loss along the line through two solutions (Goodfellow, Vinyals, Saxe, "Qualitatively Characterizing Neural
 * Network Optimization Problems", 2015): f((1 - t) theta_a + t theta_b) = f(theta_a + t (theta_b - theta_a)),
 * t = 0 at theta_a and t = 1 at theta_b; t outside [0, 1] extrapolates past either end.
 */
import type { Objective } from "../objective";
import { asPlaneEvaluator, axisValues, yieldToEventLoop, type PlaneEvaluator } from "./grid";
import { requireVector } from "./vectors";

export interface InterpolationOptions {
  /** First t (default 0). */
  from?: number;
  /** Last t (default 1). */
  to?: number;
  /** Number of evenly spaced t values, ends included (default 51). */
  count?: number;
  /** Points per evaluator call (default 16). */
  pointsPerBatch?: number;
  signal?: AbortSignal;
  /** Called after every batch; returning false stops. */
  onProgress?: (progress: { pointsDone: number; points: number }) => boolean | void;
}

export interface LineProfile {
  /** The t values evaluated. */
  t: number[];
  /** f at each t; null where f is not finite. */
  loss: (number | null)[];
  /** False when stopped early; t and loss then hold the points done. */
  complete: boolean;
}

/** f((1 - t) theta_a + t theta_b) at `count` evenly spaced t from `from` to `to`. */
export async function interpolateLine(
  source: Objective | PlaneEvaluator,
  thetaA: Float64Array,
  thetaB: Float64Array,
  options: InterpolationOptions = {},
): Promise<LineProfile> {
  requireVector("theta_a", thetaA, thetaA.length);
  requireVector("theta_b", thetaB, thetaA.length);
  const evaluator = asPlaneEvaluator(source);
  const t = axisValues("t", { min: options.from ?? 0, max: options.to ?? 1, count: options.count ?? 51 });
  const perBatch = options.pointsPerBatch ?? 16;
  if (!Number.isInteger(perBatch) || perBatch < 1) {
    throw new RangeError(`pointsPerBatch must be a positive integer, got ${perBatch}`);
  }
  const d1 = thetaB.map((b, i) => b - thetaA[i]);
  if (d1.every((v) => v === 0))
    throw new RangeError("theta_a and theta_b are the same point: there is no line");
  const line = { center: thetaA, d1, d2: new Float64Array(thetaA.length) };

  const profile: LineProfile = { t: [], loss: [], complete: false };
  for (let start = 0; start < t.length; start += perBatch) {
    if (options.signal?.aborted) break;
    const alpha = Float64Array.from(t.slice(start, start + perBatch));
    const out = new Float64Array(alpha.length);
    await evaluator.evaluate(line, alpha, new Float64Array(alpha.length), out);
    alpha.forEach((value, k) => {
      profile.t.push(value);
      profile.loss.push(Number.isFinite(out[k]) ? out[k] : null);
    });
    if (options.onProgress?.({ pointsDone: profile.t.length, points: t.length }) === false) break;
    if (profile.t.length < t.length) await yieldToEventLoop();
  }
  profile.complete = profile.t.length === t.length;
  return profile;
}
