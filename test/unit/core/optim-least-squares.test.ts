import { describe, expect, it } from "vitest";
import {
  levenbergMarquardt,
  linearFullRank,
  mghProblems,
  newtonCg,
  rosenbrockMgh,
  runMethod,
  type MghProblem,
  type OptimizationResult,
} from "@deltalab/core";

/** f reached the paper's best minimum or one of the local minima it lists (halved for our f), within 1e-4. */
function reachesPublished(p: MghProblem, r: OptimizationResult): boolean {
  const targets = [p.minimum, ...p.publishedLocalMinima.map((v) => v / 2)];
  return targets.some((t) => Math.abs(r.f - t) <= 1e-4 * t + 1e-10);
}

describe("Levenberg-Marquardt", () => {
  for (const p of mghProblems()) {
    it(`reaches a published minimum of MGH ${p.number} ${p.name}`, () => {
      const r = runMethod(p, p.start, levenbergMarquardt(), { maxIterations: 2000, trajectoryEvery: 0 });
      expect(reachesPublished(p, r), `f = ${r.f}, ${r.message}`).toBe(true);
    });
  }

  it("solves a linear least-squares problem in one step", () => {
    const p = linearFullRank(5, 8);
    const r = runMethod(p, p.start, levenbergMarquardt({ initialDamping: 1e-12 }), {
      gradientTolerance: 1e-10,
    });
    expect(r.iterations).toBeLessThanOrEqual(2);
    expect(r.f).toBeCloseTo(p.minimum, 10);
  });

  it("counts residual evaluations as function and Jacobian evaluations as gradient evaluations", () => {
    const p = rosenbrockMgh();
    const r = runMethod(p, p.start, levenbergMarquardt());
    // One Jacobian at x0 and one per accepted step; one residual vector at x0 and one per trial step.
    expect(r.gradientEvaluations).toBe(r.iterations + 1);
    expect(r.functionEvaluations).toBeGreaterThanOrEqual(r.iterations + 1);
  });

  it("handles zero Jacobian columns through the truncated pseudo-inverse in both precisions", () => {
    // MGH 34: columns 1 and n of J vanish, so J^T J + lambda diag(J^T J) is singular (Hedberg section 4.2).
    const p = mghProblems().find((q) => q.number === 34)!;
    for (const precision of ["float64", "float32"] as const) {
      const r = runMethod(p, p.start, levenbergMarquardt({ precision }));
      expect(r.x[0], precision).toBe(p.start[0]);
      expect(r.f, precision).toBeCloseTo(p.minimum, 8);
    }
  });

  it("refuses an objective without residuals", () => {
    const plain = { dim: 2, value: () => 0, valueAndGradient: () => 0 };
    expect(() => runMethod(plain, new Float64Array(2), levenbergMarquardt())).toThrow(
      /needs a LeastSquaresObjective/,
    );
  });
});

describe("Newton-CG with Gauss-Newton products", () => {
  const zeroResidual = mghProblems().filter((p) => [1, 7, 12, 14, 21, 25, 28, 29, 30, 31].includes(p.number));
  for (const p of zeroResidual) {
    it(`reaches the zero-residual minimum of MGH ${p.number} ${p.name}`, () => {
      const r = runMethod(p, p.start, newtonCg(), { maxIterations: 500, trajectoryEvery: 0 });
      expect(r.f, r.message).toBeLessThan(1e-10);
    });
  }

  it("still converges with half of the residuals in each Gauss-Newton subsample", () => {
    const p = mghProblems().find((q) => q.number === 30)!;
    const r = runMethod(p, p.start, newtonCg({ sampleFraction: 0.5, seed: 3 }), { maxIterations: 500 });
    expect(r.converged, r.message).toBe(true);
    expect(r.f).toBeLessThan(1e-10);
  });

  it("takes full Newton steps on a linear least-squares problem once lambda has shrunk", () => {
    // With exact curvature rho = 1 every step, so lambda drops by 2/3 each iteration and steps approach Gauss-Newton.
    const p = linearFullRank(5, 8);
    const r = runMethod(p, p.start, newtonCg({ initialDamping: 1e-8, cgTolerance: 1e-12 }), {
      gradientTolerance: 1e-9,
    });
    expect(r.iterations).toBeLessThanOrEqual(2);
    expect(r.f).toBeCloseTo(p.minimum, 10);
  });
});
