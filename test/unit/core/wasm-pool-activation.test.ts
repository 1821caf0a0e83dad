import { afterAll, describe, expect, it } from "vitest";
import { createWasmBackend, MaxPoolLayer, type WasmActivation } from "@deltalab/core";
import { expectClose, sumTolerance } from "../helpers/close";
import { randomFloats, tiedFloats } from "../helpers/random";

const pair = createWasmBackend({ threads: 2 });
afterAll(() => pair.dispose());

const POOLS = [
  { shape: [3, 8, 8], size: 2, stride: undefined },
  { shape: [2, 9, 7], size: [3, 2] as [number, number], stride: [2, 1] as [number, number] },
  { shape: [1, 5, 5], size: 3, stride: 1 },
  { shape: [2, 10, 11], size: 2, stride: undefined },
];

/** Max pooling copies values: its forward pass is exact, not merely close (the suite checks the rest). */
describe("WebAssembly pooling", () => {
  it.each(POOLS)("max pooling gives the reference's values exactly ($shape, $size)", (p) => {
    const layer = new MaxPoolLayer("pool", p.shape, { size: p.size, stride: p.stride });
    const batch = 3;
    const x = tiedFloats(batch * layer.inputSize, 1);
    const y = new Float32Array(batch * layer.outputSize);
    layer.forward(new Float32Array(0), x, y, batch);
    const yFast = new Float32Array(y.length);
    pair.maxPoolForward(layer.geometry, batch, x, yFast);
    expect(yFast).toEqual(y);
  });
});

describe("WebAssembly activations", () => {
  const KINDS: WasmActivation[] = ["relu", "leaky-relu", "tanh", "lecun-tanh"];
  /** Inputs over [-12, 12] (past tanh's clamp), tiny ones (tanh's identity range) and an odd length. */
  const length = 1003;
  const z = Float32Array.from(randomFloats(length, 9), (v, i) => (i % 5 === 0 ? v * 1e-4 : v * 12));

  it.each(KINDS)("%s writes exactly `length` outputs, the last partial vector included", (kind) => {
    const sentinel = 123.5;
    const y = new Float32Array(length + 5).fill(sentinel);
    const dz = new Float32Array(length + 5).fill(sentinel);
    pair.activationForward(kind, z, y, length, 0.2);
    pair.activationBackward(kind, z, y, randomFloats(length, 11), dz, length, 0.2);
    expect([...y.subarray(length)]).toEqual(Array(5).fill(sentinel));
    expect([...dz.subarray(length)]).toEqual(Array(5).fill(sentinel));
    expect(y.subarray(0, length).includes(sentinel)).toBe(false);
  });

  it.each(["tanh", "lecun-tanh"] as const)(
    "%s keeps NaN and saturates at the infinities, as Math.tanh",
    (kind) => {
      const input = Float32Array.of(Number.NaN, Infinity, -Infinity, 0, -0);
      const output = new Float32Array(input.length);
      pair.activationForward(kind, input, output, input.length);
      const scale = kind === "tanh" ? 1 : 1.7159;
      expect(Number.isNaN(output[0])).toBe(true);
      expect(output[1]).toBeCloseTo(scale, 6);
      expect(output[2]).toBeCloseTo(-scale, 6);
      expect(Object.is(output[3], 0)).toBe(true);
      expect(Object.is(output[4], -0)).toBe(true);
    },
  );

  it("rejects an activation without a kernel", () => {
    const a = new Float32Array(4);
    expect(() => pair.activationForward("sigmoid" as WasmActivation, a, a, 4)).toThrow(
      /no WebAssembly kernel for the activation 'sigmoid'/,
    );
  });
});

describe("WebAssembly gather and scatterAdd", () => {
  const source = randomFloats(50, 12);
  const entries = [3, -1, 49, 0, 3, 17, -1, 8, 8, 8, 21];
  const index = pair.allocateIndex(entries.length);
  index.set(entries);

  it("gather reads source[index[k]] and writes 0 for a negative index", () => {
    const target = new Float32Array(entries.length).fill(Number.NaN);
    pair.gather(source, index, target);
    expect([...target]).toEqual(entries.map((i) => (i >= 0 ? source[i] : 0)));
  });

  it("scatterAdd adds source[k] into target[index[k]], summing repeated entries (gather's adjoint)", () => {
    const values = randomFloats(entries.length, 13);
    const target = randomFloats(50, 14);
    const expected = Float64Array.from(target);
    entries.forEach((i, k) => {
      if (i >= 0) expected[i] += values[k];
    });
    pair.scatterAdd(values, index, target);
    expectClose(target, expected, sumTolerance(4), 0);
  });

  it("rejects an index table that is not in the backend's memory", () => {
    const target = new Float32Array(entries.length);
    expect(() => pair.gather(source, Int32Array.from(entries), target)).toThrow(
      /index must be an Int32Array from allocateIndex/,
    );
  });
});
