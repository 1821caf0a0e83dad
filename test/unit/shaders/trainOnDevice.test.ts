import { describe, expect, it } from "vitest";
import { Sequential, classificationData, sgd, train, type ModelSpec } from "@deltalab/core";
import { trainOnDevice } from "@deltalab/shaders";
import { expectClose, randomArray, rng, testDevice } from "./support";

const spec: ModelSpec = {
  inputShape: [1, 8, 8],
  dtype: "float32",
  layers: [
    { type: "conv2d", filters: 3, kernel: 3, padding: 1, activation: "tanh" },
    { type: "max-pool", size: 2 },
    { type: "flatten" },
    { type: "dense", units: 4 },
    { type: "softmax" },
  ],
};

function data(count: number) {
  const next = rng(9);
  const labels = Array.from({ length: count }, (_, i) => i % 4);
  return classificationData(randomArray(count * 64, next), labels, 4);
}

describe("training on the device", () => {
  it("reaches the parameters core's train reaches with the same shuffling, batches and sgd with momentum", async () => {
    const gpu = await testDevice();
    const samples = data(12);
    const cpu = new Sequential(spec).initialize(2);
    const device = new Sequential(spec).initialize(2);
    const common = { epochs: 3, batchSize: 4, seed: 5 };
    train(cpu, samples, { ...common, loss: "cross-entropy", transform: sgd({ step: 0.2, momentum: 0.5 }) });
    const result = await trainOnDevice(gpu, device, samples, { ...common, learningRate: 0.2, momentum: 0.5 });
    expect(result.steps).toBe(9);
    expect(result.droppedPerEpoch).toBe(0);
    expectClose(device.getParameters(), cpu.getParameters(), 1e-5, 1e-4);
  });

  it("stops when the batch callback returns false", async () => {
    const gpu = await testDevice();
    const model = new Sequential(spec).initialize(1);
    const result = await trainOnDevice(gpu, model, data(8), {
      epochs: 5,
      batchSize: 2,
      learningRate: 0.1,
      onBatch: ({ step }) => step < 3,
    });
    expect(result).toMatchObject({ steps: 3, stopped: true, epochs: [] });
  });
});
