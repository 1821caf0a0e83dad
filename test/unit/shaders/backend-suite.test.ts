/**
 * One suite for every device backend (STYLE point 3): each case builds a @deltalab/core layer on a randomized
 * shape — odd sizes, stride > 1, padding, partial connection tables, shared kernels, overlapping and tied pooling
 * windows — runs it forward and backward on the CPU (the reference) and on each backend, and compares y, the
 * input delta and the parameter gradient. A backend lists the layer kinds it implements; the rest are skipped.
 */
import { describe, it } from "vitest";
import {
  ACTIVATION_NAMES,
  ActivationLayer,
  AveragePoolLayer,
  Conv2dLayer,
  DenseLayer,
  FlattenLayer,
  LENET5_C3_CONNECTIONS,
  MaxPoolLayer,
  RbfLayer,
  SubsampleLayer,
  WeightedSubsampleLayer,
  type Conv2dAttrs,
  type Layer,
} from "@deltalab/core";
import { DEVICE_LAYER_KINDS, LayerOptions, LayerRun, runLayer } from "@deltalab/shaders";
import { expectClose, randomArray, randomInt, rng, testDevice } from "./support";

interface Backend {
  readonly name: string;
  readonly kinds: readonly string[];
  readonly options: LayerOptions;
}

const backends: Backend[] = [
  { name: "webgpu", kinds: DEVICE_LAYER_KINDS, options: {} },
  {
    name: "webgpu, tiled convolution",
    kinds: ["conv2d"],
    options: { convolution: { method: "tiled", workgroupX: 5, workgroupY: 3 } },
  },
  {
    name: "webgpu, register-blocked convolution",
    kinds: ["conv2d"],
    options: {
      convolution: {
        method: "blocked",
        workgroupX: 4,
        workgroupY: 2,
        channelsPerInvocation: 3,
        pixelsPerInvocation: 2,
        vec4: false,
      },
    },
  },
  {
    name: "webgpu, im2col + GEMM convolution",
    kinds: ["conv2d"],
    options: {
      convolution: {
        method: "im2col",
        gemm: { workgroupX: 8, workgroupY: 4, rowsPerInvocation: 2, colsPerInvocation: 2, tile: 4 },
      },
    },
  },
];

interface Case {
  readonly name: string;
  readonly layer: Layer;
  readonly batch: number;
  /** Round inputs to a coarse grid, so that pooling windows hold ties. */
  readonly ties?: boolean;
}

function partialTable(outputs: number, inputs: number, next: () => number): number[][] {
  return Array.from({ length: outputs }, (_, o) => {
    const row = Array.from({ length: inputs }, (_, c) => c).filter(() => next() < 0.5);
    return row.length > 0 ? row : [o % inputs];
  });
}

function convCases(seed: number, count: number): Case[] {
  const next = rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const inChannels = randomInt(next, 1, 4);
    const filters = randomInt(next, 1, 5);
    const attrs: Conv2dAttrs = {
      filters,
      kernel: [randomInt(next, 1, 4), randomInt(next, 1, 4)],
      padding: [randomInt(next, 0, 2), randomInt(next, 0, 2)],
      stride: [randomInt(next, 1, 3), randomInt(next, 1, 2)],
      connections: next() < 0.5 ? partialTable(filters, inChannels, next) : undefined,
      sharing: next() < 0.3 ? "map" : "connection",
    };
    const shape = [inChannels, randomInt(next, 4, 11), randomInt(next, 4, 13)];
    const layer = new Conv2dLayer(`conv ${i} ${JSON.stringify({ shape, ...attrs })}`, shape, attrs);
    return { name: layer.name, layer, batch: randomInt(next, 1, 3) };
  });
}

const cases: Case[] = [
  ...convCases(7, 8),
  {
    name: "LeNet-5 C3 (partial table)",
    layer: new Conv2dLayer("C3", [6, 14, 14], { filters: 16, kernel: 5, connections: LENET5_C3_CONNECTIONS }),
    batch: 2,
  },
  { name: "dense 13 -> 7", layer: new DenseLayer("F", [13], { units: 7 }), batch: 5 },
  ...ACTIVATION_NAMES.map((activation) => ({
    name: `activation ${activation}`,
    layer: new ActivationLayer(activation, [3, 5, 3], { activation, slope: 0.05 }),
    batch: 2,
  })),
  {
    name: "activation tanh, odd length",
    layer: new ActivationLayer("t", [37], { activation: "tanh" }),
    batch: 1,
  },
  { name: "max-pool 2x2", layer: new MaxPoolLayer("P", [3, 8, 9], { size: 2 }), batch: 2, ties: true },
  {
    name: "max-pool 3x3 stride 2 (overlapping)",
    layer: new MaxPoolLayer("P", [2, 7, 11], { size: 3, stride: 2 }),
    batch: 2,
    ties: true,
  },
  {
    name: "max-pool 3x3 stride 1",
    layer: new MaxPoolLayer("P", [1, 9, 5], { size: 3, stride: 1 }),
    batch: 2,
    ties: true,
  },
  {
    name: "average-pool 3x2 stride 2x1",
    layer: new AveragePoolLayer("A", [2, 9, 7], { size: [3, 2], stride: [2, 1] }),
    batch: 3,
  },
  {
    name: "weighted sub-sampling 2x2",
    layer: new WeightedSubsampleLayer("S", [6, 28, 28], { size: 2 }),
    batch: 2,
  },
  {
    name: "weighted sub-sampling, leftover rows",
    layer: new WeightedSubsampleLayer("S", [3, 7, 9], { size: 2 }),
    batch: 2,
  },
  {
    name: "vanilla sub-sampling 2x3",
    layer: new SubsampleLayer("V", [2, 9, 8], { factor: [2, 3] }),
    batch: 2,
  },
  { name: "flatten", layer: new FlattenLayer("flat", [2, 3, 4]), batch: 2 },
  { name: "radial basis", layer: new RbfLayer("R", [6], { units: 3 }), batch: 2 },
];

function cpuReference(c: Case, params: Float32Array, x: Float32Array, dy: Float32Array): LayerRun {
  const { layer, batch } = c;
  const y = new Float32Array(batch * layer.outputSize);
  const dx = new Float32Array(batch * layer.inputSize);
  const grad = new Float32Array(layer.parameterCount);
  layer.forward(params, x, y, batch);
  layer.backward(params, x, y, dy, dx, grad, batch);
  return { y, dx, grad };
}

for (const backend of backends) {
  describe(`layers on ${backend.name} against the CPU layers`, () => {
    for (const [i, c] of cases.entries()) {
      it.skipIf(!backend.kinds.includes(c.layer.kind))(`${c.name}: y, dx and the gradient`, async () => {
        const gpu = await testDevice();
        const next = rng(1000 + i);
        const x = randomArray(c.batch * c.layer.inputSize, next).map((v) =>
          c.ties ? Math.round(2 * v) / 2 : 6 * v,
        );
        const params = randomArray(c.layer.parameterCount, next);
        const dy = randomArray(c.batch * c.layer.outputSize, next);
        const expected = cpuReference(c, params, x, dy);
        const actual = await runLayer(gpu, c.layer, params, x, dy, c.batch, backend.options);
        expectClose(actual.y, expected.y, 1e-5, 1e-4);
        expectClose(actual.dx, expected.dx, 1e-5, 1e-4);
        expectClose(actual.grad, expected.grad, 1e-4, 1e-4);
      });
    }
  });
}
