/**
 * The principal directions of an optimizer's path (Li, Xu, Taylor, Studer, Goldstein 2018, sec. 7): the plane
 * that best holds the iterates theta_0..theta_T, drawn through the end point.
 *
 * Li et al. take the PCA of M = [theta_0 - theta_T; ...; theta_{T-1} - theta_T]; PCA centres the rows, which removes
 * the end point again, so this is the PCA of the centred iterates X = [theta_0 - mean; ...; theta_T - mean] (here
 * with theta_T among the rows). Variance of component k: lambda_k = sigma_k^2, the k-th eigenvalue of the Gram
 * matrix G = X X^T ((T+1) x (T+1)), which has the nonzero spectrum of X^T X (n x n) and is the small side for a
 * network; explained variance lambda_k / trace(G), with trace(G) = ||X||_F^2.
 *
 * G is formed once, by GEMM over chunks of coordinates ((T+1)^2 n multiply-adds, the bulk of the work); its top
 * eigenpairs come from block subspace (orthogonal) iteration with Rayleigh-Ritz (Golub and Van Loan, "Matrix
 * Computations", ch. 8), each sweep costing (T+1)^2 p for a block of p vectors. A path of at most p iterates is
 * handled exactly in one sweep (the block is then the whole space). For a network, keep T in the hundreds (record
 * every k-th iterate: the drivers' `trajectoryEvery`).
 */
import { SeededRandom } from "../data/random";
import type { TrajectoryPoint } from "../optim/result";
import { gemm } from "../matrix/gemm";
import { symmetricEigen } from "../optim/linalg";
import { landscapePlane, type LandscapePlane } from "./directions";
import { norm, requireVector } from "./vectors";

/** A path as iterates, or as an optimizer's recorded trajectory (OptimizationResult.trajectory). */
export type PathIterates = readonly Float64Array[] | readonly TrajectoryPoint[];

export function iteratesOf(path: PathIterates): Float64Array[] {
  return path.map((point: Float64Array | TrajectoryPoint) =>
    point instanceof Float64Array ? point : point.x,
  );
}

export interface PathPca {
  /** The mean iterate. */
  mean: Float64Array;
  /**
   * The first two principal directions (unit vectors), each oriented so that the path moves along it:
   * (theta_T - theta_0) . u >= 0.
   */
  directions: [Float64Array, Float64Array];
  /** lambda_1, lambda_2: the sums of squares of the centred iterates along each direction. */
  variances: [number, number];
  /** lambda_k / trace(G), in 0..1; they sum to 1 when the path lies in a two-dimensional affine plane. */
  explainedVariance: [number, number];
  /** Whether the Ritz pairs met the tolerance within the sweep budget. */
  converged: boolean;
}

export interface PathPcaOptions {
  /** Block size p of the subspace iteration (default 8; at least 2). */
  blockSize?: number;
  /** Stop when ||G y_k - lambda_k y_k|| <= tolerance * lambda_1 for k = 1, 2 (default 1e-10). */
  tolerance?: number;
  /** Sweep budget (default 5000). */
  maxSweeps?: number;
}

