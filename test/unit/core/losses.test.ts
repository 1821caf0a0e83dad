import { describe, expect, it } from "vitest";
import {
  ACTIVATION_NAMES,
  activation as activationByName,
  compareWithDifferences,
  lossAndDelta,
  sequential,
  type ActivationName,
  type LossName,
} from "@deltalab/core";

/**
 * The output delta dr/dz of every (loss, output activation) pair, where z is the input of the last layer:
 * checked against central differences of r(t, phi(z)) and against the closed forms of Hedberg's Table 3.
 */
/** Pre-activations: any sign for MSE; in (0, 1) for the cross-entropies, where every activation's output is a probability. */
const zAnySign = [0.3, -0.8, 1.1];
const zPositive = [0.3, 0.6, 0.9];

function deltaAt(loss: LossName, last: ActivationName | "softmax", t: number[]) {
  const z = loss === "mse" ? zAnySign : zPositive;
  const layer =
    last === "softmax" ? { type: "softmax" as const } : { type: "activation" as const, activation: last };
  const model = sequential({ inputShape: [z.length], layers: [layer], dtype: "float64" });
  const ws = model.workspace(1);
  const value = (point: Float64Array) => {
    model.setInput(ws, point, 1);
    ws.targets.set(t);
    model.forward(ws, 1);
    return lossAndDelta(model, ws, 1, loss).sum;
  };
  const point = Float64Array.from(z);
  value(point);
  const pass = lossAndDelta(model, ws, 1, loss);
  model.backward(ws, 1, pass.from, true);
  const delta = Float64Array.from(ws.deltas[0].subarray(0, z.length));
  const y = Array.from(ws.output.subarray(0, z.length));
  const report = compareWithDifferences(value, point, delta, [
    { layer: last, group: "z", offset: 0, length: z.length },
  ]);
  return { delta: Array.from(delta), y, report };
}

const probability = [0.2, 0.7, 0.1];
const binary = [1, 0, 1];
const outputs = [...ACTIVATION_NAMES, "softmax"] as const;
const pairs: [LossName, ActivationName | "softmax", number[]][] = [];
for (const last of outputs) {
  pairs.push(
    ["mse", last, probability],
    ["cross-entropy", last, probability],
    ["binary-cross-entropy", last, binary],
  );
}

describe("output deltas against central differences", () => {
  for (const [loss, last, t] of pairs) {
    it(`(${loss}, ${last})`, () => {
      const { report } = deltaAt(loss, last, t);
      expect(report.maxRelativeError).toBeLessThan(1e-7);
    });
  }
});

describe("output deltas against Hedberg Table 3", () => {
  const z = zAnySign;

  it("(MSE, Linear): -(t - y)", () => {
    const { delta, y } = deltaAt("mse", "identity", probability);
    delta.forEach((d, k) => expect(d).toBeCloseTo(-(probability[k] - y[k]), 14));
  });

  it("(MSE, Any): -(t - y) o phi'(z), here tanh", () => {
    const { delta, y } = deltaAt("mse", "tanh", probability);
    delta.forEach((d, k) => expect(d).toBeCloseTo(-(probability[k] - y[k]) * (1 - Math.tanh(z[k]) ** 2), 14));
  });

  it("(CE, Softmax): -(t - y)", () => {
    const { delta, y } = deltaAt("cross-entropy", "softmax", probability);
    delta.forEach((d, k) => expect(d).toBeCloseTo(-(probability[k] - y[k]), 14));
  });

  it("(CE, Any): -t o (1 / y) o phi'(z), here sigmoid", () => {
    const { delta, y } = deltaAt("cross-entropy", "sigmoid", probability);
    delta.forEach((d, k) => expect(d).toBeCloseTo((-probability[k] / y[k]) * y[k] * (1 - y[k]), 14));
  });

  it("(CE-binary, Sigmoid): -(t - y)", () => {
    const { delta, y } = deltaAt("binary-cross-entropy", "sigmoid", binary);
    delta.forEach((d, k) => expect(d).toBeCloseTo(-(binary[k] - y[k]), 14));
  });

  it("(CE-binary, Any): -(t - y) / (y (1 - y)) phi'(z), here leaky ReLU after a shift into (0, 1)", () => {
    // Leaky ReLU outputs must lie in (0, 1) for the binary cross-entropy: use z in (0, 1).
    const zIn = [0.3, 0.6, 0.9];
    const model = sequential({
      inputShape: [3],
      layers: [{ type: "activation", activation: "leaky-relu" }],
      dtype: "float64",
    });
    const ws = model.workspace(1);
    model.setInput(ws, zIn, 1);
    ws.targets.set(binary);
    model.forward(ws, 1);
    const pass = lossAndDelta(model, ws, 1, "binary-cross-entropy");
    model.backward(ws, 1, pass.from, true);
    const phi = activationByName("leaky-relu");
    zIn.forEach((zk, k) => {
      const y = phi.value(zk);
      expect(ws.deltas[0][k]).toBeCloseTo((-(binary[k] - y) / (y * (1 - y))) * phi.derivative(zk, y), 12);
    });
  });
});

describe("fused losses stay finite where log(y) would not", () => {
  it("softmax cross-entropy at logits far apart", () => {
    const model = sequential({ inputShape: [2], layers: [{ type: "softmax" }], dtype: "float64" });
    const ws = model.workspace(1);
    model.setInput(ws, [0, 800], 1);
    ws.targets.set([1, 0]);
    model.forward(ws, 1);
    expect(lossAndDelta(model, ws, 1, "cross-entropy").sum).toBeCloseTo(800, 10);
  });
});
