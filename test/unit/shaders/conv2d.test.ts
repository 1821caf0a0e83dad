import { describe, it } from "vitest";
import {
  ConvForwardMethod,
  GpuDevice,
  convBackward,
  convForward,
  conv2dGeometry,
  allocIm2colScratch,
} from "@deltalab/shaders";
import { Conv2dLayer, type Conv2dAttrs } from "@deltalab/core";
import { expectClose, randomArray, randomInt, rng, testDevice } from "./support";

interface Case {
  readonly name: string;
  readonly input: [number, number, number];
  readonly attrs: Conv2dAttrs;
  readonly batch: number;
}

/** A random partial connection table: every output map reads a non-empty random subset of the inputs. */
function partialTable(outputs: number, inputs: number, next: () => number): number[][] {
  return Array.from({ length: outputs }, (_, o) => {
    const row = Array.from({ length: inputs }, (_, c) => c).filter(() => next() < 0.5);
    return row.length > 0 ? row : [o % inputs];
  });
}

/** Randomized shapes with odd sizes, stride > 1, padding, partial tables and shared kernels (Remark 2). */
function randomCases(seed: number, count: number): Case[] {
  const next = rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const inChannels = randomInt(next, 1, 4);
    const filters = randomInt(next, 1, 5);
    const kernel: [number, number] = [randomInt(next, 1, 4), randomInt(next, 1, 4)];
    const padding: [number, number] = [randomInt(next, 0, 2), randomInt(next, 0, 2)];
    const stride: [number, number] = [randomInt(next, 1, 3), randomInt(next, 1, 2)];
    const input: [number, number, number] = [inChannels, randomInt(next, 4, 11), randomInt(next, 4, 13)];
    const connections = next() < 0.5 ? partialTable(filters, inChannels, next) : undefined;
    const sharing = next() < 0.3 ? ("map" as const) : ("connection" as const);
    const attrs: Conv2dAttrs = { filters, kernel, padding, stride, connections, sharing };
    return { name: `case ${i}`, input, attrs, batch: randomInt(next, 1, 3) };
  });
}

const lenetC3: Case = {
  name: "LeNet-5 C3 with its partial table",
  input: [6, 14, 14],
  attrs: {
    filters: 16,
    kernel: 5,
    connections: [
      [0, 1, 2],
      [1, 2, 3],
      [2, 3, 4],
      [3, 4, 5],
      [0, 4, 5],
      [0, 1, 5],
      [0, 1, 2, 3],
      [1, 2, 3, 4],
      [2, 3, 4, 5],
      [0, 3, 4, 5],
      [0, 1, 4, 5],
      [0, 1, 2, 5],
      [0, 1, 3, 4],
      [1, 2, 4, 5],
      [0, 2, 3, 5],
      [0, 1, 2, 3, 4, 5],
    ],
  },
  batch: 2,
};

function setup(c: Case, seed: number) {
  const layer = new Conv2dLayer("C", c.input, c.attrs);
  const next = rng(seed);
  const params = randomArray(layer.parameterCount, next);
  const x = randomArray(c.batch * layer.inputSize, next);
  const dy = randomArray(c.batch * layer.outputSize, next);
  return { layer, params, x, dy, geometry: conv2dGeometry(layer, c.batch) };
}

async function checkForward(gpu: GpuDevice, c: Case, method: ConvForwardMethod, seed: number) {
  const { layer, params, x, geometry } = setup(c, seed);
  const expected = new Float32Array(c.batch * layer.outputSize);
  layer.forward(params, x, expected, c.batch);
  const buffers = { x: gpu.upload(x), params: gpu.upload(params), y: gpu.alloc(expected.length) };
  const scratch = method.method === "im2col" ? allocIm2colScratch(gpu, geometry) : undefined;
  gpu.submit(convForward(geometry, buffers, method, scratch));
  expectClose(await gpu.read(buffers.y), expected);
}

const methods: ConvForwardMethod[] = [
  { method: "direct", workgroupX: 8, workgroupY: 4, outputsPerInvocation: 1 },
  { method: "direct", workgroupX: 4, workgroupY: 2, outputsPerInvocation: 3 },
  { method: "tiled", workgroupX: 8, workgroupY: 8 },
  { method: "tiled", workgroupX: 5, workgroupY: 3 },
  {
    method: "im2col",
    gemm: { workgroupX: 8, workgroupY: 4, rowsPerInvocation: 2, colsPerInvocation: 2, tile: 4 },
  },
];

describe("convolution forward against core's Conv2dLayer", () => {
  for (const method of methods) {
    it(`matches on randomized shapes (${JSON.stringify(method)})`, async () => {
      const gpu = await testDevice();
      for (const [i, c] of randomCases(7, 6).entries()) await checkForward(gpu, c, method, 100 + i);
    });
  }

  it("matches on LeNet-5's C3 with every method", async () => {
    const gpu = await testDevice();
    for (const method of methods) await checkForward(gpu, lenetC3, method, 5);
  });
});

async function checkBackward(gpu: GpuDevice, c: Case, seed: number) {
  const { layer, params, x, dy, geometry } = setup(c, seed);
  const dx = new Float32Array(c.batch * layer.inputSize);
  const grad = new Float32Array(layer.parameterCount);
  layer.backward(params, x, new Float32Array(dy.length), dy, dx, grad, c.batch);
  const buffers = {
    x: gpu.upload(x),
    params: gpu.upload(params),
    dy: gpu.upload(dy),
    dx: gpu.alloc(dx.length),
    grad: gpu.alloc(grad.length),
  };
  gpu.submit(convBackward(geometry, buffers));
  expectClose(await gpu.read(buffers.dx), dx);
  expectClose(await gpu.read(buffers.grad), grad, 1e-4, 1e-4);
}

describe("convolution backward against core's Conv2dLayer", () => {
  it("gives the input delta (eq. 74) and the parameter gradient (eq. 79-81) on randomized shapes", async () => {
    const gpu = await testDevice();
    for (const [i, c] of randomCases(11, 8).entries()) await checkBackward(gpu, c, 200 + i);
  });

  it("gives both on LeNet-5's C3", async () => {
    await checkBackward(await testDevice(), lenetC3, 9);
  });
});
