import type { LossSurfacePayload, TrainingPayload, TuningTablePayload } from "@deltalab/core/payloads";

/** Payloads written out by hand for the renderer tests. */

const candidate = (
  id: string,
  workgroupX: number,
  workgroupY: number,
  medianMs: number,
  passed = true,
): TuningTablePayload["candidates"][number] => ({
  id,
  params: { workgroupX, workgroupY, rowsPerThread: 4 },
  medianMs,
  spreadMs: medianMs / 10,
  samples: 9,
  gflops: 2 / medianMs,
  gbps: 1 / medianMs,
  globalAccesses: 1024 * workgroupX,
  check: { passed, maxAbsError: passed ? 1e-6 : 0.5, tolerance: 1e-4 },
});

export function tuningPayload(): TuningTablePayload {
  return {
    device: {
      name: "llvmpipe (LLVM 15.0.6, 256 bits)",
      vendor: "mesa",
      limits: { maxComputeInvocationsPerWorkgroup: 1024, maxComputeWorkgroupSizeX: 1024 },
    },
    operator: "matmul",
    shape: { M: 256, N: 256, K: 256 },
    defaultId: "wg16x16",
    candidates: [
      candidate("wg16x16", 16, 16, 4.0),
      candidate("wg8x8", 8, 8, 2.0),
      candidate("wg32x4", 32, 4, 1.0, false),
      candidate("wg8x16", 8, 16, 8.0),
    ],
    heatmapParams: ["workgroupX", "workgroupY"],
  };
}

export function trainingPayload(steps = 5): TrainingPayload {
  const x = Array.from({ length: steps }, (_, k) => k);
  return {
    title: "LeNet on Fashion-MNIST",
    unit: "step",
    train: { x, loss: x.map((k) => 2 / (k + 1)), accuracy: x.map((k) => k / (steps + 1)) },
    test: { x: [0, steps - 1], loss: [2.1, 0.9], accuracy: [0.1, 0.6] },
    status: "running",
  };
}

/** The quadratic f(x, y) = x^2 + 10 y^2 on a 5 x 4 grid, with one exact and one projected path. */
export function surfacePayload(): LossSurfacePayload {
  const x = [-2, -1, 0, 1, 2];
  const y = [-1, 0, 1, 2];
  return {
    title: "quadratic bowl",
    directions: {
      kind: "pca",
      x: { label: "PC1", explainedVariance: 0.9 },
      y: { label: "PC2", explainedVariance: 0.08 },
    },
    grid: { x, y, loss: y.map((b) => x.map((a) => a * a + 10 * b * b)) },
    trajectories: [
      { optimizer: "sgd", x: [2, 1, 0.5], y: [1, 0.5, 0.1], loss: [14, 3.5, 0.35], inPlane: true },
      { optimizer: "adam", x: [-2, -1], y: [-1, 0], loss: [15, 1.2], iteration: [0, 10], inPlane: false },
    ],
    session: { surfaceId: "surface-1", optimizers: ["sgd", "adam"] },
  };
}
