/**
 * WebGPU in the one backend suite (test/unit/helpers/backend-suite.ts, STYLE point 3): every case of the shared list
 * runs on the device's default kernels against the layer's own Float64 code, and a kind or option the device lacks
 * is a skipped case that says so. The convolution strategies besides the default one (tiled, register-blocked,
 * im2col + GEMM) run on random convolutions of their own against the CPU layer.
 */
import { describe, it } from "vitest";
import { Conv2dLayer, LENET5_C3_CONNECTIONS, type Layer } from "@deltalab/core";
import { DEVICE_LAYER_KINDS, deviceRefusal, LayerOptions, LayerRun, runLayer } from "@deltalab/shaders";
import { describeBackendSuite } from "../helpers/backend-suite";
import { randomConvCases } from "../helpers/layer-cases";
import { expectClose, randomArray, rng, testDevice } from "./support";

// The default device kernels of every kind on the shared case list (test/unit/helpers/layer-cases.ts), the one every
// backend runs; a layer option the device refuses is reported as a skipped case.
describeBackendSuite("webgpu", () => ({ name: "webgpu", accelerate: (layer) => layer }), {
  device: {
    kinds: DEVICE_LAYER_KINDS,
    refuses: deviceRefusal,
    run: async (layer, batch, data) =>
      runLayer(await testDevice(), layer, data.params, data.x, data.dy, batch),
  },
});

interface Backend {
  readonly name: string;
  readonly kinds: readonly string[];
  readonly options: LayerOptions;
}

/** The convolution strategies besides the default one, on random convolutions of their own. */
const backends: Backend[] = [
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
}

/** The strategies are convolution kernels only: random convolutions and LeNet-5's C3 with its partial table. */
const cases: Case[] = [
  ...randomConvCases(7, 8),
  {
    name: "LeNet-5 C3 (partial table)",
    layer: new Conv2dLayer("C3", [6, 14, 14], { filters: 16, kernel: 5, connections: LENET5_C3_CONNECTIONS }),
    batch: 2,
  },
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
        const x = randomArray(c.batch * c.layer.inputSize, next).map((v) => 6 * v);
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
