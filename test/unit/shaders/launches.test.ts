import { describe, expect, it } from "vitest";
import { lenet5, type Sequential } from "@deltalab/core";
import {
  GpuModel,
  LaunchResolver,
  SHIPPED_LAUNCHES,
  TuningCache,
  adapterKey,
  conv2dForwardOperator,
  conv2dInputDeltaOperator,
  matmulOperator,
  stepOperators,
  tune,
  type AdapterDescription,
  type LaunchCache,
  type LaunchParams,
  type ShippedLaunches,
} from "@deltalab/shaders";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectClose, randomArray, rng, testDevice } from "./support";

const adapter = (device: string): AdapterDescription => ({
  backend: "opengl",
  featureLevel: "compatibility",
  vendor: "mesa",
  architecture: "",
  device,
  description: "",
  timestampQuery: false,
});
const LLVMPIPE = adapter("llvmpipe (LLVM 15.0.6, 256 bits)");
const DISCRETE = adapter("NVIDIA GeForce RTX 4090");
const LIMITS = {
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
  maxComputeWorkgroupStorageSize: 16384,
} as GPUSupportedLimits;

/** A cache holding one launch per operator name, whatever the shape, for one adapter. */
function fakeCache(owner: AdapterDescription, launches: Record<string, LaunchParams>): LaunchCache {
  return {
    best: (asked, operator) => (adapterKey(asked) === adapterKey(owner) ? launches[operator] : undefined),
  };
}

const C3 = () => conv2dForwardOperator([6, 14, 14], { filters: 16, kernel: 5 }, 8);
const TUNED_FORWARD = {
  method: "direct",
  workgroupX: 16,
  workgroupY: 4,
  outputsPerInvocation: 2,
};

describe("launch resolver", () => {
  it("takes the tuning cache's launch for this adapter over the shipped one", () => {
    const resolver = new LaunchResolver(
      LLVMPIPE,
      LIMITS,
      fakeCache(LLVMPIPE, { "conv2d-forward": TUNED_FORWARD }),
    );
    const resolved = resolver.resolve(C3());
    expect(resolved.source).toBe("tuned");
    expect(resolved.params).toEqual(TUNED_FORWARD);
    expect(resolved.shape).toEqual(C3().shape);
  });

  it("ignores another adapter's cache entry and uses the shipped launch of a software adapter", () => {
    const resolver = new LaunchResolver(
      LLVMPIPE,
      LIMITS,
      fakeCache(DISCRETE, { "conv2d-forward": TUNED_FORWARD }),
    );
    const resolved = resolver.resolve(C3());
    expect(resolved.source).toBe("shipped");
    expect(resolved.params).toEqual(SHIPPED_LAUNCHES.software["conv2d-forward"]);
    expect(resolved.params).not.toEqual(C3().defaultParams);
  });

  it("uses the operator's default on a hardware GPU, for which nothing is shipped", () => {
    const resolved = new LaunchResolver(DISCRETE, LIMITS, undefined).resolve(C3());
    expect(resolved).toMatchObject({ source: "default", params: C3().defaultParams });
  });

  it("uses the default where the shipped launch is outside the operator's space (more maps per block than the layer has)", () => {
    const oneMap = conv2dForwardOperator([1, 12, 12], { filters: 1, kernel: 3 }, 2);
    expect(SHIPPED_LAUNCHES.software["conv2d-forward"].channelsPerInvocation).toBeGreaterThanOrEqual(2);
    const resolved = new LaunchResolver(LLVMPIPE, LIMITS, undefined).resolve(oneMap);
    expect(resolved).toMatchObject({ source: "default", params: oneMap.defaultParams });
  });

  it("passes over a cached launch the adapter cannot run, and one the caller refuses", () => {
    const wide = { ...TUNED_FORWARD, workgroupX: 64, workgroupY: 16 };
    const tooWide = new LaunchResolver(LLVMPIPE, LIMITS, fakeCache(LLVMPIPE, { "conv2d-forward": wide }));
    expect(tooWide.resolve(C3()).source).toBe("shipped");
    const cached = new LaunchResolver(
      LLVMPIPE,
      LIMITS,
      fakeCache(LLVMPIPE, { "conv2d-forward": TUNED_FORWARD }),
    );
    const refused = cached.resolve(C3(), { accept: (p) => p.method !== "direct" });
    expect(refused.source).toBe("shipped");
    const none: ShippedLaunches = { software: {}, hardware: {} };
    const neither = new LaunchResolver(LLVMPIPE, LIMITS, undefined, none).resolve(C3(), {
      accept: (p) => p.method !== "direct",
    });
    expect(neither.source).toBe("default");
  });

  it("ships, for a software adapter, launches in the search space of every LeNet-5 convolution", () => {
    const resolver = new LaunchResolver(LLVMPIPE, LIMITS, undefined);
    for (const [shape, filters] of [
      [[1, 32, 32], 6],
      [[6, 14, 14], 16],
    ] as const) {
      expect(resolver.resolve(conv2dForwardOperator([...shape], { filters, kernel: 5 }, 8)).source).toBe(
        "shipped",
      );
      expect(resolver.resolve(conv2dInputDeltaOperator([...shape], { filters, kernel: 5 }, 8)).source).toBe(
        "shipped",
      );
    }
    expect(resolver.resolve(matmulOperator(8, 84, 120)).source).toBe("default");
  });
});

