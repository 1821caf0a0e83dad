import { describe, expect, it } from "vitest";
import {
  adam,
  adamw,
  inverseTimeDecay,
  minimize,
  minimizeStochastic,
  rmsprop,
  rosenbrock,
  sgd,
  transformDescent,
  type GradientTransform,
  type StochasticObjective,
} from "@deltalab/core";

/** xi_i(theta) = 1/2 (a_i^T theta - b_i)^2 with a_i = (1, t_i), b_i = 2 + 3 t_i + noise_i, averaged over samples. */
function regression(N = 64): StochasticObjective & { solution: [number, number] } {
  const t = Array.from({ length: N }, (_, i) => -1 + (2 * i) / (N - 1));
  const b = t.map((ti, i) => 2 + 3 * ti + 0.1 * Math.sin(7 * i));
  const batchValueAndGradient = (theta: Float64Array, batch: Int32Array, g: Float64Array) => {
    g.fill(0);
    let f = 0;
    for (const i of batch) {
      const e = theta[0] + theta[1] * t[i] - b[i];
      f += 0.5 * e * e;
      g[0] += e;
      g[1] += e * t[i];
    }
    g[0] /= batch.length;
    g[1] /= batch.length;
    return f / batch.length;
  };
  const all = Int32Array.from({ length: N }, (_, i) => i);
  // Normal equations of the 2 x 2 least-squares problem.
  const st = t.reduce((s, v) => s + v, 0);
  const stt = t.reduce((s, v) => s + v * v, 0);
  const sb = b.reduce((s, v) => s + v, 0);
  const stb = t.reduce((s, v, i) => s + v * b[i], 0);
  const det = N * stt - st * st;
  return {
    dim: 2,
    sampleCount: N,
    solution: [(stt * sb - st * stb) / det, (N * stb - st * sb) / det],
    batchValueAndGradient,
    value: (theta) => batchValueAndGradient(theta, all, new Float64Array(2)),
    valueAndGradient: (theta, g) => batchValueAndGradient(theta, all, g),
  };
}

function oneStep(
  transform: ReturnType<typeof adam> | ReturnType<typeof rmsprop>,
  theta: number[],
  g: number[],
) {
  const step = new Float64Array(theta.length);
  // A transform is used through its own state type; the union of the two is taken as the interface they share.
  const shared: GradientTransform = transform;
  shared.update(Float64Array.from(g), shared.init(Float64Array.from(theta)), Float64Array.from(theta), step);
  return Array.from(step);
}

describe("adaptive transforms", () => {
  it("Adam's bias-corrected first step is -alpha g / (|g| + eps)", () => {
    const step = oneStep(adam({ step: 0.01 }), [0, 0], [4, -0.5]);
    expect(step[0]).toBeCloseTo((-0.01 * 4) / (4 + 1e-8), 14);
    expect(step[1]).toBeCloseTo((-0.01 * -0.5) / (0.5 + 1e-8), 14);
  });

  it("Adam follows its moment recursions over several steps", () => {
    const transform = adam({ step: 0.1, beta1: 0.8, beta2: 0.9 });
    const gs = [1, -2, 0.5, 3];
    let state = transform.init(new Float64Array(1));
    const step = new Float64Array(1);
    let m = 0;
    let v = 0;
    gs.forEach((g, k) => {
      state = transform.update(Float64Array.of(g), state, new Float64Array(1), step);
      m = 0.8 * m + 0.2 * g;
      v = 0.9 * v + 0.1 * g * g;
      const expected = (-0.1 * (m / (1 - 0.8 ** (k + 1)))) / (Math.sqrt(v / (1 - 0.9 ** (k + 1))) + 1e-8);
      expect(step[0]).toBeCloseTo(expected, 13);
    });
  });

  it("AdamW decays weights by alpha * weightDecay * theta independently of the gradient", () => {
    const step = oneStep(adamw({ step: 0.1, weightDecay: 0.5 }), [2, -4], [0, 0]);
    expect(step[0]).toBeCloseTo(-0.1 * 0.5 * 2, 14);
    expect(step[1]).toBeCloseTo(-0.1 * 0.5 * -4, 14);
  });

  it("RMSProp's first step is -alpha g / sqrt((1 - rho) g^2)", () => {
    const step = oneStep(rmsprop({ step: 0.01, decay: 0.9 }), [0], [3]);
    expect(step[0]).toBeCloseTo((-0.01 * 3) / (Math.sqrt(0.1 * 9) + 1e-8), 13);
  });
});

describe("minibatch driver", () => {
  it("minibatch SGD with a decaying step approaches the least-squares solution", () => {
    const p = regression();
    const r = minimizeStochastic(p, new Float64Array(2), sgd({ step: inverseTimeDecay(0.5, 200) }), {
      batchSize: 8,
      epochs: 60,
    });
    expect(r.x[0]).toBeCloseTo(p.solution[0], 2);
    expect(r.x[1]).toBeCloseTo(p.solution[1], 2);
    expect(r.iterations).toBe(60 * 8);
    expect(r.trajectory.length).toBe(61);
  });

  it("minibatch Adam and Nesterov both lower the full-data loss", () => {
    const p = regression();
    const transforms: GradientTransform[] = [
      adam({ step: 0.05 }),
      sgd({ step: 0.05, momentum: 0.9, nesterov: true }),
    ];
    for (const transform of transforms) {
      const r = minimizeStochastic(p, new Float64Array(2), transform, { batchSize: 16, epochs: 30 });
      expect(r.f, transform.name).toBeLessThan(0.01 * r.trajectory[0].f);
    }
  });

  it("stops as diverged with the last finite iterate when the step is far too large", () => {
    const p = regression();
    const r = minimizeStochastic(p, new Float64Array(2), sgd({ step: 50 }), { batchSize: 4, epochs: 1000 });
    expect(r.reason).toBe("diverged");
    expect(Number.isFinite(r.f)).toBe(true);
  });

  it("rejects an objective without batches", () => {
    const plain = { dim: 2, value: () => 0, valueAndGradient: () => 0 };
    // @ts-expect-error: a plain Objective is not a StochasticObjective
    expect(() => minimizeStochastic(plain, new Float64Array(2), sgd({ step: 0.1 }))).toThrow(
      /StochasticObjective/,
    );
  });
});

describe("minimize", () => {
  it("accepts a built-in method by name or a method value", () => {
    const p = rosenbrock();
    expect(minimize(p, p.start, "bfgs").converged).toBe(true);
    const r = minimize(p, p.start, transformDescent(adam({ step: 0.02 })), {
      maxIterations: 20000,
      gradientTolerance: 1e-5,
    });
    expect(r.x[0]).toBeCloseTo(1, 3);
  });

  it("names the known methods when given an unknown one", () => {
    const p = rosenbrock();
    // @ts-expect-error: not a method name
    expect(() => minimize(p, p.start, "newton")).toThrow(/unknown method "newton"; expected one of .*bfgs/);
  });
});
