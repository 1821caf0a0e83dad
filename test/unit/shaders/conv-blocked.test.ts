/**
 * The register-blocked convolution kernels (forward, input delta, filter gradient) against @deltalab/core's CPU
 * layer on randomized shapes: odd sizes, stride > 1, padding, partial connection tables and shared kernels, with
 * blocks that do not divide the maps or the rows.
 */
import { describe, expect, it } from "vitest";
import { Conv2dLayer, LENET5_C3_CONNECTIONS, type Conv2dAttrs } from "@deltalab/core";
import {
  ConvBackwardMethod,
  ConvForwardMethod,
  GpuDevice,
  blockedWeightsVec4Problem,
  conv2dGeometry,
  convBackward,
  convForward,
} from "@deltalab/shaders";
import { expectClose, randomArray, randomInt, rng, testDevice } from "./support";

interface Case {
  readonly layer: Conv2dLayer;
  readonly batch: number;
}

function partialTable(outputs: number, inputs: number, next: () => number): number[][] {
  return Array.from({ length: outputs }, (_, o) => {
    const row = Array.from({ length: inputs }, (_, c) => c).filter(() => next() < 0.5);
    return row.length > 0 ? row : [o % inputs];
  });
}

function randomCases(seed: number, count: number): Case[] {
  const next = rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const inChannels = randomInt(next, 1, 5);
    const filters = randomInt(next, 1, 7);
    const attrs: Conv2dAttrs = {
      filters,
      kernel: [randomInt(next, 1, 5), randomInt(next, 1, 5)],
      padding: [randomInt(next, 0, 2), randomInt(next, 0, 2)],
      stride: [randomInt(next, 1, 3), randomInt(next, 1, 3)],
      connections: next() < 0.5 ? partialTable(filters, inChannels, next) : undefined,
      sharing: next() < 0.3 ? "map" : "connection",
    };
    const shape = [inChannels, randomInt(next, 5, 13), randomInt(next, 5, 15)];
    return { layer: new Conv2dLayer(`conv ${i}`, shape, attrs), batch: randomInt(next, 1, 3) };
  });
}

async function run(
  gpu: GpuDevice,
  c: Case,
  forward: ConvForwardMethod,
  backward: ConvBackwardMethod,
  seed: number,
) {
  const { layer, batch } = c;
  const next = rng(seed);
  const params = randomArray(layer.parameterCount, next);
  const x = randomArray(batch * layer.inputSize, next);
  const dy = randomArray(batch * layer.outputSize, next);
  const expected = {
    y: new Float32Array(batch * layer.outputSize),
    dx: new Float32Array(batch * layer.inputSize),
    grad: new Float32Array(layer.parameterCount),
  };
  layer.forward(params, x, expected.y, batch);
  layer.backward(params, x, expected.y, dy, expected.dx, expected.grad, batch);
  const g = conv2dGeometry(layer, batch);
  const b = {
    x: gpu.upload(x),
    params: gpu.upload(params),
    y: gpu.alloc(expected.y.length),
    dy: gpu.upload(dy),
    dx: gpu.alloc(expected.dx.length),
    grad: gpu.alloc(expected.grad.length),
  };
  try {
    gpu.submit([...convForward(g, b, forward), ...convBackward(g, b, backward)]);
    const actual = { y: await gpu.read(b.y), dx: await gpu.read(b.dx), grad: await gpu.read(b.grad) };
    const what = `${layer.name} ${JSON.stringify(layer.inputShape)}`;
    return { actual, expected, what };
  } finally {
    Object.values(b).forEach((buffer) => gpu.free(buffer));
  }
}

const blockings = [
  { channelsPerInvocation: 1, pixelsPerInvocation: 1, workgroupX: 4, workgroupY: 2 },
  { channelsPerInvocation: 2, pixelsPerInvocation: 3, workgroupX: 2, workgroupY: 4 },
  { channelsPerInvocation: 4, pixelsPerInvocation: 4, workgroupX: 8, workgroupY: 1 },
];

