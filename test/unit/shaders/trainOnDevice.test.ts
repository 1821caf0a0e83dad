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

/** `count` samples of 8 x 8 values in [-1, 1), with `poison(inputs)` applied before they are wrapped. */
function data(count: number, poison: (inputs: Float32Array) => void = () => {}) {
  const next = rng(9);
  const labels = Array.from({ length: count }, (_, i) => i % 4);
  const inputs = randomArray(count * 64, next);
  poison(inputs);
  return classificationData(inputs, labels, 4);
}

describe("training on the device", () => {
  it("reaches the parameters core's train reaches with the same shuffling, batches and sgd with momentum", async () => {
    const gpu = await testDevice();
    const samples = data(12);
    const cpu = new Sequential(spec).initialize(2);
    const device = new Sequential(spec).initialize(2);
    const common = { epochs: 3, batchSize: 4, seed: 5 };
    train(cpu, samples, { ...common, loss: "cross-entropy", transform: sgd({ step: 0.2, momentum: 0.5 }) });
    const result = await trainOnDevice(gpu, device, samples, { ...common, step: 0.2, momentum: 0.5 });
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
      step: 0.1,
      onBatch: ({ step }) => step < 3,
    });
    expect(result).toMatchObject({ steps: 3, stopped: true, diverged: false, epochs: [] });
  });

  it("visits the batches core's train visits, in the same order, for the same seed", async () => {
    const gpu = await testDevice();
    const samples = data(10);
    const common = { epochs: 3, batchSize: 4, seed: 11, partialBatch: "drop" as const };
    const onHost: number[][] = [];
    const onDevice: number[][] = [];
    train(new Sequential(spec).initialize(3), samples, {
      ...common,
      loss: "cross-entropy",
      transform: sgd({ step: 0.1 }),
      onBatch: (p) => void onHost.push(Array.from(p.samples)),
    });
    const result = await trainOnDevice(gpu, new Sequential(spec).initialize(3), samples, {
      ...common,
      step: 0.1,
      onBatch: (p) => void onDevice.push(Array.from(p.samples)),
    });
    expect(result.droppedPerEpoch).toBe(2);
    expect(onDevice.length).toBe(3 * 2);
    expect(onDevice).toEqual(onHost);
    // Each epoch's two batches are eight different samples.
    for (let epoch = 0; epoch < 3; epoch++) {
      expect(new Set(onDevice.slice(2 * epoch, 2 * epoch + 2).flat()).size).toBe(8);
    }
  });

  it("ends diverged before the step whose batch loss is not finite, as core's train does", async () => {
    const gpu = await testDevice();
    const samples = data(8, (inputs) => inputs.fill(Number.NaN, 5 * 64, 6 * 64)); // sample 5's loss is NaN
    const common = { epochs: 2, batchSize: 2, seed: 4 };
    const cpu = new Sequential(spec).initialize(6);
    const device = new Sequential(spec).initialize(6);
    const host = train(cpu, samples, { ...common, loss: "cross-entropy", transform: sgd({ step: 0.1 }) });
    const result = await trainOnDevice(gpu, device, samples, { ...common, step: 0.1 });
    expect(host.diverged).toBe(true);
    expect(result).toMatchObject({ diverged: true, stopped: false, steps: host.steps });
    expect(result.reason).toMatch(new RegExp(`loss was NaN at step ${host.steps + 1} `));
    expect(device.getParameters().every(Number.isFinite)).toBe(true);
    expectClose(device.getParameters(), cpu.getParameters(), 1e-5, 1e-4);
  });

  it("reports diverged and keeps the starting parameters when a step's gradient is not finite", async () => {
    const gpu = await testDevice();
    // One infinite pixel: a finite loss (tanh saturates) with an infinite gradient.
    const samples = data(8, (inputs) => void (inputs[5 * 64] = Number.POSITIVE_INFINITY));
    const options = { epochs: 2, batchSize: 2, seed: 4 };
    const host = train(new Sequential(spec).initialize(6), samples, {
      ...options,
      loss: "cross-entropy",
      transform: sgd({ step: 0.1 }),
    });
    expect(host).toMatchObject({ diverged: true });
    expect(host.reason).toMatch(/step or the new parameters were not finite/);
    const model = new Sequential(spec).initialize(6);
    const before = model.getParameters();
    const result = await trainOnDevice(gpu, model, samples, { ...options, step: 0.1 });
    expect(result.diverged).toBe(true);
    expect(result.reason).toMatch(/keeps the parameters it had before the run/);
    expect(Array.from(model.getParameters())).toEqual(Array.from(before));
  });
});
