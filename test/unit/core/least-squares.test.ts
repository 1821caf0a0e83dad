import { describe, expect, it } from "vitest";
import {
  LeastSquaresModelObjective,
  ModelObjective,
  SeededRandom,
  classificationData,
  isLeastSquares,
  modelObjective,
  sequential,
  type ModelSpec,
} from "@deltalab/core";

/** Two models that between them use every layer type, so every forwardTangent is exercised. */
const specs: [string, ModelSpec][] = [
  [
    "conv (padding, partial table, shared kernels, stride), cross-weight sub-sampling, dense, RBF",
    {
      inputShape: [2, 8, 8],
      dtype: "float64",
      layers: [
        {
          type: "conv2d",
          filters: 3,
          kernel: 3,
          padding: 1,
          connections: [[0], [0, 1], [1]],
          activation: "sigmoid",
        },
        {
          type: "weighted-subsample",
          size: 2,
          connections: [[0, 1], [1, 2], [2]],
          sharing: "connection",
          activation: "lecun-tanh",
        },
        { type: "conv2d", filters: 2, kernel: 2, stride: 2, sharing: "map", activation: "tanh" },
        { type: "flatten" },
        { type: "dense", units: 4, activation: "leaky-relu" },
        { type: "rbf", units: 3, beta: 0.5 },
      ],
    },
  ],
  [
    "conv, max pooling, vanilla sub-sampling, average pooling, softmax",
    {
      inputShape: [1, 6, 6],
      dtype: "float64",
      layers: [
        { type: "conv2d", filters: 2, kernel: 3, activation: "tanh" },
        { type: "max-pool", size: 2, stride: 1 },
        { type: "subsample", factor: 2 },
        { type: "average-pool", size: 2 },
        { type: "flatten" },
        { type: "dense", units: 3, activation: "identity" },
        { type: "softmax" },
      ],
    },
  ],
];

function setup(spec: ModelSpec) {
  const model = sequential(spec).initialize(2);
  const random = new SeededRandom(17);
  const count = 3;
  const inputs = Float64Array.from({ length: count * model.inputSize }, () => random.nextNormal());
  const data = classificationData(inputs, [0, 2, 1], 3);
  const objective = new LeastSquaresModelObjective(model, data, { C: 5 });
  const theta = model.getParameters();
  for (let j = 0; j < theta.length; j++) theta[j] += 0.1 * random.nextNormal();
  const m = objective.residualCount;
  const n = objective.dim;
  const J = new Float64Array(m * n);
  objective.jacobian(theta, J);
  const randomVector = (length: number) => Float64Array.from({ length }, () => random.nextNormal());
  return { objective, theta, J, m, n, randomVector };
}

const maxRelative = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let diff = 0;
  let size = 0;
  for (let k = 0; k < a.length; k++) {
    diff = Math.max(diff, Math.abs(a[k] - b[k]));
    size = Math.max(size, Math.abs(a[k]), Math.abs(b[k]));
  }
  return diff / size;
};

for (const [label, spec] of specs) {
  describe(`least squares: ${label}`, () => {
    const { objective, theta, J, m, n, randomVector } = setup(spec);

    it("J matches central differences of the residuals", () => {
      const h = 1e-6;
      const plus = new Float64Array(m);
      const minus = new Float64Array(m);
      const numeric = new Float64Array(m * n);
      for (let j = 0; j < n; j++) {
        const saved = theta[j];
        theta[j] = saved + h;
        objective.residuals(theta, plus);
        theta[j] = saved - h;
        objective.residuals(theta, minus);
        theta[j] = saved;
        for (let i = 0; i < m; i++) numeric[i * n + j] = (plus[i] - minus[i]) / (2 * h);
      }
      expect(maxRelative(J, numeric)).toBeLessThan(1e-7);
    });

    it("J v by forward mode equals J times v", () => {
      const v = randomVector(n);
      const out = new Float64Array(m);
      objective.jacobianTimes(theta, v, out);
      const expected = Array.from({ length: m }, (_, i) =>
        v.reduce((sum, vj, j) => sum + J[i * n + j] * vj, 0),
      );
      expect(maxRelative(out, expected)).toBeLessThan(1e-12);
    });

    it("J^T u by back-propagation equals J^T times u", () => {
      const u = randomVector(m);
      const out = new Float64Array(n);
      objective.jacobianTransposeTimes(theta, u, out);
      const expected = Array.from({ length: n }, (_, j) =>
        u.reduce((sum, ui, i) => sum + J[i * n + j] * ui, 0),
      );
      expect(maxRelative(out, expected)).toBeLessThan(1e-12);
    });

    it("f = 1/2 ||r||^2 + theta^T theta / (2C) and grad f = J^T r + theta / C", () => {
      const r = new Float64Array(m);
      objective.residuals(theta, r);
      const g = new Float64Array(n);
      const f = objective.valueAndGradient(theta, g);
      const norm2 = theta.reduce((sum, v) => sum + v * v, 0);
      expect(f).toBeCloseTo(0.5 * r.reduce((sum, v) => sum + v * v, 0) + norm2 / 10, 12);
      const jtr = new Float64Array(n);
      objective.jacobianTransposeTimes(theta, r, jtr);
      expect(
        maxRelative(
          g,
          jtr.map((v, j) => v + theta[j] / 5),
        ),
      ).toBeLessThan(1e-12);
    });
  });
}

describe("objective factory", () => {
  it("gives a least-squares objective for MSE and a plain one otherwise", () => {
    const model = sequential({ inputShape: [2], layers: [{ type: "dense", units: 2 }] });
    const data = classificationData([0, 1, 1, 0], [0, 1], 2);
    expect(isLeastSquares(modelObjective(model, data, { loss: "mse" }))).toBe(true);
    const ce = modelObjective(model, data, { loss: "cross-entropy" });
    expect(isLeastSquares(ce)).toBe(false);
    expect(ce).toBeInstanceOf(ModelObjective);
  });
});