/** The top two principal directions of a path and the share of its variance each explains. */
export function pathPca(path: PathIterates, options: PathPcaOptions = {}): PathPca {
  const iterates = iteratesOf(path);
  const count = iterates.length;
  if (count < 3) throw new RangeError(`PCA of a path needs at least 3 iterates, got ${count}`);
  const n = iterates[0].length;
  iterates.forEach((x, t) => requireVector(`iterate ${t}`, x, n));
  const p = Math.min(count, options.blockSize ?? 8);
  if (!Number.isInteger(p) || p < 2)
    throw new RangeError(`blockSize must be an integer >= 2, got ${options.blockSize}`);
  const tolerance = options.tolerance ?? 1e-10;
  const maxSweeps = options.maxSweeps ?? 5000;

  const mean = new Float64Array(n);
  for (const x of iterates) for (let j = 0; j < n; j++) mean[j] += x[j] / count;
  let trace = 0;
  for (const x of iterates) for (let j = 0; j < n; j++) trace += (x[j] - mean[j]) ** 2;
  if (!(trace > 0))
    throw new RangeError("every iterate of the path is the same point: it has no principal directions");

  const g = centredGram(iterates, mean);
  const random = new SeededRandom(0x5ca1ab1e);
  let q = initialBlock(count, p, random);
  let y: Float64Array = new Float64Array(0);
  let eig = symmetricEigen(new Float64Array(p * p), p);
  let converged = false;
  for (let sweep = 0; sweep < maxSweeps && !converged; sweep++) {
    y = q;
    const z = gramTimes(g, q, count, p);
    eig = symmetricEigen(projected(q, z, count, p), p);
    converged =
      ritzResidual(q, z, eig.values, eig.vectors, count, p, 0) <= tolerance * eig.values[0] &&
      ritzResidual(q, z, eig.values, eig.vectors, count, p, 1) <= tolerance * eig.values[0];
    if (!converged) q = orthonormalized(z, count, p, random);
  }
  if (!(eig.values[1] > 1e-24 * trace)) {
    throw new RangeError("the path lies on a straight line: its second principal direction is undefined");
  }

  // u_k = X^T y_k / ||X^T y_k||, with y_k = Q s_k the k-th Ritz vector of G.
  const first = iterates[0];
  const last = iterates[count - 1];
  const directions = [0, 1].map((k) => {
    const u = new Float64Array(n);
    iterates.forEach((x, t) => {
      let weight = 0;
      for (let c = 0; c < p; c++) weight += y[t * p + c] * eig.vectors[c * p + k];
      for (let j = 0; j < n; j++) u[j] += weight * (x[j] - mean[j]);
    });
    const length = norm(u);
    let travel = 0;
    for (let j = 0; j < n; j++) u[j] /= length;
    for (let j = 0; j < n; j++) travel += (last[j] - first[j]) * u[j];
    if (travel < 0) for (let j = 0; j < n; j++) u[j] = -u[j];
    return u;
  }) as [Float64Array, Float64Array];
  const variances: [number, number] = [eig.values[0], eig.values[1]];
  return {
    mean,
    directions,
    variances,
    explainedVariance: [Math.min(1, variances[0] / trace), Math.min(1, variances[1] / trace)],
    converged,
  };
}

export interface PcaPlaneOptions extends PathPcaOptions {
  /** The plane's center; default the last iterate (Li et al. 2018, sec. 7). */
  center?: Float64Array;
}

/** The plane of the path's two principal directions through its end point (or `center`). */
export function pcaPlane(
  path: PathIterates,
  options: PcaPlaneOptions = {},
): LandscapePlane & { pca: PathPca } {
  const pca = pathPca(path, options);
  const iterates = iteratesOf(path);
  if (options.center) requireVector("center", options.center, pca.mean.length);
  const center = Float64Array.from(options.center ?? iterates[iterates.length - 1]);
  const [d1, d2] = pca.directions;
  const plane = landscapePlane(
    center,
    d1,
    d2,
    "pca",
    { label: "PC1", explainedVariance: pca.explainedVariance[0] },
    { label: "PC2", explainedVariance: pca.explainedVariance[1] },
  );
  return { ...plane, pca };
}

const GRAM_CHUNK = 512;

/**
 * G = X X^T for the centred iterates, accumulated over chunks of coordinates so that only a (T+1) x 512 block of X
 * is held at a time: one GEMM per chunk, (T+1)^2 n multiply-adds in all, once.
 */
