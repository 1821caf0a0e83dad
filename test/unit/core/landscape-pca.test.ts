import { pathPca, pcaPlane, projectOntoPlane, SeededRandom } from "@deltalab/core";
import { describe, expect, it } from "vitest";

function gaussian(n: number, random: SeededRandom): Float64Array {
  return Float64Array.from({ length: n }, () => random.nextNormal());
}

/** theta_t = c + a_t u + b_t v in R^10, u and v neither orthogonal nor unit: a path in a known 2-D affine plane. */
function planarPath(count: number, seed: number) {
  const random = new SeededRandom(seed);
  const c = gaussian(10, random);
  const u = gaussian(10, random);
  const v = gaussian(10, random);
  const path = Array.from({ length: count }, (_, t) => {
    const s = t / (count - 1);
    const a = 3 * (1 - s) * Math.cos(4 * s);
    const b = 2 * (1 - s) * Math.sin(5 * s);
    return c.map((ci, i) => ci + a * u[i] + b * v[i]);
  });
  return { c, u, v, path };
}

/** Top-two eigenpairs of the covariance X^T X by power iteration with deflation (a second implementation). */
function powerTopTwo(path: Float64Array[]): { vectors: Float64Array[]; values: number[]; trace: number } {
  const n = path[0].length;
  const mean = new Float64Array(n);
  for (const x of path) x.forEach((v, i) => (mean[i] += v / path.length));
  const rows = path.map((x) => x.map((v, i) => v - mean[i]));
  const cov = new Float64Array(n * n);
  for (const r of rows) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) cov[i * n + j] += r[i] * r[j];
  const trace = Array.from({ length: n }, (_, i) => cov[i * n + i]).reduce((s, v) => s + v, 0);
  const vectors: Float64Array[] = [];
  const values: number[] = [];
  for (let k = 0; k < 2; k++) {
    let q = Float64Array.from({ length: n }, (_, i) => 1 + i * 0.37);
    let lambda = 0;
    for (let it = 0; it < 5000; it++) {
      const next = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) next[i] += cov[i * n + j] * q[j];
      lambda = Math.hypot(...next);
      q = next.map((v) => v / lambda);
    }
    vectors.push(q);
    values.push(lambda);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) cov[i * n + j] -= lambda * q[i] * q[j];
  }
  return { vectors, values, trace };
}

function dot(a: Float64Array, b: Float64Array): number {
  return a.reduce((s, v, i) => s + v * b[i], 0);
}

describe("PCA of a path", () => {
  for (const count of [6, 40]) {
    it(`reproduces a path of ${count} iterates lying in a 2-D plane of R^10 with zero residual`, () => {
      const { c, u, v, path } = planarPath(count, 17 + count);
      const plane = pcaPlane(path);
      for (const theta of path) expect(projectOntoPlane(plane, theta).distance).toBeLessThan(1e-12);
      // The generating directions lie in the plane too.
      for (const w of [u, v]) {
        const tip = c.map((ci, i) => ci + w[i]);
        expect(projectOntoPlane(plane, tip).distance).toBeLessThan(1e-12);
      }
      const [e1, e2] = plane.pca.explainedVariance;
      expect(e1 + e2).toBeCloseTo(1, 12);
      expect(e1).toBeGreaterThanOrEqual(e2);
    });
  }

  it("finds the top two eigenvectors and variance shares of a full-rank path", () => {
    const random = new SeededRandom(5);
    const scales = [5, 3, 1, 0.5, 0.4, 0.3, 0.2, 0.1];
    const path = Array.from({ length: 30 }, () => Float64Array.from(scales, (s) => s * random.nextNormal()));
    const reference = powerTopTwo(path);
    const pca = pathPca(path);
    expect(pca.converged).toBe(true);
    for (let k = 0; k < 2; k++) {
      expect(Math.abs(dot(pca.directions[k], reference.vectors[k]))).toBeCloseTo(1, 10);
      expect(pca.variances[k]).toBeCloseTo(reference.values[k], 8);
      expect(pca.explainedVariance[k]).toBeCloseTo(reference.values[k] / reference.trace, 10);
    }
    expect(dot(pca.directions[0], pca.directions[1])).toBeCloseTo(0, 12);
  });

  it("centres the plane at the last iterate and orients each direction along the travel", () => {
    const { path } = planarPath(12, 3);
    const plane = pcaPlane(path);
    expect(Array.from(plane.center)).toEqual(Array.from(path[path.length - 1]));
    const travel = path[path.length - 1].map((v, i) => v - path[0][i]);
    expect(dot(travel, plane.d1)).toBeGreaterThanOrEqual(0);
    expect(dot(travel, plane.d2)).toBeGreaterThanOrEqual(0);
    expect(plane.kind).toBe("pca");
    expect(plane.x.explainedVariance).toBe(plane.pca.explainedVariance[0]);
  });

  it("accepts an optimizer's recorded trajectory", () => {
    const { path } = planarPath(8, 4);
    const fromPoints = pathPca(path.map((x, iteration) => ({ iteration, x, f: 0 })));
    expect(Array.from(fromPoints.directions[0])).toEqual(Array.from(pathPca(path).directions[0]));
  });

  it("refuses a path on a straight line, whose second direction is undefined", () => {
    const line = Array.from({ length: 5 }, (_, t) => Float64Array.from([t, 2 * t, 3]));
    expect(() => pathPca(line)).toThrow(/straight line/);
  });

  it("refuses a path of fewer than three iterates", () => {
    expect(() => pathPca([new Float64Array(3), Float64Array.from([1, 0, 0])])).toThrow(/at least 3 iterates/);
  });
});
