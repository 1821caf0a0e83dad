import { afterAll, describe, expect, it } from "vitest";
import {
  createWasmBackend,
  disposeSharedWasmBackend,
  lenet5,
  Sequential,
  wasmBackendAvailable,
  type ModelSpec,
} from "@deltalab/core";
import { expectClose, sumTolerance } from "../helpers/close";
import { randomFloats } from "../helpers/random";

const single = createWasmBackend({ threads: 1 });
const pair = createWasmBackend({ threads: 2 });
afterAll(() => {
  single.dispose();
  pair.dispose();
  disposeSharedWasmBackend();
});

const BATCH = 5;

/** Forward, then backward from a random output delta; returns the output, the input delta and the gradient. */
function pass(model: Sequential) {
  const ws = model.workspace(BATCH);
  model.setInput(ws, randomFloats(BATCH * model.inputSize, 3));
  const output = Float64Array.from(model.forward(ws));
  ws.outputDelta.set(randomFloats(BATCH * model.outputSize, 4));
  model.backward(ws, BATCH, model.layers.length - 1, true);
  return { output, inputDelta: Float64Array.from(ws.deltas[0]), gradient: Float64Array.from(ws.gradient) };
}

/**
 * Output, input delta and gradient of `fast` equal the reference's within Float32 rounding of sums of `terms` terms
 * (the gradient sums BATCH samples).
 */
function expectMatches(fast: ReturnType<typeof pass>, reference: ReturnType<typeof pass>, terms: number) {
  expectClose(fast.output, reference.output, sumTolerance(terms), 0);
  expectClose(fast.inputDelta, reference.inputDelta, sumTolerance(terms), 0);
  expectClose(fast.gradient, reference.gradient, sumTolerance(terms * BATCH), 0);
}

/** Convolutions with a partial table and per-map kernels (Hedberg Remark 2), stride and padding. */
const SHARED_SPEC: ModelSpec = {
  inputShape: [3, 13, 11],
  dtype: "float32",
  layers: [
    {
      type: "conv2d",
      filters: 4,
      kernel: [3, 5],
      stride: 2,
      padding: [1, 2],
      connections: [[0], [0, 1], [1, 2], [0, 1, 2]],
      sharing: "map",
      activation: "tanh",
    },
    { type: "conv2d", filters: 5, kernel: 3, activation: "relu" },
    { type: "flatten" },
    { type: "dense", units: 3 },
  ],
};

describe("a model on the WebAssembly backend", () => {
  it("matches the reference on LeNet-5 with the paper's partial C3 table", () => {
    const reference = pass(lenet5({ seed: 1, backend: "reference" }));
    const fast = pass(lenet5({ seed: 1, backend: pair }));
    expectMatches(fast, reference, 400);
  });

  it("matches the reference on LeNet-5 with max pooling and ReLU", () => {
    const options = { seed: 4, inputSize: 28, pooling: "max-pool", activation: "relu" } as const;
    const reference = pass(lenet5({ ...options, backend: "reference" }));
    const fast = pass(lenet5({ ...options, backend: pair }));
    expectMatches(fast, reference, 400);
  });

  it("matches the reference with average pooling, leaky ReLU and a dense layer without bias", () => {
    const spec: ModelSpec = {
      inputShape: [2, 10, 10],
      layers: [
        { type: "conv2d", filters: 3, kernel: 3, activation: "leaky-relu" },
        { type: "average-pool", size: 2 },
        { type: "flatten" },
        { type: "dense", units: 2, bias: false },
      ],
    };
    const reference = pass(new Sequential(spec, "reference").initialize(5));
    const fast = pass(new Sequential(spec, pair).initialize(5));
    expectMatches(fast, reference, 100);
  });

  it.each([
    { sharing: "connection" as const, connections: undefined },
    { sharing: "map" as const, connections: [[0, 1], [1, 2], [2]] },
  ])(
    "matches the reference on weighted sub-sampling with left-over rows ($sharing, table $connections)",
    ({ sharing, connections }) => {
      const spec: ModelSpec = {
        inputShape: [3, 9, 7],
        layers: [
          { type: "weighted-subsample", size: 2, sharing, connections, activation: "tanh" },
          { type: "flatten" },
          { type: "dense", units: 2 },
        ],
      };
      const reference = pass(new Sequential(spec, "reference").initialize(6));
      const fast = pass(new Sequential(spec, pair).initialize(6));
      expectMatches(fast, reference, 20);
    },
  );

  it("matches the reference with kernels shared per map, stride and padding", () => {
    const reference = pass(new Sequential(SHARED_SPEC, "reference").initialize(2));
    const fast = pass(new Sequential(SHARED_SPEC, single).initialize(2));
    expectMatches(fast, reference, 100);
  });

  it.each([
    { name: "a kernel covering the whole input (run as a dense layer)", input: [3, 4, 5], stride: 1 },
    {
      name: "one output position from a kernel that leaves a row and a column out",
      input: [3, 5, 6],
      stride: 2,
    },
  ])("matches the reference on a convolution with $name, a partial table and kernels per map", (c) => {
    const spec: ModelSpec = {
      inputShape: c.input,
      layers: [
        {
          type: "conv2d",
          filters: 4,
          kernel: [4, 5],
          stride: c.stride,
          connections: [[0], [0, 1], [1, 2], [0, 1, 2]],
          sharing: "map",
          activation: "tanh",
        },
        { type: "flatten" },
        { type: "dense", units: 2 },
      ],
    };
    const reference = pass(new Sequential(spec, "reference").initialize(7));
    const fast = pass(new Sequential(spec, pair).initialize(7));
    expectMatches(fast, reference, 100);
  });

  it("gives the same output and input delta on one thread and on two", () => {
    const one = pass(lenet5({ seed: 3, backend: single }));
    const two = pass(lenet5({ seed: 3, backend: pair }));
    expect(two.output).toEqual(one.output);
    expect(two.inputDelta).toEqual(one.inputDelta);
  });

  it("leaves a Float64 model on the reference", () => {
    const spec = { ...SHARED_SPEC, dtype: "float64" as const };
    const model = new Sequential(spec, pair).initialize(2);
    expect(pass(model)).toEqual(pass(new Sequential(spec, "reference").initialize(2)));
  });

  it("switches back to the reference by name", () => {
    const model = lenet5({ seed: 1, backend: pair }).useBackend("reference");
    expect(model.backend.name).toBe("reference");
    expect(pass(model)).toEqual(pass(lenet5({ seed: 1, backend: "reference" })));
  });

  it("runs a Float32 model on the WebAssembly backend by default where the engine has one", () => {
    expect(wasmBackendAvailable()).toBe(true);
    expect(lenet5().backend.name).toBe("wasm");
    expect(lenet5({ dtype: "float64" }).backend.name).toBe("reference");
  });

  it("rejects an unknown backend name", () => {
    expect(() => lenet5({ backend: "gpu" as "wasm" })).toThrow(/unknown backend "gpu"/);
  });
});
