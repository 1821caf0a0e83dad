import { describe, expect, it } from "vitest";
import { mghProblems, type MghProblem } from "@deltalab/core";

/** Points at which to compare J with finite differences: the start and two perturbations of it. */
function probePoints(p: MghProblem): Float64Array[] {
  const shifted = (scale: number) =>
    Float64Array.from(p.start, (v, j) => v + scale * (1 + Math.abs(v)) * Math.sin(1.3 * j + 0.7));
  return [p.start, shifted(0.05), shifted(-0.1)];
}

describe("More-Garbow-Hillstrom problems", () => {
  const problems = mghProblems();

  it("holds the paper's problems 1-35 with Watson at n = 6 and 9", () => {
    expect(new Set(problems.map((p) => p.number)).size).toBe(35);
    expect(problems.filter((p) => p.number === 20).map((p) => p.dim)).toEqual([6, 9]);
  });

  for (const p of problems) {
    it(`${p.number} ${p.name}: the Jacobian matches central differences of the residuals`, () => {
      const m = p.residualCount;
      const n = p.dim;
      const J = new Float64Array(m * n);
      const rp = new Float64Array(m);
      const rm = new Float64Array(m);
      for (const x of probePoints(p)) {
        p.jacobian(x, J);
        for (let j = 0; j < n; j++) {
          const h = 1e-6 * Math.max(1, Math.abs(x[j]));
          const xp = Float64Array.from(x);
          const xm = Float64Array.from(x);
          xp[j] += h;
          xm[j] -= h;
          p.residuals(xp, rp);
          p.residuals(xm, rm);
          for (let i = 0; i < m; i++) {
            const fd = (rp[i] - rm[i]) / (2 * h);
            // Truncation error plus the rounding error of differencing residuals of size |r|.
            const rounding = (1e-13 * Math.max(Math.abs(rp[i]), Math.abs(rm[i]))) / h;
            const tolerance = 1e-5 * Math.max(1, Math.abs(fd)) + rounding;
            expect(Math.abs(J[i * n + j] - fd), `J[${i}][${j}]`).toBeLessThan(tolerance);
          }
        }
      }
    });

    it(`${p.number} ${p.name}: value, gradient and J products agree with r and J`, () => {
      const m = p.residualCount;
      const n = p.dim;
      const x = probePoints(p)[1];
      const r = new Float64Array(m);
      const J = new Float64Array(m * n);
      p.residuals(x, r);
      p.jacobian(x, J);
      const g = new Float64Array(n);
      const f = p.valueAndGradient(x, g);
      expect(f).toBeCloseTo(0.5 * r.reduce((s, v) => s + v * v, 0), 10);
      const v = Float64Array.from({ length: n }, (_, j) => Math.cos(j));
      const Jv = new Float64Array(m);
      const JTr = new Float64Array(n);
      p.jacobianTimes(x, v, Jv);
      p.jacobianTransposeTimes(x, r, JTr);
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += J[i * n + j] * v[j];
        expect(Jv[i]).toBeCloseTo(s, 8);
      }
      for (let j = 0; j < n; j++) expect(JTr[j]).toBeCloseTo(g[j], 8);
    });
  }

  for (const p of problems.filter((q) => q.minimizer !== undefined)) {
    it(`${p.number} ${p.name}: f at the published minimizer is the published minimum / 2`, () => {
      const f = p.value(p.minimizer!);
      expect(Math.abs(f - p.minimum)).toBeLessThanOrEqual(1e-10 * Math.max(1, p.minimum));
    });
  }
});