const BATCH = 4;
const TUNED: Record<string, LaunchParams> = {
  "conv2d-forward": {
    method: "blocked",
    workgroupX: 4,
    workgroupY: 2,
    channelsPerInvocation: 2,
    pixelsPerInvocation: 4,
    vec4: false,
    vec4Weights: false,
  },
  "conv2d-backward-input": {
    method: "blocked",
    workgroupX: 2,
    workgroupY: 4,
    channelsPerInvocation: 1,
    pixelsPerInvocation: 2,
  },
  "conv2d-backward-filter": { method: "row", workgroupSize: 32, kernelsPerInvocation: 1 },
  matmul: { workgroupX: 8, workgroupY: 4, rowsPerInvocation: 1, colsPerInvocation: 2, tile: 0, vec4: true },
  "activation-forward": { workgroupSize: 32, vec4: false },
  "pool-forward-max": { workgroupSize: 32 },
  "pool-forward-average": { workgroupSize: 128 },
  "pool-forward-weighted": { workgroupSize: 32 },
  "pool-forward-subsample": { workgroupSize: 256 },
};

function batchOf(model: Sequential) {
  const next = rng(5);
  const inputs = randomArray(BATCH * model.inputSize, next);
  const targets = new Float32Array(BATCH * model.outputSize);
  for (let n = 0; n < BATCH; n++) targets[n * model.outputSize + ((3 * n) % model.outputSize)] = 1;
  return { inputs, targets };
}

async function lossAndGradient(model: Sequential, device: GpuModel) {
  const { inputs, targets } = batchOf(model);
  const gradient = new Float64Array(model.parameterCount);
  const loss = await device.valueAndGradient(inputs, targets, gradient);
  return { loss, gradient };
}

