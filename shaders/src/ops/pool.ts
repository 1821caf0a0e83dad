/**
 * Pooling layers on the device: configs built from @deltalab/core's layers and the dispatches of one forward or
 * backward call (seed 004 section 3.4).
 */
import type { PoolGeometry } from "@deltalab/core";
import { Dispatch, GpuBuffer, dispatchOf } from "../device/gpu";
import {
  PoolConfig,
  PoolKind,
  poolBackwardProgram,
  poolForwardProgram,
  weightedSubsampleGradientProgram,
} from "../kernels/pool";

/** The config of a windowed pooling layer (max, average, weighted) for a batch: the layer's own geometry. */
export function poolConfig(
  kind: Exclude<PoolKind, "subsample">,
  window: PoolGeometry,
  batch: number,
): PoolConfig {
  const {
    channels,
    height,
    width,
    kernelHeight,
    kernelWidth,
    strideHeight,
    strideWidth,
    outHeight,
    outWidth,
  } = window;
  return {
    kind,
    batch,
    channels,
    height,
    width,
    kernelHeight,
    kernelWidth,
    strideHeight,
    strideWidth,
    outHeight,
    outWidth,
    workgroupSize: 64,
  };
}

/** Vanilla sub-sampling by factors K_u, K_v of [C, H, W] images: a 1 x 1 window with stride K, ceil(a / K) outputs. */
export function subsampleConfig(
  inputShape: readonly number[],
  factorHeight: number,
  factorWidth: number,
  batch: number,
): PoolConfig {
  const [channels, height, width] = inputShape;
  return {
    kind: "subsample",
    batch,
    channels,
    height,
    width,
    kernelHeight: 1,
    kernelWidth: 1,
    strideHeight: factorHeight,
    strideWidth: factorWidth,
    outHeight: Math.ceil(height / factorHeight),
    outWidth: Math.ceil(width / factorWidth),
    workgroupSize: 64,
  };
}

/** y = pool(x); `params` ([alpha; b]) only for weighted sub-sampling. */
export function poolForward(
  config: PoolConfig,
  buffers: { x: GpuBuffer; params?: GpuBuffer; y: GpuBuffer },
): Dispatch[] {
  return [dispatchOf(poolForwardProgram, config, requireParams(config, buffers))];
}

/**
 * dx (skipped when absent) and, for weighted sub-sampling, the gradient [dr/dalpha; dr/db] into `grad`.
 */
export function poolBackward(
  config: PoolConfig,
  buffers: { x: GpuBuffer; params?: GpuBuffer; dy: GpuBuffer; dx?: GpuBuffer; grad?: GpuBuffer },
): Dispatch[] {
  const dispatches: Dispatch[] = [];
  if (buffers.dx !== undefined) {
    dispatches.push(
      dispatchOf(poolBackwardProgram, config, requireParams(config, { ...buffers, dx: buffers.dx })),
    );
  }
  if (config.kind === "weighted") {
    if (buffers.grad === undefined) throw new Error("weighted sub-sampling backward needs a `grad` buffer");
    dispatches.push(
      dispatchOf(weightedSubsampleGradientProgram, config, {
        x: buffers.x,
        dy: buffers.dy,
        grad: buffers.grad,
      }),
    );
  }
  return dispatches;
}

function requireParams<T extends { params?: GpuBuffer }>(config: PoolConfig, buffers: T): T {
  if (config.kind === "weighted" && buffers.params === undefined) {
    throw new Error("weighted sub-sampling needs its `params` buffer ([alpha; b])");
  }
  return buffers;
}
