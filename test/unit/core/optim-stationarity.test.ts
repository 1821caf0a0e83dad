import { describe, expect, it } from "vitest";
import {
  brownDennis,
  lbfgs,
  levenbergMarquardt,
  powellSingular,
  quasiNewtonInitialStep,
  residualCosine,
  runMethod,
  strongWolfe,
  type LineFunction,
} from "@deltalab/core";

describe("Levenberg-Marquardt's scale-free stationarity test", () => {
  it("is the largest cosine between r and a column of J (worked by hand)", () => {
    // r = (3, 4), J = [[1, 0], [0, 2]]: J^T r = (3, 8), column norms 1 and 2, ||r|| = 5 -> cosines 3/5 and 8/10.
    expect(residualCosine(Float64Array.of(3, 4), Float64Array.of(1, 0, 0, 2), 2)).toBeCloseTo(0.8, 15);
    // a zero column is skipped, and r = 0 is stationary
    expect(residualCosine(Float64Array.of(3, 4), Float64Array.of(1, 0, 0, 0), 2)).toBeCloseTo(0.6, 15);
    expect(residualCosine(Float64Array.of(0, 0), Float64Array.of(1, 0, 0, 2), 2)).toBe(0);
  });

  it("does not stop on a small gradient short of a zero-residual minimum (Powell singular, f* = 0)", () => {
    // ||J^T r||_inf falls below 1e-5 near f = 1.5e-9; MINPACK's lm goes on to f ~ 1e-40 (its cosine test).
    const p = powellSingular();
    const r = runMethod(p, p.start, levenbergMarquardt(), { gradientTolerance: 1e-5, trajectoryEvery: 0 });
    expect(r.converged, r.message).toBe(true);
    expect(r.f).toBeLessThan(1e-10);
  });
});

describe("strong Wolfe search at the rounding level of phi(0)", () => {
  it("gives up after a few trials when the asked decrease is below phi(0)'s rounding", () => {
    // phi is 1e5 plus one unit in the last place (1.5e-11) wherever it is evaluated — rounding noise at a point
    // where f cannot fall measurably — and phi'(0) = -1e-12: alpha |phi'(0)| = 1e-12 at alpha = 1 is below 1e5's
    // rounding, so no trial can show sufficient decrease.
    let trials = 0;
    const noisy = 1e5 + 1.5e-11;
    const line: LineFunction = {
      phi: () => (trials++, noisy),
      phiAndDerivative: () => (trials++, { phi: noisy, dphi: -1e-12 }),
    };
    const result = strongWolfe().search(line, 1e5, -1e-12, 1);
    expect(result.success).toBe(false);
    expect(result.alpha).toBe(0);
    expect(trials).toBeLessThanOrEqual(2);
  });

  it("still shrinks the step while the decrease is measurable", () => {
    // phi(alpha) = (alpha - 1e-3)^2 - 1e-6: alpha = 1 fails sufficient decrease, the minimizer is at 1e-3.
    const line: LineFunction = {
      phi: (a) => (a - 1e-3) ** 2 - 1e-6,
      phiAndDerivative: (a) => ({ phi: (a - 1e-3) ** 2 - 1e-6, dphi: 2 * (a - 1e-3) }),
    };
    const result = strongWolfe().search(line, 0, -2e-3, 1);
    expect(result.success).toBe(true);
    expect(Math.abs(result.dphi)).toBeLessThanOrEqual(0.9 * 2e-3);
    expect(result.phi).toBeLessThan(0);
  });

  it("saves L-BFGS the wasted trials at a minimum it cannot improve (Brown-Dennis, f* = 85822.2/2)", () => {
    // At f = 85822 the last searches cannot lower f; before this test existed they spent about 40 trials failing.
    const p = brownDennis();
    const r = runMethod(p, p.start, lbfgs(), { gradientTolerance: 1e-7, trajectoryEvery: 0 });
    expect(Math.abs(r.f - p.minimum)).toBeLessThanOrEqual(1e-4 * p.minimum);
    expect(r.functionEvaluations - r.iterations).toBeLessThan(15);
  });
});

describe("the quasi-Newton methods' first trial step", () => {
  const step = quasiNewtonInitialStep();
  const at = (phi0: number, dphi0: number, iteration = 0) =>
    step({ iteration, phi0, dphi0, previousPhi0: NaN, previousDphi0: NaN, previousAlpha: NaN });

  it("is where the tangent line reaches 0, at least the unit-length step, at most a step of length 100", () => {
    // ||g|| = 2: the unit-length step is 0.5; the tangent 8 - 4 alpha reaches 0 at alpha = 2
    expect(at(8, -4)).toBe(2);
    // f(x0) = 0 (nothing to gain by the tangent): the unit-length step
    expect(at(0, -4)).toBe(0.5);
    // a huge f(x0): the tangent step 1e6 is capped at length 100 (||g|| = 1)
    expect(at(1e6, -1)).toBe(100);
    // after the first iteration: alpha = 1, the quasi-Newton step
    expect(at(8, -4, 3)).toBe(1);
  });
});
