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

/**
 * The config of a pooling layer for a batch: the layer's own geometry (vanilla sub-sampling by K is a 1 x 1 window
 * with stride K).
 */
export function poolConfig(kind: PoolKind, window: PoolGeometry, batch: number): PoolConfig {
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
