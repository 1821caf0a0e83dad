/**
 * Planes through a point theta* of parameter space: theta(alpha, beta) = theta* + alpha d1 + beta d2.
 *
 * Three ways to choose d1 and d2: two coordinates of theta (exact for a two-parameter objective), two random
 * Gaussian directions with filter normalization (Li, Xu, Taylor, Studer, Goldstein, "Visualizing the Loss Landscape
 * of Neural Nets", 2018, sec. 4), and the top principal components of an optimizer's path (same paper, sec. 7; in
 * pca.ts).
 */
import { SeededRandom } from "../data/random";
import type { DirectionKind, SurfaceDirection } from "../payloads";
import { groupIndices, validateGroups, wholeThetaGroup, type ThetaGroup } from "./groups";
import { norm, requireVector } from "./vectors";

/** A plane theta* + alpha d1 + beta d2 with what its directions are (axis labels, for the payload). */
export interface LandscapePlane {
  /** theta*, the point at alpha = beta = 0. */
  readonly center: Float64Array;
  readonly d1: Float64Array;
  readonly d2: Float64Array;
  readonly kind: DirectionKind;
  readonly x: SurfaceDirection;
  readonly y: SurfaceDirection;
}

/**
 * A plane from explicit directions, checked: all three vectors finite and of one length, d1 and d2 nonzero and not
 * parallel (they need not be orthogonal or of unit length).
 */
export function landscapePlane(
  center: Float64Array,
  d1: Float64Array,
  d2: Float64Array,
  kind: DirectionKind,
  x: SurfaceDirection,
  y: SurfaceDirection,
): LandscapePlane {
  if (!(center instanceof Float64Array) || center.length < 1) {
    throw new TypeError("the plane's center must be a non-empty Float64Array");
  }
  requireVector("center", center, center.length);
  requireVector("d1", d1, center.length);
  requireVector("d2", d2, center.length);
  const n1 = norm(d1);
  const n2 = norm(d2);
  if (n1 === 0) throw new RangeError("d1 is the zero vector; a plane needs two independent directions");
  if (n2 === 0) throw new RangeError("d2 is the zero vector; a plane needs two independent directions");
  let cosine = 0;
  for (let i = 0; i < d1.length; i++) cosine += (d1[i] / n1) * (d2[i] / n2);
  if (1 - Math.abs(cosine) < 1e-12) {
    throw new RangeError(
      `d1 and d2 are parallel (cosine ${cosine}); a plane needs two independent directions`,
    );
  }
  return { center, d1, d2, kind, x, y };
}

/**
 * The plane of coordinates i and j of theta through `center`: d1 = e_i, d2 = e_j. The grid's coordinates are then
 * offsets of theta_i and theta_j from the center. `labels` name the axes (default "theta[i]", "theta[j]"), e.g. after
 * the filter weights the indices point at.
 */
export function parameterPlane(
  center: Float64Array,
  i: number,
  j: number,
  labels: readonly [string, string] = [`theta[${i}]`, `theta[${j}]`],
): LandscapePlane {
  const n = center.length;
  requireIndex("i", i, n);
  requireIndex("j", j, n);
  if (i === j) throw new RangeError(`the two parameter indices must differ, got ${i} twice`);
  const d1 = new Float64Array(n);
  const d2 = new Float64Array(n);
  d1[i] = 1;
  d2[j] = 1;
  return landscapePlane(
    Float64Array.from(center),
    d1,
    d2,
    "parameters",
    { label: labels[0], parameterIndex: i },
    { label: labels[1], parameterIndex: j },
  );
}

function requireIndex(name: string, index: number, n: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw new RangeError(`parameter index ${name} = ${index} is outside 0..${n - 1}`);
  }
}

export interface FilterNormalizationOptions {
  /** Give bias groups a zero direction, so the plane moves only the other parameters (default true). */
  zeroBiases?: boolean;
}

/**
 * Filter normalization (Li et al. 2018, sec. 4): for every group g of theta, d_g <- d_g / ||d_g|| * ||theta_g||, in
 * place, so each block of the direction has the norm of its filter in theta. Bias groups are set to zero unless
 * `zeroBiases` is false. A group whose filter is zero gets a zero direction. The groups must cover theta exactly
 * once (validated).
 */
export function filterNormalize(
  direction: Float64Array,
  theta: Float64Array,
  groups: readonly ThetaGroup[],
  options: FilterNormalizationOptions = {},
): Float64Array {
  requireVector("theta", theta, theta.length);
  requireVector("direction", direction, theta.length);
  validateGroups(groups, theta.length);
  const covered = groups.reduce((sum, group) => sum + group.length, 0);
  if (covered !== theta.length) {
    throw new RangeError(
      `the parameter groups cover ${covered} of the ${theta.length} entries of theta; ` +
        "filter normalization needs every entry in exactly one group",
    );
  }
  const zeroBiases = options.zeroBiases ?? true;
  for (const group of groups) {
    const indices = groupIndices(group);
    if (zeroBiases && group.kind === "bias") {
      for (const i of indices) direction[i] = 0;
      continue;
    }
    let thetaSquared = 0;
    let directionSquared = 0;
    for (const i of indices) {
      thetaSquared += theta[i] * theta[i];
      directionSquared += direction[i] * direction[i];
    }
    const scale = directionSquared > 0 ? Math.sqrt(thetaSquared / directionSquared) : 0;
    for (const i of indices) direction[i] *= scale;
  }
  return direction;
}

export interface RandomPlaneOptions extends FilterNormalizationOptions {
  /** Seed of the Gaussian draws; the same seed gives the same plane. */
  seed: number;
  /** The filters of theta (see `modelThetaGroups`); default: one group holding all of theta. */
  groups?: readonly ThetaGroup[];
}

/**
 * Two random directions through `center`, each drawn from N(0, I) and filter-normalized against `center`
 * (Li et al. 2018, sec. 4). Without groups, each direction is rescaled as a whole to ||center||.
 */
export function randomFilterNormalizedPlane(
  center: Float64Array,
  options: RandomPlaneOptions,
): LandscapePlane {
  requireVector("center", center, center.length);
  const groups = options.groups ?? [wholeThetaGroup(center.length)];
  const random = new SeededRandom(options.seed);
  const draw = () => {
    const d = new Float64Array(center.length);
    for (let i = 0; i < d.length; i++) d[i] = random.nextNormal();
    const normalized = filterNormalize(d, center, groups, options);
    if (norm(normalized) === 0) {
      throw new RangeError(
        "every filter-normalized direction block is zero: theta is zero on every group that is not a zeroed bias, " +
          "so filter normalization leaves nothing to move (choose another center, or parameter directions)",
      );
    }
    return normalized;
  };
  const d1 = draw();
  const d2 = draw();
  return landscapePlane(
    Float64Array.from(center),
    d1,
    d2,
    "random-filter-normalized",
    { label: "d1 (random, filter-normalized)" },
    { label: "d2 (random, filter-normalized)" },
  );
}
