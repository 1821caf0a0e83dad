import { describe, expect, it } from "vitest";
import {
  bfgs,
  bfgsUpdate,
  conditionedQuadratic,
  fixedStepDescent,
  gradientDescent,
  lbfgs,
  rosenbrock,
  runMethod,
  satisfiesCurvature,
  twoLoop,
  type LineTrial,
  type Method,
} from "@deltalab/core";

const vec = (...v: number[]) => Float64Array.from(v);

function times(H: Float64Array, v: Float64Array): Float64Array {
  const n = v.length;
  return Float64Array.from({ length: n }, (_, i) => v.reduce((s, vj, j) => s + H[i * n + j] * vj, 0));
}

const pairs = {
  s: [vec(1, 0.5, -0.2), vec(-0.3, 0.8, 0.1), vec(0.2, -0.1, 0.9)],
  y: [vec(2, 0.7, -0.1), vec(-0.2, 1.5, 0.3), vec(0.4, 0.1, 1.2)],
};

describe("quasi-Newton updates", () => {
  it("the BFGS update satisfies the secant equation H+ y = s (eq. 176 for the inverse)", () => {
    const H = vec(1, 0.1, 0, 0.1, 2, 0.3, 0, 0.3, 1.5);
    const s = vec(0.3, -0.4, 0.5);
    const y = vec(0.5, -0.2, 0.9);
    bfgsUpdate(H, s, y, new Float64Array(3));
    const Hy = times(H, y);
    for (let i = 0; i < 3; i++) expect(Hy[i]).toBeCloseTo(s[i], 13);
    // and stays symmetric
    expect(H[1]).toBeCloseTo(H[3], 14);
  });

  it("the two-loop recursion equals the dense BFGS matrix built from the same pairs and H0 (Alg. 2)", () => {
    const last = pairs.s.length - 1;
    const gamma =
      pairs.s[last].reduce((a, v, i) => a + v * pairs.y[last][i], 0) /
      pairs.y[last].reduce((a, v) => a + v * v, 0);
    const H = vec(gamma, 0, 0, 0, gamma, 0, 0, 0, gamma);
    pairs.s.forEach((s, k) => bfgsUpdate(H, s, pairs.y[k], new Float64Array(3)));
    const g = vec(0.7, -1.1, 0.4);
    const out = new Float64Array(3);
    twoLoop(g, pairs.s, pairs.y, new Float64Array(3), out);
    const dense = times(H, g);
    for (let i = 0; i < 3; i++) expect(out[i]).toBeCloseTo(dense[i], 12);
  });

  it("the curvature guard rejects pairs with s^T y <= 0 (eq. 177)", () => {
    expect(satisfiesCurvature(vec(1, 0), vec(-1, 0))).toBe(false);
    expect(satisfiesCurvature(vec(1, 0), vec(0, 1))).toBe(false);
    expect(satisfiesCurvature(vec(1, 0), vec(1, 5))).toBe(true);
  });

  it("BFGS and L-BFGS each reach Rosenbrock's minimum within 1e-6", () => {
    const p = rosenbrock();
    const methods: Method[] = [bfgs(), lbfgs({ memory: 3 })];
    for (const method of methods) {
      const r = runMethod(p, p.start, method);
      expect(r.x[0], method.name).toBeCloseTo(1, 6);
      expect(r.x[1], method.name).toBeCloseTo(1, 6);
    }
  });
});

describe("recorded line-search trials", () => {
  it("reach the callback, and the last trial is the step taken", () => {
    const p = rosenbrock();
    const seen: { x: Float64Array; trials: LineTrial[] }[] = [];
    let previous = Float64Array.from(p.start);
    runMethod(p, p.start, gradientDescent({ recordTrials: true }), {
      maxIterations: 5,
      callback: (info) => {
        seen.push({ x: Float64Array.from(info.x), trials: info.lineTrials ?? [] });
        const last = info.lineTrials![info.lineTrials!.length - 1];
        expect(last.phi).toBe(info.f);
        // x_{k+1} = x_k - alpha g_k: the step is parallel to the previous gradient, with length alpha ||g_k||.
        const g = new Float64Array(2);
        p.valueAndGradient(previous, g);
        expect(info.x[0]).toBeCloseTo(previous[0] - last.alpha * g[0], 12);
        expect(info.x[1]).toBeCloseTo(previous[1] - last.alpha * g[1], 12);
        previous = Float64Array.from(info.x);
      },
    });
    expect(seen.length).toBe(5);
    expect(seen.every((s) => s.trials.length > 0)).toBe(true);
  });

  it("are absent unless asked for", () => {
    const p = rosenbrock();
    let trials: LineTrial[] | undefined = [];
    runMethod(p, p.start, bfgs(), { maxIterations: 1, callback: (info) => void (trials = info.lineTrials) });
    expect(trials).toBeUndefined();
  });
});

describe("fixed-step descent", () => {
  it("plain, momentum and Nesterov steps reach the minimum of a conditioned quadratic, momentum faster", () => {
    const p = conditionedQuadratic(20);
    const mu = 1 / 20;
    const options = { gradientTolerance: 1e-8, maxIterations: 10000 };
    const plain = runMethod(p, p.start, fixedStepDescent(mu), options);
    const heavyBall = runMethod(p, p.start, fixedStepDescent(mu, 0.6), options);
    const nesterov = runMethod(p, p.start, fixedStepDescent(mu, 0.6, true), options);
    for (const r of [plain, heavyBall, nesterov]) {
      expect(r.converged, r.method).toBe(true);
      expect(Math.hypot(r.x[0], r.x[1])).toBeLessThan(1e-6);
    }
    expect(heavyBall.iterations).toBeLessThan(plain.iterations);
    expect(nesterov.iterations).toBeLessThan(plain.iterations);
  });
});
