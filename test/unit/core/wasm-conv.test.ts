/**
 * The WebAssembly convolution operations beyond the layer cases of the backend suite (../helpers/layer-cases.ts,
 * which runs every convolution through the layer on both kernel builds): the operation on a kernel that covers its
 * whole input (which the layer runs as a dense product instead), the same bits on one thread and on two, and errors.
 */
import { afterAll, describe, expect, it } from "vitest";
import { Conv2dLayer, convGeometry, createWasmBackend, type ConvGeometry } from "@deltalab/core";
import { expectClose, sumTolerance } from "../helpers/close";
import { randomFloats } from "../helpers/random";

const single = createWasmBackend({ threads: 1 });
const pair = createWasmBackend({ threads: 2 });
/** Both committed builds, each checked against the reference (the default is the fastest one the engine runs). */
const builds = {
  simd: createWasmBackend({ threads: 2, variant: "simd" }),
  "relaxed-simd": createWasmBackend({ threads: 2, variant: "relaxed-simd" }),
};
afterAll(() => {
  for (const backend of [single, pair, ...Object.values(builds)]) backend.dispose();
});

interface Case {
  batch: number;
  inChannels: number;
  height: number;
  width: number;
  outChannels: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
}

/** A 5 x 5 kernel over a 5 x 5 input: one output position (a layer runs it as a dense product). */
const WHOLE_INPUT: Case = {
  batch: 5,
  inChannels: 6,
  height: 5,
  width: 5,
  outChannels: 17,
  kernel: [5, 5],
  stride: [1, 1],
  padding: [0, 0],
};
/** Stride 1, at most 64 patch rows: the direct kernels. */
const DIRECT: Case = {
  batch: 1,
  inChannels: 2,
  height: 11,
  width: 13,
  outChannels: 5,
  kernel: [3, 5],
  stride: [1, 1],
  padding: [1, 2],
};
/** Large enough to be cut into several GEMM chunks. */
const CHUNKED: Case = {
  batch: 4,
  inChannels: 16,
  height: 30,
  width: 30,
  outChannels: 12,
  kernel: [3, 3],
  stride: [1, 1],
  padding: [1, 1],
};

function geometryOf(c: Case): ConvGeometry {
  return convGeometry({
    inChannels: c.inChannels,
    height: c.height,
    width: c.width,
    outChannels: c.outChannels,
    kernel: c.kernel,
    stride: c.stride,
    padding: c.padding,
  });
}

/** The reference: the layer's direct loops (Hedberg eq. 61, 79-81) in Float64. */
function reference(c: Case, x: Float32Array, params: Float32Array, dy: Float32Array) {
  const layer = new Conv2dLayer("reference", [c.inChannels, c.height, c.width], {
    filters: c.outChannels,
    kernel: c.kernel,
    stride: c.stride,
    padding: c.padding,
    algorithm: "direct",
  });
  const x64 = Float64Array.from(x);
  const p64 = Float64Array.from(params);
  const y = new Float64Array(c.batch * layer.outputSize);
  const dx = new Float64Array(x.length);
  const grad = new Float64Array(layer.parameterCount);
  layer.forward(p64, x64, y, c.batch);
  layer.backward(p64, x64, y, Float64Array.from(dy), dx, grad, c.batch);
  return { layer, y, dx, grad };
}

function data(c: Case, seed: number) {
  const g = geometryOf(c);
  const x = randomFloats(c.batch * c.inChannels * c.height * c.width, seed);
  const params = randomFloats(g.patchSize * c.outChannels + c.outChannels, seed + 1);
  const dy = randomFloats(c.batch * c.outChannels * g.outPositions, seed + 2);
  const weights = params.subarray(0, g.patchSize * c.outChannels);
  const bias = params.subarray(g.patchSize * c.outChannels);
  return { g, x, params, dy, weights, bias };
}

