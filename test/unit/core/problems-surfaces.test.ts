import { describe, expect, it } from "vitest";
import { conditionedQuadratic, surfaces, type TestSurface } from "@deltalab/core";

function centralDifference(p: TestSurface, x: Float64Array, i: number, h = 1e-6): number {
  const xp = Float64Array.from(x);
  const xm = Float64Array.from(x);
  xp[i] += h;
  xm[i] -= h;
  return (p.value(xp) - p.value(xm)) / (2 * h);
}

describe("picture surfaces", () => {
  for (const p of surfaces()) {
    it(`${p.name}: the gradient matches central differences`, () => {
      for (const point of [p.start, Float64Array.from([0.3, -0.7]), Float64Array.from([-1.1, 0.9])]) {
        const g = new Float64Array(2);
        const f = p.valueAndGradient(point, g);
        expect(f).toBe(p.value(point));
        for (let i = 0; i < 2; i++) {
          const fd = centralDifference(p, point, i);
          expect(Math.abs(g[i] - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
        }
      }
    });

    it(`${p.name}: each listed minimizer is stationary with the listed minimum`, () => {
      for (const m of p.minimizers) {
        const g = new Float64Array(2);
        expect(p.valueAndGradient(m, g)).toBeCloseTo(p.minimum, 11);
        expect(Math.hypot(g[0], g[1])).toBeLessThan(1e-9);
      }
    });
  }

  it("the quadratic has the requested condition number", () => {
    // Eigenvalues of the Hessian from its gradient's columns: trace and determinant of A.
    const q = conditionedQuadratic(40, 0.4);
    const g1 = new Float64Array(2);
    const g2 = new Float64Array(2);
    q.valueAndGradient(Float64Array.from([1, 0]), g1);
    q.valueAndGradient(Float64Array.from([0, 1]), g2);
    const trace = g1[0] + g2[1];
    const det = g1[0] * g2[1] - g1[1] * g2[0];
    const disc = Math.sqrt(trace * trace - 4 * det);
    expect((trace + disc) / (trace - disc)).toBeCloseTo(40, 10);
    expect(() => conditionedQuadratic(0.5)).toThrow(/condition number/);
  });
});
