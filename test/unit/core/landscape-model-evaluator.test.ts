import {
  classificationData,
  computeGrid,
  cpuEvaluator,
  ModelObjective,
  modelPlaneEvaluator,
  modelThetaGroups,
  randomFilterNormalizedPlane,
  SeededRandom,
  Sequential,
  type LayerSpec,
} from "@deltalab/core";
import { describe, expect, it } from "vitest";

/** The model on `count` random samples, its plane through its parameters, and both evaluators' 5 x 5 grids. */
async function grids(
  inputShape: number[],
  layers: LayerSpec[],
  dtype: "float32" | "float64",
  options: { C?: number; count?: number; chunkSize?: number } = {},
) {
  const model = new Sequential({ inputShape, dtype, layers }).initialize(3);
  const random = new SeededRandom(5);
  const count = options.count ?? 6;
  const inputs = Float64Array.from({ length: count * model.inputSize }, () => random.nextNormal());
  const labels = Array.from({ length: count }, (_, i) => (i * 5) % model.outputSize);
  const data = classificationData(inputs, labels, model.outputSize);
  const objective = new ModelObjective(model, data, {
    loss: "cross-entropy",
    ...(options.C !== undefined ? { C: options.C } : {}),
  });
  const plane = randomFilterNormalizedPlane(model.getParameters(), {
    seed: 7,
    groups: modelThetaGroups(model),
  });
  const axes = { x: { min: -1, max: 1, count: 5 }, y: { min: -1, max: 1, count: 5 }, rowsPerBatch: 2 };
  const reference = await computeGrid(cpuEvaluator(objective), plane, axes);
  const chunked = options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {};
  const split = await computeGrid(modelPlaneEvaluator(objective, chunked), plane, axes);
  return { reference: reference.loss.flat() as number[], split: split.loss.flat() as number[] };
}

function worstRelative(a: number[], b: number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]) / Math.max(1, Math.abs(v))));
}

const cnn: LayerSpec[] = [
  { type: "conv2d", filters: 3, kernel: 3, padding: 1, activation: "tanh" },
  { type: "max-pool", size: 2 },
  { type: "flatten" },
  { type: "dense", units: 4 },
  { type: "softmax" },
];

describe("the CPU model evaluator (first layer combined from its responses to the plane)", () => {
  it("gives objective.value's grid for a CNN in double precision", async () => {
    const { reference, split } = await grids([1, 6, 6], cnn, "float64");
    expect(new Set(reference).size).toBeGreaterThan(20);
    expect(worstRelative(split, reference)).toBeLessThan(1e-12);
  });

  it("gives objective.value's grid in Float32 to Float32 rounding", async () => {
    const { reference, split } = await grids([1, 6, 6], cnn, "float32");
    expect(worstRelative(split, reference)).toBeLessThan(1e-5);
  });

  it("adds the regularization term and sums over chunks that do not divide the samples", async () => {
    const { reference, split } = await grids([1, 6, 6], cnn, "float64", { C: 0.5, count: 7, chunkSize: 3 });
    expect(worstRelative(split, reference)).toBeLessThan(1e-12);
  });

  it("combines a dense first layer the same way", async () => {
    const mlp: LayerSpec[] = [
      { type: "dense", units: 5, activation: "sigmoid" },
      { type: "dense", units: 3 },
      { type: "softmax" },
    ];
    const { reference, split } = await grids([4], mlp, "float64");
    expect(worstRelative(split, reference)).toBeLessThan(1e-12);
  });

  it("recomputes the first layer's responses when the next plane differs", async () => {
    const model = new Sequential({ inputShape: [1, 6, 6], dtype: "float64", layers: cnn }).initialize(3);
    const random = new SeededRandom(9);
    const inputs = Float64Array.from({ length: 4 * 36 }, () => random.nextNormal());
    const objective = new ModelObjective(model, classificationData(inputs, [0, 1, 2, 3], 4), {
      loss: "cross-entropy",
    });
    const evaluator = modelPlaneEvaluator(objective);
    const axes = { x: { min: -1, max: 1, count: 3 }, y: { min: -1, max: 1, count: 3 } };
    for (const seed of [1, 2]) {
      const plane = randomFilterNormalizedPlane(model.getParameters(), {
        seed,
        groups: modelThetaGroups(model),
      });
      const reference = (await computeGrid(cpuEvaluator(objective), plane, axes)).loss.flat() as number[];
      const split = (await computeGrid(evaluator, plane, axes)).loss.flat() as number[];
      expect(worstRelative(split, reference)).toBeLessThan(1e-12);
    }
  });
});