describe.each(Object.keys(builds) as (keyof typeof builds)[])(
  "WebAssembly convolution operations on a kernel covering the whole input, %s build",
  (variant) => {
    const backend = builds[variant];
    const c = WHOLE_INPUT;

    it("forward matches the direct reference", () => {
      const { g, x, params, dy, weights, bias } = data(c, 11);
      const expected = reference(c, x, params, dy);
      const y = new Float32Array(expected.y.length);
      backend.conv2dForward(g, c.batch, x, weights, bias, y);
      expectClose(y, expected.y, sumTolerance(g.patchSize), 0);
    });

    it("backward to the input matches the direct reference", () => {
      const { g, x, params, dy, weights } = data(c, 23);
      const expected = reference(c, x, params, dy);
      const dx = new Float32Array(x.length).fill(Number.NaN);
      backend.conv2dBackwardInput(g, c.batch, dy, weights, dx);
      expectClose(dx, expected.dx, sumTolerance(c.outChannels * g.kernelHeight * g.kernelWidth), 0);
    });

    it("backward to the filters and biases matches the direct reference", () => {
      const { g, x, params, dy } = data(c, 37);
      const expected = reference(c, x, params, dy);
      const weightCount = g.patchSize * c.outChannels;
      const dWeights = new Float32Array(weightCount).fill(Number.NaN);
      const dBias = new Float32Array(c.outChannels).fill(Number.NaN);
      backend.conv2dBackwardFilter(g, c.batch, x, dy, dWeights, dBias);
      const terms = c.batch * g.outPositions;
      expectClose(dWeights, expected.grad.subarray(0, weightCount), sumTolerance(terms), 0);
      expectClose(dBias, expected.grad.subarray(weightCount), sumTolerance(terms), 0);
    });
  },
);

describe("WebAssembly convolution", () => {
  it("the direct forward gives the same bits on one thread and on two", () => {
    const c = DIRECT;
    const { g, x, dy, weights, bias } = data(c, 8);
    const [one, two] = [single, pair].map((backend) => {
      const y = new Float32Array(dy.length);
      backend.conv2dForward(g, c.batch, x, weights, bias, y);
      return y;
    });
    expect(two).toEqual(one);
  });

  it("forward and backward to the input give the same bits on one thread and on two", () => {
    const c = CHUNKED;
    const { g, x, dy, weights, bias } = data(c, 5);
    const outputs = [single, pair].map((backend) => {
      const y = new Float32Array(dy.length);
      const dx = new Float32Array(x.length);
      backend.conv2dForward(g, c.batch, x, weights, bias, y);
      backend.conv2dBackwardInput(g, c.batch, dy, weights, dx);
      return { y, dx };
    });
    expect(outputs[1].y).toEqual(outputs[0].y);
    expect(outputs[1].dx).toEqual(outputs[0].dx);
  });

  it("backward to the filters agrees on one thread and on two (partial sums differ only in rounding)", () => {
    const c = CHUNKED;
    const { g, x, dy } = data(c, 6);
    const results = [single, pair].map((backend) => {
      const dWeights = new Float32Array(g.patchSize * c.outChannels);
      const dBias = new Float32Array(c.outChannels);
      backend.conv2dBackwardFilter(g, c.batch, x, dy, dWeights, dBias);
      return { dWeights, dBias };
    });
    const tolerance = sumTolerance(c.batch * g.outPositions);
    expectClose(results[1].dWeights, results[0].dWeights, tolerance, 0);
    expectClose(results[1].dBias, results[0].dBias, tolerance, 0);
  });

  it("names the operand that is too short", () => {
    const c: Case = {
      ...DIRECT,
      batch: 2,
      inChannels: 1,
      height: 9,
      width: 7,
      outChannels: 3,
      kernel: [3, 3],
      padding: [0, 0],
    };
    const { g, weights, bias } = data(c, 1);
    const y = new Float32Array(1000);
    expect(() => single.conv2dForward(g, c.batch, new Float32Array(10), weights, bias, y)).toThrow(
      /conv2dForward: x needs 126 values, has 10/,
    );
  });
});
