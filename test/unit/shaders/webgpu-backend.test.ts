/**
 * WebGPU as a core backend: resolved by name once @deltalab/shaders is imported, training through core's one loop
 * against the CPU reference (core's `train` on the same batches), surfaces against the CPU evaluator, and the
 * refusal of a layer kind without a device kernel.
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import {
  Sequential,
  adam,
  classificationData,
  computeGrid,
  isDeviceBackend,
  lenet5,
  ModelObjective,
  modelThetaGroups,
  randomFilterNormalizedPlane,
  resolveBackend,
  sgd,
  train,
  trainOnBackend,
  type GradientTransform,
  type ModelSpec,
  type SupervisedData,
} from "@deltalab/core";
import {
  createWebGpuBackend,
  deviceLayerKinds,
  disposeSharedWebGpuBackend,
  GpuDevice,
  type GpuBuffer,
} from "@deltalab/shaders";
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

function data(count: number, inputSize: number, classes: number): SupervisedData {
  const next = rng(9);
  const labels = Array.from({ length: count }, (_, i) => (i * 3) % classes);
  return classificationData(randomArray(count * inputSize, next), labels, classes);
}

/** The batch losses and final theta of core's host training and of the same run on the device backend. */
async function bothWays(
  make: () => Sequential,
  samples: SupervisedData,
  transform: () => GradientTransform,
  options: { epochs: number; batchSize: number; seed: number; C?: number },
) {
  const backend = createWebGpuBackend({ gpu: await testDevice() });
  const cpu = make();
  const device = make();
  const cpuLosses: number[] = [];
  const deviceLosses: number[] = [];
  const common = { ...options, loss: "cross-entropy" as const };
  train(cpu, samples, { ...common, transform: transform(), onBatch: (p) => void cpuLosses.push(p.loss) });
  const result = await trainOnBackend(device, samples, {
    ...common,
    backend,
    transform: transform(),
    onBatch: (p) => void deviceLosses.push(p.loss),
  });
  return { cpu, device, cpuLosses, deviceLosses, result };
}

afterAll(() => disposeSharedWebGpuBackend());

