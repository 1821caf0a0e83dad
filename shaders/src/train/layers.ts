/**
 * Device implementations of @deltalab/core's layers: for a core layer and a batch size, the dispatches of its
 * forward call and of its backward call (input delta and parameter gradient together, seed 004 eq. 7-8), reading
 * and writing the given device buffers in the core's layouts. `runLayer` runs one layer on host arrays, which is
 * what the shared backend suite and notebooks use.
 */
import {
  ActivationLayer,
  AveragePoolLayer,
  Conv2dLayer,
  DenseLayer,
  FlattenLayer,
  MaxPoolLayer,
  SubsampleLayer,
  WeightedSubsampleLayer,
  type Layer,
} from "@deltalab/core";
import { Dispatch, GpuBuffer, GpuDevice, dispatchOf } from "../device/gpu";
import { activationBackwardProgram, activationConfig, activationForwardProgram } from "../kernels/activation";
import { conv2dGeometry } from "../kernels/conv2dGeometry";
import { PoolConfig } from "../kernels/pool";
import {
  ConvForwardMethod,
  DEFAULT_CONV_FORWARD,
  allocIm2colScratch,
  convBackward,
  convForward,
} from "../ops/conv2d";
import { denseBackward, denseForward } from "../ops/dense";
import { poolBackward, poolConfig, poolForward, subsampleConfig } from "../ops/pool";

/** The buffers one layer reads and writes; `dx` absent skips the input delta (first layer). */
export interface LayerBuffers {
  readonly x: GpuBuffer;
  readonly y: GpuBuffer;
  readonly dx?: GpuBuffer;
  readonly dy: GpuBuffer;
  readonly params?: GpuBuffer;
  readonly grad?: GpuBuffer;
}

/** A layer's forward and backward dispatches, built once. */
export interface CompiledLayer {
  readonly forward: Dispatch[];
  readonly backward: Dispatch[];
  /** Scratch buffers the layer allocated (im2col), freed by `dispose`. */
  readonly scratch: GpuBuffer[];
}

export interface LayerOptions {
  /** The convolution forward method and launch (default: the direct kernel, 8 x 8). */
  readonly convolution?: ConvForwardMethod;
}

/** The layer types with a device implementation. */
export const DEVICE_LAYER_KINDS: readonly string[] = [
  "conv2d",
  "dense",
  "identity",
  "sigmoid",
  "tanh",
  "lecun-tanh",
  "relu",
  "leaky-relu",
  "max-pool",
  "average-pool",
  "weighted-subsample",
  "subsample",
  "flatten",
];

function parameterBuffers(layer: Layer, b: LayerBuffers): { params: GpuBuffer; grad: GpuBuffer } {
  if (b.params === undefined || b.grad === undefined) {
    throw new Error(
      `layer '${layer.name}' (${layer.kind}) has parameters: give it \`params\` and \`grad\` buffers`,
    );
  }
  return { params: b.params, grad: b.grad };
}

/** Compiles one core layer for a batch size; throws for a layer type without a device implementation. */
export function compileLayer(
  gpu: GpuDevice,
  layer: Layer,
  batch: number,
  b: LayerBuffers,
  options: LayerOptions = {},
): CompiledLayer {
  const { x, y, dx, dy } = b;
  const withDx = dx ? { dx } : {};
  if (layer instanceof Conv2dLayer) {
    const g = conv2dGeometry(layer, batch);
    const { params, grad } = parameterBuffers(layer, b);
    const method = options.convolution ?? DEFAULT_CONV_FORWARD;
    const scratch = method.method === "im2col" ? allocIm2colScratch(gpu, g) : undefined;
    return {
      forward: convForward(g, { x, params, y }, method, scratch),
      backward: convBackward(g, { x, params, dy, grad, ...withDx }),
      scratch: scratch ? [scratch.columns, scratch.denseWeights] : [],
    };
  }
  if (layer instanceof DenseLayer) {
    const shape = { batch, inputs: layer.inputSize, outputs: layer.outputSize };
    const { params, grad } = parameterBuffers(layer, b);
    return {
      forward: denseForward(shape, { x, params, z: y }),
      backward: denseBackward(shape, { x, params, dz: dy, grad, ...withDx }),
      scratch: [],
    };
  }
  if (layer instanceof ActivationLayer) {
    const config = activationConfig(layer.kind, batch * layer.inputSize, layer.slope);
    return {
      forward: [dispatchOf(activationForwardProgram, config, { z: x, y })],
      backward: dx ? [dispatchOf(activationBackwardProgram, config, { z: x, y, dy, dz: dx })] : [],
      scratch: [],
    };
  }
  if (layer instanceof FlattenLayer) {
    // Flattening NCHW is the identity on memory: copy through the (linear) identity activation.
    const config = activationConfig("identity", batch * layer.inputSize);
    return {
      forward: [dispatchOf(activationForwardProgram, config, { z: x, y })],
      backward: dx ? [dispatchOf(activationBackwardProgram, config, { dy, dz: dx })] : [],
      scratch: [],
    };
  }
  const pool = poolConfigOf(layer, batch);
  if (pool !== undefined) {
    const extra = pool.kind === "weighted" ? parameterBuffers(layer, b) : {};
    return {
      forward: poolForward(pool, { x, y, ...extra }),
      backward: poolBackward(pool, { x, dy, ...extra, ...withDx }),
      scratch: [],
    };
  }
  throw new Error(
    `layer '${layer.name}' (${layer.kind}) has no device implementation; supported: ${DEVICE_LAYER_KINDS.join(", ")}`,
  );
}

function poolConfigOf(layer: Layer, batch: number): PoolConfig | undefined {
  if (layer instanceof MaxPoolLayer) return poolConfig("max", layer.geometry, batch);
  if (layer instanceof AveragePoolLayer) return poolConfig("average", layer.geometry, batch);
  if (layer instanceof WeightedSubsampleLayer) return poolConfig("weighted", layer.geometry, batch);
  if (layer instanceof SubsampleLayer) {
    return subsampleConfig(layer.inputShape, layer.factorHeight, layer.factorWidth, batch);
  }
  return undefined;
}

export interface LayerRun {
  readonly y: Float32Array;
  readonly dx: Float32Array;
  readonly grad: Float32Array;
}

/** Runs one layer forward and backward on the device for host arrays (parameters in the core layout). */
export async function runLayer(
  gpu: GpuDevice,
  layer: Layer,
  params: Float32Array,
  x: Float32Array,
  dy: Float32Array,
  batch: number,
  options: LayerOptions = {},
): Promise<LayerRun> {
  const hasParams = layer.parameterCount > 0;
  const buffers = {
    x: gpu.upload(x),
    y: gpu.alloc(batch * layer.outputSize),
    dx: gpu.alloc(batch * layer.inputSize),
    dy: gpu.upload(dy),
    ...(hasParams ? { params: gpu.upload(params), grad: gpu.alloc(layer.parameterCount) } : {}),
  };
  const compiled = compileLayer(gpu, layer, batch, buffers, options);
  try {
    gpu.submit([...compiled.forward, ...compiled.backward]);
    return {
      y: await gpu.read(buffers.y),
      dx: await gpu.read(buffers.dx),
      grad: buffers.grad ? await gpu.read(buffers.grad) : new Float32Array(0),
    };
  } finally {
    [...Object.values(buffers), ...compiled.scratch].forEach((buffer) => gpu.free(buffer));
  }
}