function centredGram(iterates: Float64Array[], mean: Float64Array): Float64Array {
  const rows = iterates.length;
  const n = mean.length;
  const g = new Float64Array(rows * rows);
  const block = new Float64Array(rows * GRAM_CHUNK);
  for (let from = 0; from < n; from += GRAM_CHUNK) {
    const width = Math.min(GRAM_CHUNK, n - from);
    iterates.forEach((x, t) => {
      for (let j = 0; j < width; j++) block[t * GRAM_CHUNK + j] = x[from + j] - mean[from + j];
    });
    gemm(false, true, rows, rows, width, 1, block, GRAM_CHUNK, block, GRAM_CHUNK, 1, g, rows);
  }
  return g;
}

/** Z = G Q ((T+1) x p). */
function gramTimes(g: Float64Array, q: Float64Array, rows: number, p: number): Float64Array {
  const z = new Float64Array(rows * p);
  for (let t = 0; t < rows; t++) {
    for (let s = 0; s < rows; s++) {
      const gts = g[t * rows + s];
      for (let c = 0; c < p; c++) z[t * p + c] += gts * q[s * p + c];
    }
  }
  return z;
}

/** H = Q^T Z = Q^T G Q (p x p), symmetrized against rounding. */
function projected(q: Float64Array, z: Float64Array, rows: number, p: number): Float64Array {
  const h = new Float64Array(p * p);
  for (let a = 0; a < p; a++) {
    for (let b = 0; b < p; b++) {
      let sum = 0;
      for (let t = 0; t < rows; t++) sum += q[t * p + a] * z[t * p + b];
      h[a * p + b] = sum;
    }
  }
  for (let a = 0; a < p; a++) {
    for (let b = a + 1; b < p; b++) h[a * p + b] = h[b * p + a] = (h[a * p + b] + h[b * p + a]) / 2;
  }
  return h;
}

/** ||G y_k - lambda_k y_k|| for the Ritz vector y_k = Q s_k, using G Q = Z. */
function ritzResidual(
  q: Float64Array,
  z: Float64Array,
  values: Float64Array,
  vectors: Float64Array,
  rows: number,
  p: number,
  k: number,
): number {
  let sum = 0;
  for (let t = 0; t < rows; t++) {
    let r = 0;
    for (let c = 0; c < p; c++) r += (z[t * p + c] - values[k] * q[t * p + c]) * vectors[c * p + k];
    sum += r * r;
  }
  return Math.sqrt(sum);
}

/** The identity's first p columns when p = rows (exact in one sweep); otherwise random orthonormal columns. */
function initialBlock(rows: number, p: number, random: SeededRandom): Float64Array {
  if (rows === p) {
    const q = new Float64Array(rows * p);
    for (let c = 0; c < p; c++) q[c * p + c] = 1;
    return q;
  }
  const q = new Float64Array(rows * p);
  for (let i = 0; i < q.length; i++) q[i] = random.nextNormal();
  return orthonormalized(q, rows, p, random);
}

/**
 * Orthonormal columns spanning the columns of `a` (modified Gram-Schmidt, applied twice). A column that vanishes
 * (G has rank below p) is replaced by a random one, orthogonalized the same way.
 */
function orthonormalized(a: Float64Array, rows: number, p: number, random: SeededRandom): Float64Array {
  const q = Float64Array.from(a);
  const column = new Float64Array(rows);
  for (let c = 0; c < p; c++) {
    for (let attempt = 0; ; attempt++) {
      for (let t = 0; t < rows; t++) column[t] = q[t * p + c];
      const before = norm(column);
      for (let pass = 0; pass < 2; pass++) {
        for (let b = 0; b < c; b++) {
          let projection = 0;
          for (let t = 0; t < rows; t++) projection += q[t * p + b] * column[t];
          for (let t = 0; t < rows; t++) column[t] -= projection * q[t * p + b];
        }
      }
      const after = norm(column);
      if (after > 1e-10 * before && after > 0) {
        for (let t = 0; t < rows; t++) q[t * p + c] = column[t] / after;
        break;
      }
      if (attempt > 10) throw new Error("could not complete an orthonormal block (rows < block size)");
      for (let t = 0; t < rows; t++) q[t * p + c] = random.nextNormal();
    }
  }
  return q;
}