describe("the webgpu backend", () => {
  it("is what resolveBackend('webgpu') finds once @deltalab/shaders is imported: a device backend", async () => {
    const backend = resolveBackend("webgpu");
    expect(backend.name).toBe("webgpu");
    expect(backend).toBe(resolveBackend("webgpu"));
    expect(isDeviceBackend(backend)).toBe(true);
    expect(isDeviceBackend(resolveBackend("reference"))).toBe(false);
    if (!isDeviceBackend(backend)) return;
    const device = await backend.openDevice();
    expect(device.name.length).toBeGreaterThan(0);
  });

  it("trains a small CNN through core's loop with the CPU's batch losses and parameters (sgd with momentum)", async () => {
    const make = () => new Sequential(spec).initialize(2);
    const run = await bothWays(make, data(12, 64, 4), () => sgd({ step: 0.2, momentum: 0.5 }), {
      epochs: 2,
      batchSize: 4,
      seed: 5,
    });
    expect(run.result.steps).toBe(6);
    expect(run.deviceLosses).toHaveLength(6);
    expectClose(run.deviceLosses, run.cpuLosses, 1e-5, 1e-5);
    expectClose(run.device.getParameters(), run.cpu.getParameters(), 1e-5, 1e-4);
  });

  it("takes Adam's steps and the regularization term theta^T theta / (2C) as the host does", async () => {
    const make = () => new Sequential(spec).initialize(3);
    const run = await bothWays(make, data(8, 64, 4), () => adam({ step: 0.01 }), {
      epochs: 2,
      batchSize: 4,
      seed: 1,
      C: 2,
    });
    expectClose(run.deviceLosses, run.cpuLosses, 1e-5, 1e-5);
    expectClose(run.device.getParameters(), run.cpu.getParameters(), 1e-5, 1e-4);
  });

  it("trains LeNet-5 on a batch of two with the CPU's losses", async () => {
    const make = () => lenet5({ seed: 3, backend: "reference" });
    const samples = data(4, make().inputSize, 10);
    const run = await bothWays(make, samples, () => sgd({ step: 0.05 }), {
      epochs: 1,
      batchSize: 2,
      seed: 0,
    });
    expect(run.deviceLosses).toHaveLength(2);
    expectClose(run.deviceLosses, run.cpuLosses, 1e-5, 1e-4);
    expectClose(run.device.getParameters(), run.cpu.getParameters(), 1e-5, 1e-3);
  });

  it("serves a model built on it: layers on the host, training steps on the device", async () => {
    const samples = data(8, 64, 4);
    const onWebGpu = new Sequential(spec, "webgpu").initialize(7);
    const reference = new Sequential(spec, "reference").initialize(7);
    expect(onWebGpu.backend.name).toBe("webgpu");
    const x = Float64Array.from(samples.inputs).subarray(0, 64);
    expect(Array.from(onWebGpu.predict(x))).toEqual(Array.from(reference.predict(x)));
    const options = {
      loss: "cross-entropy" as const,
      transform: sgd({ step: 0.1 }),
      epochs: 1,
      batchSize: 4,
    };
    const losses: number[] = [];
    await trainOnBackend(onWebGpu, samples, {
      ...options,
      backend: onWebGpu.backend,
      onBatch: (p) => void losses.push(p.loss),
    });
    const cpuLosses: number[] = [];
    train(reference, samples, { ...options, onBatch: (p) => void cpuLosses.push(p.loss) });
    expectClose(losses, cpuLosses, 1e-5, 1e-5);
  });

  it("drops the samples that do not fill the last batch of an epoch", async () => {
    const backend = createWebGpuBackend({ gpu: await testDevice() });
    const model = new Sequential(spec).initialize(1);
    const result = await trainOnBackend(model, data(10, 64, 4), {
      backend,
      loss: "cross-entropy",
      transform: sgd({ step: 0.1 }),
      epochs: 2,
      batchSize: 4,
    });
    expect(result.steps).toBe(4);
  });

  it("gives the per-sample losses of the CPU model for a compiled forward pass", async () => {
    const backend = createWebGpuBackend({ gpu: await testDevice() });
    const model = new Sequential(spec).initialize(4);
    const samples = data(3, 64, 4);
    const device = await backend.compile(model, { batch: 3, loss: "cross-entropy", training: false });
    try {
      const losses = await device.losses(
        Float32Array.from(samples.inputs),
        Float32Array.from(samples.targets),
      );
      const expected = Array.from({ length: 3 }, (_, i) => {
        const y = model.predict(Float64Array.from(samples.inputs).subarray(i * 64, (i + 1) * 64));
        return -Math.log(y[(i * 3) % 4]);
      });
      expectClose(losses, expected, 1e-5, 1e-5);
    } finally {
      device.dispose();
    }
  });

  it("evaluates a surface as the CPU evaluator does", async () => {
    const backend = createWebGpuBackend({ gpu: await testDevice() });
    const model = new Sequential(spec).initialize(6);
    const f = new ModelObjective(model, data(5, 64, 4), { loss: "cross-entropy" });
    const plane = randomFilterNormalizedPlane(model.getParameters(), {
      seed: 2,
      groups: modelThetaGroups(model),
    });
    const axes = { x: { min: -1, max: 1, count: 4 }, y: { min: -1, max: 1, count: 4 } };
    const evaluator = await backend.compileSurface(f);
    try {
      const onDevice = (await computeGrid(evaluator, plane, axes)).loss.flat() as number[];
      const cpu = (await computeGrid(f, plane, axes)).loss.flat() as number[];
      expectClose(onDevice, cpu, 1e-5, 1e-5);
    } finally {
      evaluator.dispose();
    }
  });

  it("refuses a layer kind without a device kernel, naming the layer and its kind", async () => {
    const backend = createWebGpuBackend({ gpu: await testDevice() });
    const model = new Sequential({
      inputShape: [4],
      layers: [{ type: "rbf", units: 3, name: "R" }, { type: "softmax" }],
    }).initialize(1);
    expect(deviceLayerKinds()).not.toContain("rbf");
    await expect(backend.compile(model, { batch: 2, loss: "cross-entropy" })).rejects.toThrow(
      /layer 'R' \(rbf\) has no device implementation on .*; supported: conv2d, dense/,
    );
  });

  it("refuses layer options its device kernels do not implement instead of computing something else", async () => {
    const backend = createWebGpuBackend({ gpu: await testDevice() });
    const noBias = new Sequential({
      inputShape: [4],
      layers: [{ type: "dense", units: 3, bias: false, name: "D" }, { type: "softmax" }],
    }).initialize(1);
    await expect(backend.compile(noBias, { batch: 2, loss: "cross-entropy" })).rejects.toThrow(
      /layer 'D' \(dense\) has no bias, which the device kernels do not implement/,
    );
    const partial = new Sequential({
      inputShape: [2, 4, 4],
      layers: [
        { type: "weighted-subsample", size: 2, connections: [[0, 1], [1]], name: "S" },
        { type: "flatten" },
        { type: "dense", units: 2 },
        { type: "softmax" },
      ],
    }).initialize(1);
    await expect(backend.compile(partial, { batch: 2, loss: "cross-entropy" })).rejects.toThrow(
      /layer 'S' \(weighted-subsample\) has a connection table other than one map per input map/,
    );
  });

  it("frees what it allocated when a compilation fails part way", async () => {
    const gpu = await testDevice();
    const allocated: GpuBuffer[] = [];
    const freed = new Set<GpuBuffer>();
    const alloc = vi.spyOn(gpu, "alloc").mockImplementation(function (this: GpuDevice, length: number) {
      const buffer = GpuDevice.prototype.alloc.call(this, length);
      allocated.push(buffer);
      return buffer;
    });
    const free = vi.spyOn(gpu, "free").mockImplementation(function (this: GpuDevice, buffer: GpuBuffer) {
      freed.add(buffer);
      GpuDevice.prototype.free.call(this, buffer);
    });
    try {
      // The input fits a binding; the convolution's output, three maps of the same size, does not.
      const batch = Math.floor(gpu.limits.maxStorageBufferBindingSize / (4 * 64));
      const model = new Sequential(spec).initialize(1);
      const backend = createWebGpuBackend({ gpu });
      await expect(backend.compile(model, { batch, loss: "cross-entropy" })).rejects.toThrow(
        /exceeds maxStorageBufferBindingSize/,
      );
      expect(allocated.length).toBeGreaterThan(0);
      expect(allocated.every((buffer) => freed.has(buffer))).toBe(true);
    } finally {
      alloc.mockRestore();
      free.mockRestore();
    }
  });

  it("refuses a loss other than the cross-entropy of a softmax output", async () => {
    const backend = createWebGpuBackend({ gpu: await testDevice() });
    const model = new Sequential(spec).initialize(1);
    await expect(backend.compile(model, { batch: 2, loss: "mse" })).rejects.toThrow(
      /computes the cross-entropy loss of a softmax output, not mse/,
    );
  });
});
