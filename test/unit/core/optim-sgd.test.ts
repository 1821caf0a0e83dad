import { describe, expect, it } from "vitest";
import { exponentialDecay, inverseTimeDecay, sgd } from "@deltalab/core";

/** Runs a transform for `steps` updates on f(x) = 1/2 sum a_i x_i^2 and returns the iterates. */
function runOnQuadratic(
  a: number[],
  x0: number[],
  steps: number,
  transform: ReturnType<typeof sgd>,
): number[][] {
  const x = Float64Array.from(x0);
  const g = new Float64Array(x.length);
  const step = new Float64Array(x.length);
  let state = transform.init(x);
  const iterates = [Array.from(x)];
  for (let k = 0; k < steps; k++) {
    for (let i = 0; i < x.length; i++) g[i] = a[i] * x[i];
    state = transform.update(g, state, x, step);
    for (let i = 0; i < x.length; i++) x[i] += step[i];
    iterates.push(Array.from(x));
  }
  return iterates;
}

describe("sgd", () => {
  it("takes x_{k+1} = (1 - mu a) x_k on a one-dimensional quadratic (eq. 118)", () => {
    const xs = runOnQuadratic([2], [1], 5, sgd({ step: 0.1 }));
    xs.forEach((x, k) => expect(x[0]).toBeCloseTo(Math.pow(0.8, k), 14));
  });

  it("follows the heavy-ball recursion x_{k+1} = x_k - mu g_k + p (x_k - x_{k-1}) (eq. 121)", () => {
    const mu = 0.05;
    const p = 0.9;
    const xs = runOnQuadratic([3], [2], 20, sgd({ step: mu, momentum: p }));
    const expected = [2, 2 - mu * 3 * 2];
    for (let k = 1; k < 20; k++)
      expected.push(expected[k] - mu * 3 * expected[k] + p * (expected[k] - expected[k - 1]));
    xs.forEach((x, k) => expect(x[0]).toBeCloseTo(expected[k], 12));
  });

  it("matches Nesterov's look-ahead form y_k = x_k + p (x_k - x_{k-1}), x_{k+1} = y_k - mu grad f(y_k)", () => {
    // The transform sees only grad f(x_k); Sutskever's change of variables makes its iterates the look-ahead points y.
    const mu = 0.05;
    const p = 0.8;
    const a = 4;
    const ys = runOnQuadratic([a], [1], 15, sgd({ step: mu, momentum: p, nesterov: true }));
    let xPrev = 1;
    let x = 1;
    const expected = [1];
    for (let k = 0; k < 15; k++) {
      const y = x + p * (x - xPrev);
      const xNext = y - mu * a * y;
      xPrev = x;
      x = xNext;
      expected.push(x + p * (x - xPrev));
    }
    ys.forEach((y, k) => expect(y[0]).toBeCloseTo(expected[k], 12));
  });

  it("uses the scheduled step mu_k at update k", () => {
    const schedule = inverseTimeDecay(0.5, 2);
    const xs = runOnQuadratic([1], [1], 4, sgd({ step: schedule }));
    let x = 1;
    for (let k = 0; k < 4; k++) {
      x -= (0.5 / (1 + k / 2)) * x;
      expect(xs[k + 1][0]).toBeCloseTo(x, 14);
    }
    expect(exponentialDecay(1, 0.5, 2)(4)).toBeCloseTo(0.25, 15);
  });

  it("rejects a momentum outside [0, 1) and Nesterov without momentum", () => {
    expect(() => sgd({ step: 0.1, momentum: 1 })).toThrow(/momentum must lie in \[0, 1\)/);
    expect(() => sgd({ step: 0.1, nesterov: true })).toThrow(/nesterov needs a momentum/);
    expect(() => sgd({ step: -1 })).toThrow(/positive finite/);
  });
});
