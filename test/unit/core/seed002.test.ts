import { describe, expect, it } from "vitest";
import { Conv2dLayer, ModelObjective, sequential } from "@deltalab/core";

/**
 * The hand-derivation notes' small convolutional network: a 3x3 image p1..p9, one 2x2 filter c1..c4, sigmoid, average pooling of
 * the four outputs, loss f = ((z1 + z2 + z3 + z4) / 4 - y)^2. The document derives
 *   df/dc1 = 2 (zbar - y) (1/4) sum_k sigma(s_k) (1 - sigma(s_k)) p(k, 1)
 * (printed as "1/2 sqrt(f) (...)", which drops the sign of zbar - y), with p(k, 1) the pixel under c1 for output k:
 * p1, p2, p4, p5.
 */
describe("the hand-derivation notes: one 2x2 filter, sigmoid, average pooling", () => {
  const p = [0.9, -0.3, 0.4, 0.2, -0.7, 0.5, 0.1, 0.8, -0.6];
  const c = [0.3, -0.5, 0.8, 0.1];
  const y = 0.9; // above every sigmoid average here, so zbar - y < 0 and the printed sqrt(f) form has the wrong sign

  it("gives the document's df/dc_i with the sign of zbar - y restored", () => {
    const model = sequential({
      inputShape: [1, 3, 3],
      layers: [
        { type: "conv2d", filters: 1, kernel: 2, activation: "sigmoid", name: "conv" },
        { type: "average-pool", size: 2, name: "pool" },
        { type: "flatten" },
      ],
      dtype: "float64",
    });
    const conv = model.layers[0].layer;
    if (!(conv instanceof Conv2dLayer)) throw new Error("the first layer is the convolution");
    const theta = new Float64Array(model.parameterCount); // bias 0: the document's filter has none
    theta[conv.weightIndex(0, 0, 0, 0)] = c[0];
    theta[conv.weightIndex(0, 0, 0, 1)] = c[1];
    theta[conv.weightIndex(0, 0, 1, 0)] = c[2];
    theta[conv.weightIndex(0, 0, 1, 1)] = c[3];
    const objective = new ModelObjective(model, { count: 1, inputs: p, targets: [y] }, { loss: "mse" });
    const g = new Float64Array(model.parameterCount);
    objective.valueAndGradient(theta, g);

    const sigma = (s: number) => 1 / (1 + Math.exp(-s));
    const at = (k: number) => p[k - 1];
    // Window k's pixels under (c1, c2, c3, c4), 1-based as in the document.
    const windows = [
      [1, 2, 4, 5],
      [2, 3, 5, 6],
      [4, 5, 7, 8],
      [5, 6, 8, 9],
    ];
    const s = windows.map((w) => w.reduce((sum, pixel, i) => sum + c[i] * at(pixel), 0));
    const zbar = s.map(sigma).reduce((a, b) => a + b, 0) / 4;
    expect(zbar - y).toBeLessThan(0);
    for (let i = 0; i < 4; i++) {
      const dfdc =
        2 *
        (zbar - y) *
        0.25 *
        windows.reduce((sum, w, k) => sum + sigma(s[k]) * (1 - sigma(s[k])) * at(w[i]), 0);
      // Our MSE is 1/2 (t - y)^2 = f / 2.
      const [u, v] = [Math.floor(i / 2), i % 2];
      expect(2 * g[conv.weightIndex(0, 0, u, v)]).toBeCloseTo(dfdc, 14);
    }
  });
});

/**
 * The hand-derivation notes' single-layer network: z_j = sigma(s_j^T x) for three hidden units, f = (w^T z - y)^2, with
 * df/dw = 2 (w^T z - y) z and df/ds_j = 2 (w^T z - y) w_j sigma(s_j^T x) (1 - sigma(s_j^T x)) x.
 */
describe("the hand-derivation notes: two inputs, three sigmoid units, a linear output", () => {
  it("gives the document's df/dw and df/ds", () => {
    const x = [0.7, -1.3];
    const S = [
      [0.4, -0.2],
      [-0.6, 0.5],
      [0.3, 0.9],
    ];
    const w = [0.8, -0.4, 0.6];
    const y = 0.25;
    const model = sequential({
      inputShape: [2],
      layers: [
        { type: "dense", units: 3, activation: "sigmoid" },
        { type: "dense", units: 1 },
      ],
      dtype: "float64",
    });
    // theta = [vec(S); b1; vec(w^T); b2] with zero biases (the document's network has none).
    const theta = new Float64Array(model.parameterCount);
    for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) theta[j + 3 * i] = S[j][i];
    for (let j = 0; j < 3; j++) theta[9 + j] = w[j];
    const g = new Float64Array(model.parameterCount);
    new ModelObjective(model, { count: 1, inputs: x, targets: [y] }, { loss: "mse" }).valueAndGradient(
      theta,
      g,
    );

    const sigma = (t: number) => 1 / (1 + Math.exp(-t));
    const z = S.map((row) => sigma(row[0] * x[0] + row[1] * x[1]));
    const residual = w.reduce((sum, wj, j) => sum + wj * z[j], 0) - y;
    for (let j = 0; j < 3; j++) {
      expect(2 * g[9 + j]).toBeCloseTo(2 * residual * z[j], 14);
      for (let i = 0; i < 2; i++) {
        expect(2 * g[j + 3 * i]).toBeCloseTo(2 * residual * w[j] * z[j] * (1 - z[j]) * x[i], 14);
      }
    }
  });
});
