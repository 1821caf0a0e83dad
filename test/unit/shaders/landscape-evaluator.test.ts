/**
 * The device plane evaluator against core's CPU evaluator (the reference): the same grid of f(theta* + a d1 + b d2)
 * for a small convolutional network on a few images, within Float32 rounding. Skipped where no WebGPU adapter opens.
 */
import {
  classificationData,
  computeGrid,
  ModelObjective,
  modelThetaGroups,
  randomFilterNormalizedPlane,
  Sequential,
  type ModelSpec,
} from "@deltalab/core";
import { DevicePlaneEvaluator, GpuDevice } from "@deltalab/shaders";
import { describe, expect, it } from "vitest";
import { expectClose, randomArray, rng } from "./support";

/** Map sizes 9 -> 7 (not a multiple of 4) -> 3 -> 1 (a 1 x 1 map, as LeNet-5's C5). */
const spec: ModelSpec = {
  inputShape: [1, 9, 9],
  dtype: "float32",
  layers: [
    { type: "conv2d", filters: 3, kernel: 3, activation: "lecun-tanh" },
    { type: "weighted-subsample", size: 2, activation: "lecun-tanh" },
    { type: "conv2d", filters: 4, kernel: 3, activation: "lecun-tanh" },
    { type: "flatten" },
    { type: "dense", units: 4 },
    { type: "softmax" },
  ],
};

function objective(count: number, C?: number) {
  const next = rng(3);
  const labels = Array.from({ length: count }, (_, i) => (i * 7) % 4);
  const data = classificationData(randomArray(count * 81, next), labels, 4);
  const model = new Sequential(spec).initialize(4);
  const f = new ModelObjective(model, data, { loss: "cross-entropy", ...(C !== undefined ? { C } : {}) });
  return { model, f };
}

const axes = { x: { min: -1, max: 1, count: 5 }, y: { min: -1, max: 1, count: 5 } };

interface GridOptions {
  C?: number;
  chunkSize?: number;
  pointsPerSubmission?: number;
  linearFirstLayer?: boolean;
}

async function grids(count: number, options: GridOptions) {
  const { model, f } = objective(count, options.C);
  const plane = randomFilterNormalizedPlane(model.getParameters(), {
    seed: 2,
    groups: modelThetaGroups(model),
  });
  const cpu = await computeGrid(f, plane, axes);
  const device = DevicePlaneEvaluator.create(gpu as GpuDevice, f, options);
  try {
    const onDevice = await computeGrid(device, plane, { ...axes, rowsPerBatch: 5 });
    return {
      cpu: cpu.loss.flat() as number[],
      device: onDevice.loss.flat() as number[],
      combined: device.combinesFirstLayer,
    };
  } finally {
    device.dispose();
  }
}

const gpu = await GpuDevice.openOrUndefined();

describe.skipIf(gpu === undefined)("the device plane evaluator", () => {
  it("gives the CPU objective's 5 x 5 grid for a small CNN on six images", async () => {
    const { cpu, device, combined } = await grids(6, {});
    expect(new Set(cpu).size).toBeGreaterThan(20);
    expect(combined).toBe(true);
    expectClose(device, cpu, 1e-5, 1e-5);
  });

  it("gives the same grid running the first convolution at every point instead of combining its responses", async () => {
    const { cpu, device, combined } = await grids(6, { linearFirstLayer: false });
    expect(combined).toBe(false);
    expectClose(device, cpu, 1e-5, 1e-5);
  });

  it("adds the regularization term theta^T theta / (2C) as the CPU objective does", async () => {
    const { cpu, device } = await grids(6, { C: 0.5 });
    const unregularized = await grids(6, {});
    expect(cpu[0] - unregularized.cpu[0]).toBeGreaterThan(0.1);
    expectClose(device, cpu, 1e-5, 1e-5);
  });

  it("sums over chunks that do not divide the samples and over several submissions", async () => {
    const { cpu, device } = await grids(7, { chunkSize: 3, pointsPerSubmission: 4 });
    expectClose(device, cpu, 1e-5, 1e-5);
  });

  it("sums over chunks with the first layer run per point", async () => {
    const { cpu, device } = await grids(7, { chunkSize: 3, pointsPerSubmission: 4, linearFirstLayer: false });
    expectClose(device, cpu, 1e-5, 1e-5);
  });

  it("recomputes the first layer's responses when the next plane differs", async () => {
    const { model, f } = objective(5);
    const device = DevicePlaneEvaluator.create(gpu as GpuDevice, f);
    try {
      for (const seed of [1, 2]) {
        const plane = randomFilterNormalizedPlane(model.getParameters(), {
          seed,
          groups: modelThetaGroups(model),
        });
        const cpu = (await computeGrid(f, plane, axes)).loss.flat() as number[];
        const onDevice = (await computeGrid(device, plane, axes)).loss.flat() as number[];
        expectClose(onDevice, cpu, 1e-5, 1e-5);
      }
    } finally {
      device.dispose();
    }
  });

  it("refuses a model with a layer the device does not implement, naming the layer", () => {
    const rbfSpec: ModelSpec = {
      inputShape: [4],
      layers: [{ type: "rbf", units: 3, name: "R" }, { type: "softmax" }],
    };
    const model = new Sequential(rbfSpec).initialize(1);
    const f = new ModelObjective(model, classificationData(new Float64Array(4), [1], 3), {
      loss: "cross-entropy",
    });
    expect(() => DevicePlaneEvaluator.create(gpu as GpuDevice, f)).toThrow(
      /layer 'R' \(rbf\) has no device implementation/,
    );
  });

  it("refuses a model whose loss the device does not compute, naming the CPU evaluator", () => {
    const model = new Sequential({ ...spec, layers: spec.layers.slice(0, 5) }).initialize(1);
    const data = classificationData(new Float64Array(81), [1], 4);
    const f = new ModelObjective(model, data, { loss: "mse" });
    expect(() => DevicePlaneEvaluator.create(gpu as GpuDevice, f)).toThrow(
      /needs a softmax last layer with the cross-entropy loss; this objective has 'dense' last with the mse loss/,
    );
  });
});