describe("a model compiled with tuned launches", () => {
  it("gives the loss and gradient of the default launches, and names the tuned ones it used", async () => {
    const gpu = await testDevice();
    const model = lenet5({ seed: 7 });
    const none: ShippedLaunches = { software: {}, hardware: {} };
    const defaults = GpuModel.compile(gpu, model, BATCH, {
      launches: new LaunchResolver(gpu.adapter, gpu.limits, undefined, none),
    });
    const tuned = GpuModel.compile(gpu, model, BATCH, {
      launches: new LaunchResolver(gpu.adapter, gpu.limits, fakeCache(gpu.adapter, TUNED), none),
    });
    try {
      const reference = await lossAndGradient(model, defaults);
      const result = await lossAndGradient(model, tuned);
      expect(Math.abs(result.loss - reference.loss)).toBeLessThan(1e-5);
      expectClose(result.gradient, reference.gradient, 1e-6, 1e-4);

      expect(defaults.launchesUsed().every((l) => l.source === "default")).toBe(true);
      const used = tuned.launchesUsed();
      const convolutions = model.layers.filter(({ layer }) => layer.kind === "conv2d").length;
      // Forward, input delta and filter gradient of each, but no input delta for the first layer.
      expect(used.filter((l) => l.operator.startsWith("conv2d") && l.source === "tuned")).toHaveLength(
        3 * convolutions - 1,
      );
      for (const launch of used.filter((l) => l.source === "tuned"))
        expect(launch.launch).toEqual(TUNED[launch.operator]);
      expect(used.filter((l) => l.operator.startsWith("pool-forward-") && l.source === "tuned").length).toBe(
        2,
      );
      // The output layer's product has 10 columns: vec4 access does not fit, so it keeps the default.
      const output = used.filter((l) => l.operator === "matmul").at(-1);
      expect(output).toMatchObject({ source: "default", shape: { N: 10 } });
    } finally {
      defaults.dispose();
      tuned.dispose();
    }
  });

  it("reads the tuning cache %tune writes: an entry for this adapter and shape reaches the compiled model", async () => {
    const gpu = await testDevice();
    const model = lenet5({ seed: 8 });
    const path = join(tmpdir(), `deltalab-launches-${process.pid}.json`);
    const cache = TuningCache.open(path);
    const c1 = model.layers[0].layer;
    const operator = conv2dForwardOperator([...c1.inputShape], { filters: 6, kernel: 5 }, BATCH);
    cache.entry(gpu.adapter, operator.name, operator.shape).best = { id: "x", params: TUNED_FORWARD };
    cache.save();
    const device = GpuModel.compile(gpu, model, BATCH, { launches: LaunchResolver.forDevice(gpu, path) });
    try {
      const first = device.launchesUsed()[0];
      expect(first).toMatchObject({
        layer: c1.name,
        operator: "conv2d-forward",
        source: "tuned",
        launch: TUNED_FORWARD,
      });
    } finally {
      device.dispose();
    }
  });

  it("lists as the step's operators exactly the operations whose launches the compiled model names", async () => {
    const gpu = await testDevice();
    const model = lenet5({ seed: 9 });
    const device = GpuModel.compile(gpu, model, BATCH);
    try {
      const layers = model.layers.map(({ layer }) => layer);
      const key = (operator: string, shape: Record<string, number>) => `${operator} ${JSON.stringify(shape)}`;
      const operators = stepOperators(layers, BATCH).map((o) => key(o.name, { ...o.shape }));
      expect(operators).toEqual(device.launchesUsed().map((l) => key(l.operator, l.shape)));
    } finally {
      device.dispose();
    }
  });

  it("measures the launches a tuning run is asked to include besides its strategy's, as %tune step does the shipped one", async () => {
    const gpu = await testDevice();
    const operator = matmulOperator(8, 12, 16);
    const extra = {
      workgroupX: 2,
      workgroupY: 4,
      rowsPerInvocation: 1,
      colsPerInvocation: 1,
      tile: 0,
      vec4: false,
    };
    const strategy = { kind: "model-top-k", k: 1 } as const;
    const quick = { strategy, warmup: 0, runs: 1 };
    const without = await tune(gpu, operator, quick);
    const id = `matmul:${JSON.stringify(Object.fromEntries(Object.entries(extra).sort()))}`;
    expect(without.table.candidates.map((c) => c.id)).not.toContain(id);
    const result = await tune(gpu, operator, { ...quick, include: [extra] });
    expect(result.table.candidates.map((c) => c.id)).toContain(id);
    expect(result.table.candidates.find((c) => c.id === id)?.check.passed).toBe(true);
  });

  it("goes on without a damaged tuning cache, saying why", async () => {
    const gpu = await testDevice();
    const path = join(tmpdir(), `deltalab-launches-damaged-${process.pid}.json`);
    writeFileSync(path, "{ not json");
    const resolver = LaunchResolver.forDevice(gpu, path);
    expect(resolver.cacheProblem).toContain("not valid JSON");
    expect(resolver.resolve(C3()).source).not.toBe("tuned");
  });
});
