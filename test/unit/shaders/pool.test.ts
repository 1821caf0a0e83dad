import { describe, it } from "vitest";
import {
  GpuDevice,
  PoolConfig,
  poolBackward,
  poolConfig,
  poolForward,
  subsampleConfig,
} from "@deltalab/shaders";
import {
  AveragePoolLayer,
  MaxPoolLayer,
  SubsampleLayer,
  WeightedSubsampleLayer,
  type Layer,
} from "@deltalab/core";
import { expectClose, randomArray, rng, testDevice } from "./support";

/** Runs a layer forward and backward on the CPU and on the device, and compares y, dx and the gradient. */
async function compare(
  gpu: GpuDevice,
  layer: Layer,
  config: PoolConfig,
  batch: number,
  seed: number,
  ties = false,
) {
  const next = rng(seed);
  // Values on a coarse grid make ties in max windows likely, exercising the first-maximum rule.
  const x = randomArray(batch * layer.inputSize, next).map((v) => (ties ? Math.round(v * 2) / 2 : v));
  const params = randomArray(layer.parameterCount, next);
  const dy = randomArray(batch * layer.outputSize, next);
  const y = new Float32Array(dy.length);
  const dx = new Float32Array(x.length);
  const grad = new Float32Array(layer.parameterCount);
  layer.forward(params, x, y, batch);
  layer.backward(params, x, y, dy, dx, grad, batch);

  const weighted = config.kind === "weighted";
  const buffers = {
    x: gpu.upload(x),
    dy: gpu.upload(dy),
    y: gpu.alloc(y.length),
    dx: gpu.alloc(dx.length),
    ...(weighted ? { params: gpu.upload(params), grad: gpu.alloc(grad.length) } : {}),
  };
  gpu.submit([...poolForward(config, buffers), ...poolBackward(config, buffers)]);
  expectClose(await gpu.read(buffers.y), y);
  expectClose(await gpu.read(buffers.dx), dx);
  if (buffers.grad) expectClose(await gpu.read(buffers.grad), grad);
}

describe("pooling against core's layers", () => {
  it("max pooling routes the delta to the first maximum of each window (eq. 100), overlapping windows too", async () => {
    const gpu = await testDevice();
    const shapes: [number[], number, number][] = [
      [[3, 8, 9], 2, 2],
      [[2, 7, 11], 3, 2],
      [[1, 9, 5], 3, 1],
    ];
    for (const [i, [shape, size, stride]] of shapes.entries()) {
      const layer = new MaxPoolLayer("P", shape, { size, stride });
      await compare(gpu, layer, poolConfig("max", layer.geometry, 2), 2, 10 + i, true);
    }
  });

  it("average pooling spreads dy / (K_u K_v) over each window", async () => {
    const gpu = await testDevice();
    for (const [i, [shape, size, stride]] of (
      [
        [
          [2, 9, 7],
          [3, 2],
          [2, 1],
        ],
        [[4, 6, 6], 2, 2],
      ] as const
    ).entries()) {
      const layer = new AveragePoolLayer("A", shape, { size, stride });
      await compare(gpu, layer, poolConfig("average", layer.geometry, 3), 3, 20 + i);
    }
  });

  it("weighted sub-sampling gives y, dx and [dr/dalpha; dr/db] (eq. 87-97), leftover rows included", async () => {
    const gpu = await testDevice();
    for (const [i, shape] of [
      [6, 28, 28],
      [3, 7, 9],
    ].entries()) {
      const layer = new WeightedSubsampleLayer("S", shape, { size: 2 });
      await compare(gpu, layer, poolConfig("weighted", layer.geometry, 2), 2, 30 + i);
    }
  });

  it("vanilla sub-sampling keeps every K-th coordinate (Table 8)", async () => {
    const gpu = await testDevice();
    for (const [i, [shape, factor]] of (
      [
        [
          [2, 9, 8],
          [2, 3],
        ],
        [
          [1, 5, 5],
          [2, 2],
        ],
      ] as const
    ).entries()) {
      const layer = new SubsampleLayer("V", shape, { factor });
      await compare(gpu, layer, subsampleConfig(shape, factor[0], factor[1], 2), 2, 40 + i);
    }
  });
});
