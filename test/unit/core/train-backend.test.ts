/**
 * core's `trainOnBackend` without a GPU: a device backend written here computes f_B and its gradient with the host
 * objective (a second implementation of the device's contract), so a run through it must take core's `train` steps
 * exactly, batches of one size ("drop") included; a host backend trains as `trainAsync` does.
 */
import { describe, expect, it } from "vitest";
import {
  adam,
  classificationData,
  isDeviceBackend,
  ModelObjective,
  referenceBackend,
  Sequential,
  sgd,
  train,
  trainOnBackend,
  type DeviceBackend,
  type DeviceModel,
  type ModelSpec,
  type SupervisedData,
} from "@deltalab/core";

const spec: ModelSpec = {
  inputShape: [3],
  dtype: "float64",
  layers: [{ type: "dense", units: 4, activation: "tanh" }, { type: "dense", units: 3 }, { type: "softmax" }],
};

/** Inputs that are multiples of 1/8, exact in Float32, so that the device's Float32 batches lose nothing. */
function data(count: number): SupervisedData {
  const inputs = Float64Array.from({ length: count * 3 }, (_, i) => (((i * 7) % 17) - 8) / 8);
  return classificationData(
    inputs,
    Array.from({ length: count }, (_, i) => (i * 2) % 3),
    3,
  );
}

/** A DeviceBackend whose "device" is the host objective on each batch it is handed. */
function hostDeviceBackend(compiled: { batches: number[] } = { batches: [] }): DeviceBackend {
  return {
    name: "host-device",
    accelerate: (layer) => layer,
    openDevice: () => Promise.resolve({ name: "host", software: true }),
    compileSurface: () => Promise.reject(new Error("no surfaces here")),
    dispose: () => undefined,
    compile(source, options) {
      compiled.batches.push(options.batch);
      const model = new Sequential(spec, "reference");
      let theta = source.getParameters();
      const device: DeviceModel = {
        batch: options.batch,
        training: true,
        async valueAndGradient(inputs, targets, gradient) {
          const batch = { count: options.batch, inputs, targets };
          return new ModelObjective(model, batch, { loss: options.loss }).valueAndGradient(theta, gradient);
        },
        async losses() {
          throw new Error("not used");
        },
        readParameters: async () => Float64Array.from(theta),
        writeParameters: (values) => void (theta = Float64Array.from(values)),
        dispose: () => undefined,
      };
      return Promise.resolve(device);
    },
  };
}

async function bothWays(count: number, options: { batchSize: number; C?: number; adam?: boolean }) {
  const samples = data(count);
  const transform = () => (options.adam ? adam({ step: 0.05 }) : sgd({ step: 0.3, momentum: 0.5 }));
  const common = { loss: "cross-entropy" as const, epochs: 3, seed: 4, ...options };
  const host = new Sequential(spec, "reference").initialize(2);
  const hostLosses: number[] = [];
  train(host, samples, {
    ...common,
    transform: transform(),
    partialBatch: "drop",
    onBatch: (p) => void hostLosses.push(p.loss),
  });
  const device = new Sequential(spec, "reference").initialize(2);
  const deviceLosses: number[] = [];
  const compiled = { batches: [] as number[] };
  const result = await trainOnBackend(device, samples, {
    ...common,
    transform: transform(),
    backend: hostDeviceBackend(compiled),
    onBatch: (p) => void deviceLosses.push(p.loss),
  });
  return { host, device, hostLosses, deviceLosses, result, compiled };
}

describe("trainOnBackend", () => {
  it("takes core's train steps through a device backend (sgd with momentum)", async () => {
    const run = await bothWays(12, { batchSize: 4 });
    expect(run.compiled.batches).toEqual([4]);
    expect(run.result.steps).toBe(9);
    expect(run.deviceLosses).toEqual(run.hostLosses);
    expect(Array.from(run.device.getParameters())).toEqual(Array.from(run.host.getParameters()));
  });

  it("drops the samples that do not fill a batch, as train does with partialBatch 'drop'", async () => {
    const run = await bothWays(11, { batchSize: 4 });
    expect(run.result.steps).toBe(6);
    expect(run.deviceLosses).toEqual(run.hostLosses);
  });

  it("adds the regularization term theta^T theta / (2C) and its gradient on the host (Adam)", async () => {
    const run = await bothWays(8, { batchSize: 4, C: 0.5, adam: true });
    run.deviceLosses.forEach((loss, k) => expect(loss).toBeCloseTo(run.hostLosses[k], 12));
    const host = run.host.getParameters();
    run.device.getParameters().forEach((value, j) => expect(value).toBeCloseTo(host[j], 12));
  });

  it("trains on the host as trainAsync does for a backend without a device", async () => {
    expect(isDeviceBackend(referenceBackend)).toBe(false);
    const samples = data(8);
    const options = {
      loss: "cross-entropy" as const,
      transform: sgd({ step: 0.2 }),
      epochs: 2,
      batchSize: 3,
    };
    const a = new Sequential(spec, "reference").initialize(5);
    const b = new Sequential(spec, "reference").initialize(5);
    train(a, samples, options);
    const result = await trainOnBackend(b, samples, { ...options, backend: referenceBackend });
    expect(result.steps).toBe(6);
    expect(Array.from(b.getParameters())).toEqual(Array.from(a.getParameters()));
  });
});