describe("register-blocked convolution against the CPU layer", () => {
  const cases = randomCases(21, 6);
  for (const [b, blocking] of blockings.entries()) {
    it(`forward, input delta and filter gradient (kernel groups of ${b + 1}) with ${JSON.stringify(blocking)}`, async () => {
      const gpu = await testDevice();
      const backward: ConvBackwardMethod = {
        input: { method: "blocked", ...blocking },
        filter: { method: "row", workgroupSize: 8 * (b + 1), kernelsPerInvocation: b + 1 },
      };
      for (const [i, c] of cases.entries()) {
        const forward: ConvForwardMethod = { method: "blocked", ...blocking, vec4: false };
        const { actual, expected } = await run(gpu, c, forward, backward, 100 * b + i);
        expectClose(actual.y, expected.y, 1e-5, 1e-4);
        expectClose(actual.dx, expected.dx, 1e-5, 1e-4);
        expectClose(actual.grad, expected.grad, 1e-4, 1e-4);
      }
    });
  }

  it("reads the input as aligned vec4 on LeNet-5's C3 (partial table) and a padded-free 4-wide layer", async () => {
    const gpu = await testDevice();
    const layers = [
      new Conv2dLayer("C3", [6, 12, 12], { filters: 16, kernel: 5, connections: LENET5_C3_CONNECTIONS }),
      new Conv2dLayer("rows padded", [3, 9, 16], {
        filters: 5,
        kernel: [3, 2],
        padding: [1, 0],
        stride: [2, 1],
      }),
    ];
    for (const [i, layer] of layers.entries()) {
      const forward: ConvForwardMethod = {
        method: "blocked",
        workgroupX: 2,
        workgroupY: 4,
        channelsPerInvocation: 3,
        pixelsPerInvocation: 4,
        vec4: true,
      };
      const { actual, expected } = await run(
        gpu,
        { layer, batch: 2 },
        forward,
        {
          input: { method: "gather", workgroupSize: 64 },
          filter: { method: "entry", workgroupSize: 64 },
        },
        7 + i,
      );
      expectClose(actual.y, expected.y, 1e-5, 1e-4);
    }
  });

  it("reads the weights four output maps at a time for a full table and for one kernel per map", async () => {
    const gpu = await testDevice();
    const layers = [
      new Conv2dLayer("full", [3, 11, 12], { filters: 8, kernel: [3, 5], padding: [1, 0] }),
      new Conv2dLayer("per map", [2, 9, 8], { filters: 4, kernel: 3, stride: 2, sharing: "map" }),
    ];
    for (const [i, layer] of layers.entries()) {
      for (const vec4 of [false, true]) {
        const forward: ConvForwardMethod = {
          method: "blocked",
          workgroupX: 2,
          workgroupY: 4,
          channelsPerInvocation: 4,
          pixelsPerInvocation: 4,
          vec4: vec4 && layer.strideWidth === 1,
          vec4Weights: true,
        };
        const backward: ConvBackwardMethod = {
          input: { method: "gather", workgroupSize: 64 },
          filter: { method: "entry", workgroupSize: 64 },
        };
        const { actual, expected } = await run(gpu, { layer, batch: 2 }, forward, backward, 30 + i);
        expectClose(actual.y, expected.y, 1e-5, 1e-4);
      }
    }
  });

  it("refuses vec4 weights where the layout does not put a block's kernels side by side, saying why", () => {
    const config = (layer: Conv2dLayer, channelsPerInvocation: number) => ({
      geometry: conv2dGeometry(layer, 1),
      workgroupX: 8,
      workgroupY: 1,
      channelsPerInvocation,
      pixelsPerInvocation: 1,
      vec4: false,
    });
    const c3 = new Conv2dLayer("C3", [6, 14, 14], {
      filters: 16,
      kernel: 5,
      connections: LENET5_C3_CONNECTIONS,
    });
    expect(blockedWeightsVec4Problem(config(c3, 4))).toMatch(/kernels at 4-aligned positions/);
    const six = new Conv2dLayer("C1", [1, 32, 32], { filters: 6, kernel: 5 });
    expect(blockedWeightsVec4Problem(config(six, 4))).toMatch(/output maps \(6\) a multiple of/);
    expect(blockedWeightsVec4Problem(config(six, 2))).toMatch(/channelsPerInvocation a multiple of 4/);
    const full = new Conv2dLayer("F", [6, 12, 12], { filters: 16, kernel: 5 });
    expect(blockedWeightsVec4Problem(config(full, 8))).toBeUndefined();
  });
});
