/**
 * Device implementations of @deltalab/core's layers, in a table by layer kind (tfjs' kernel registry): for a core
 * layer and a batch size, the dispatches of its forward call and of its backward call (input delta and parameter
 * gradient together, seed 004 eq. 7-8), reading and writing the given device buffers in the core's layouts.
 * `compileLayer` looks the layer's kind up; a kind with no entry is refused with its name. `runLayer` runs one layer
 * on host arrays, which is what the shared backend suite and notebooks use.
 */
import {
  ACTIVATION_NAMES,
  ActivationLayer,
  AveragePoolLayer,
  Conv2dLayer,
  DenseLayer,
  MaxPoolLayer,
  SubsampleLayer,
  WeightedSubsampleLayer,
  type Layer,
} from "@deltalab/core";
import { Dispatch, GpuBuffer, GpuDevice, dispatchOf } from "../device/gpu";
import { activationBackwardProgram, activationConfig, activationForwardProgram } from "../kernels/activation";
import { LaunchResolver } from "../tuner/launches";
import { LayerLaunch, activationLaunch, convLaunches, denseLaunch, poolLaunch } from "./layerLaunches";
import { conv2dGeometry } from "../kernels/conv2dGeometry";
import { PoolConfig } from "../kernels/pool";
import { ConvForwardMethod, allocIm2colScratch, convBackward, convForward } from "../ops/conv2d";
import { denseBackward, denseForward } from "../ops/dense";
import { poolBackward, poolConfig, poolForward } from "../ops/pool";

/**
 * The buffers one layer reads and writes. `dx` absent skips the input delta (first layer); `dy` absent compiles
 * the forward pass only (no backward dispatches, no gradient buffer needed).
 */
export interface LayerBuffers {
  readonly x: GpuBuffer;
  readonly y: GpuBuffer;
  readonly dx?: GpuBuffer;
  readonly dy?: GpuBuffer;
  readonly params?: GpuBuffer;
  readonly grad?: GpuBuffer;
}

/** A layer's forward and backward dispatches, built once. */
export interface CompiledLayer {
  readonly forward: Dispatch[];
  /** Empty when compiled without `dy`. */
  readonly backward: Dispatch[];
  /** Scratch buffers the layer allocated (im2col), freed by `dispose`. */
  readonly scratch: GpuBuffer[];
  /** The launches of its tunable operations and where each came from (layerLaunches.ts); absent: none tunable. */
  readonly launches?: readonly LayerLaunch[];
}

export interface LayerOptions {
  /**
   * The convolution forward method and launch, one for every convolution or chosen per layer (default: the direct
   * kernel, 8 x 8).
   */
  readonly convolution?: ConvForwardMethod | ((layer: Conv2dLayer) => ConvForwardMethod);
  /**
   * Where every other launch comes from: the tuning cache for this adapter, else the shipped table for its class,
   * else the operator's default (tuner/launches.ts). Default: a resolver reading the tuning cache when compiled.
   */
  readonly launches?: LaunchResolver;
}

/** Compiles one layer of a kind for a batch size into the given buffers. */
export type DeviceKernel = (
  gpu: GpuDevice,
  layer: Layer,
  batch: number,
  buffers: LayerBuffers,
  options: LayerOptions,
) => CompiledLayer;

const DEVICE_KERNELS = new Map<string, DeviceKernel>();

/** Makes layers of `kind` run on the device through `kernel` (a later registration replaces an earlier one). */
export function registerDeviceKernel(kind: string, kernel: DeviceKernel): void {
  DEVICE_KERNELS.set(kind, kernel);
}

/** The layer kinds with a device implementation, in registration order. */
export function deviceLayerKinds(): string[] {
  return [...DEVICE_KERNELS.keys()];
}

/** Throws unless every layer but the last (the loss's softmax) has a device kernel, naming the first that has none. */
export function checkDeviceLayers(layers: readonly Layer[], what = "the device"): void {
  const missing = layers.find((layer) => !DEVICE_KERNELS.has(layer.kind));
  if (missing !== undefined) throw missingKernel(missing, what);
}

function missingKernel(layer: Layer, what = "the device"): Error {
  return new Error(
    `layer '${layer.name}' (${layer.kind}) has no device implementation on ${what}; ` +
      `supported: ${deviceLayerKinds().join(", ")}`,
  );
}

/** Compiles one core layer for a batch size; throws, naming the layer and its kind, for a kind with no kernel. */
export function compileLayer(
  gpu: GpuDevice,
  layer: Layer,
  batch: number,
  buffers: LayerBuffers,
  options: LayerOptions = {},
): CompiledLayer {
  const kernel = DEVICE_KERNELS.get(layer.kind);
  if (kernel === undefined) throw missingKernel(layer);
  return kernel(gpu, layer, batch, buffers, withResolver(gpu, options));
}

/** The options with a launch resolver, read from the tuning cache now when the caller gave none. */
export function withResolver(
  gpu: GpuDevice,
  options: LayerOptions,
): LayerOptions & { launches: LaunchResolver } {
  return { ...options, launches: options.launches ?? LaunchResolver.forDevice(gpu) };
}

function resolverOf(gpu: GpuDevice, options: LayerOptions): LaunchResolver {
  return options.launches ?? LaunchResolver.forDevice(gpu);
}

/** The layer as the class its kind's kernel was written for (a kernel registered under the wrong kind fails here). */
function expectLayer<T extends Layer>(layer: Layer, type: abstract new (...args: never[]) => T): T {
  if (!(layer instanceof type)) {
    throw new Error(
      `layer '${layer.name}' (${layer.kind}) is not a ${type.name}, which its device kernel expects`,
    );
  }
  return layer;
}

function parameterBuffers(layer: Layer, b: LayerBuffers): { params: GpuBuffer } {
  if (b.params === undefined) {
    throw new Error(`layer '${layer.name}' (${layer.kind}) has parameters: give it a \`params\` buffer`);
  }
  return { params: b.params };
}

/** The backward call's buffers when compiling backward (`dy` given): dy, dx if any, and grad for parameters. */
function backwardBuffers(
  layer: Layer,
  b: LayerBuffers,
): { dy: GpuBuffer; dx?: GpuBuffer; grad?: GpuBuffer } | undefined {
  if (b.dy === undefined) return undefined;
  if (layer.parameterCount > 0 && b.grad === undefined) {
    throw new Error(
      `layer '${layer.name}' (${layer.kind}) has parameters: give it \`params\` and \`grad\` buffers`,
    );
  }
  return { dy: b.dy, ...(b.dx ? { dx: b.dx } : {}), ...(b.grad ? { grad: b.grad } : {}) };
}

function requireGrad(back: { grad?: GpuBuffer }): GpuBuffer {
  if (back.grad === undefined) throw new Error("a layer with parameters needs a `grad` buffer");
  return back.grad;
}

const conv2dKernel: DeviceKernel = (gpu, layer, batch, b, options) => {
  const conv = expectLayer(layer, Conv2dLayer);
  const g = conv2dGeometry(conv, batch);
  const { params } = parameterBuffers(conv, b);
  const choice = options.convolution;
  const given = typeof choice === "function" ? choice(conv) : choice;
  const back = backwardBuffers(conv, b);
  const chosen = convLaunches(
    resolverOf(gpu, options),
    conv,
    batch,
    given,
    back !== undefined,
    back?.dx !== undefined,
  );
  const method = chosen.forward;
  const scratch = method.method === "im2col" ? allocIm2colScratch(gpu, g) : undefined;
  return {
    forward: convForward(g, { x: b.x, params, y: b.y }, method, scratch),
    backward: back
      ? convBackward(g, { x: b.x, params, ...back, grad: requireGrad(back) }, chosen.backward)
      : [],
    scratch: scratch ? [scratch.columns, scratch.denseWeights] : [],
    launches: chosen.launches,
  };
};

/**
 * Why the device cannot run a layer whose kind it has a kernel for, or undefined: a dense layer without bias (the
 * device's dense kernels always add one) and a weighted sub-sampling whose table is not one map per input map. Such a
 * layer is refused when compiled, rather than computed as something else; the CPU runs both (--device cpu).
 */
export function deviceRefusal(layer: Layer): string | undefined {
  if (layer instanceof DenseLayer && !layer.hasBias) return "has no bias";
  if (layer instanceof WeightedSubsampleLayer) {
    const oneToOne =
      layer.outChannels === layer.geometry.channels &&
      layer.connections.every((inputs, i) => inputs.length === 1 && inputs[0] === i);
    if (!oneToOne) return "has a connection table other than one map per input map";
  }
  return undefined;
}

function refuseUnsupported(layer: Layer): void {
  const what = deviceRefusal(layer);
  if (what === undefined) return;
  throw new Error(
    `layer '${layer.name}' (${layer.kind}) ${what}, which the device kernels do not implement; run it on the CPU`,
  );
}

const denseKernel: DeviceKernel = (gpu, layer, batch, b, options) => {
  const dense = expectLayer(layer, DenseLayer);
  refuseUnsupported(dense);
  const shape = { batch, inputs: dense.inputSize, outputs: dense.outputSize };
  const { params } = parameterBuffers(dense, b);
  const back = backwardBuffers(dense, b);
  const chosen = denseLaunch(resolverOf(gpu, options), dense.name, shape);
  return {
    launches: chosen.launches,
    forward: denseForward(shape, { x: b.x, params, z: b.y }, chosen.forward),
    backward: back
      ? denseBackward(shape, {
          x: b.x,
          params,
          dz: back.dy,
          grad: requireGrad(back),
          ...(back.dx ? { dx: back.dx } : {}),
        })
      : [],
    scratch: [],
  };
};

const activationKernel: DeviceKernel = (gpu, layer, batch, b, options) => {
  const activation = expectLayer(layer, ActivationLayer);
  const length = batch * activation.inputSize;
  const chosen = activationLaunch(resolverOf(gpu, options), activation.name, activation.kind, length);
  const { launches, ...launch } = chosen;
  const config = { ...activationConfig(activation.kind, length, activation.slope), ...launch };
  const back = backwardBuffers(activation, b);
  return {
    launches,
    forward: [dispatchOf(activationForwardProgram, config, { z: b.x, y: b.y })],
    backward: back?.dx
      ? [dispatchOf(activationBackwardProgram, config, { z: b.x, y: b.y, dy: back.dy, dz: back.dx })]
      : [],
    scratch: [],
  };
};

/** Flattening NCHW is the identity on memory: a copy through the (linear) identity activation. */
const flattenKernel: DeviceKernel = (_gpu, layer, batch, b) => {
  const config = activationConfig("identity", batch * layer.inputSize);
  const back = backwardBuffers(layer, b);
  return {
    forward: [dispatchOf(activationForwardProgram, config, { z: b.x, y: b.y })],
    backward: back?.dx ? [dispatchOf(activationBackwardProgram, config, { dy: back.dy, dz: back.dx })] : [],
    scratch: [],
  };
};

/** A pooling kernel for the layers whose window `configOf` reads. */
function poolKernel(configOf: (layer: Layer, batch: number) => PoolConfig): DeviceKernel {
  const kernel: DeviceKernel = (gpu, layer, batch, b, options) => {
    const chosen = poolLaunch(resolverOf(gpu, options), layer, configOf(layer, batch));
    const pool = chosen.config;
    const params = pool.kind === "weighted" ? parameterBuffers(layer, b) : {};
    const back = backwardBuffers(layer, b);
    return {
      launches: chosen.launches,
      forward: poolForward(pool, { x: b.x, y: b.y, ...params }),
      backward: back ? poolBackward(pool, { x: b.x, ...params, ...back }) : [],
      scratch: [],
    };
  };
  POOL_CONFIGS.set(kernel, configOf);
  return kernel;
}

/** The pooling config of each pooling kernel, by kernel (what `devicePoolConfig` reads). */
const POOL_CONFIGS = new Map<DeviceKernel, (layer: Layer, batch: number) => PoolConfig>();

/** The config the registered pooling kernel of `layer`'s kind builds for a batch; undefined for other kinds. */
export function devicePoolConfig(layer: Layer, batch: number): PoolConfig | undefined {
  const kernel = DEVICE_KERNELS.get(layer.kind);
  const configOf = kernel === undefined ? undefined : POOL_CONFIGS.get(kernel);
  return configOf?.(layer, batch);
}

registerDeviceKernel("conv2d", conv2dKernel);
registerDeviceKernel("dense", denseKernel);
for (const kind of ACTIVATION_NAMES) {
  registerDeviceKernel(kind, activationKernel);
}
registerDeviceKernel(
  "max-pool",
  poolKernel((layer, batch) => poolConfig("max", expectLayer(layer, MaxPoolLayer).geometry, batch)),
);
registerDeviceKernel(
  "average-pool",
  poolKernel((layer, batch) => poolConfig("average", expectLayer(layer, AveragePoolLayer).geometry, batch)),
);
registerDeviceKernel(
  "weighted-subsample",
  poolKernel((layer, batch) => {
    const weighted = expectLayer(layer, WeightedSubsampleLayer);
    refuseUnsupported(weighted);
    return poolConfig("weighted", weighted.geometry, batch);
  }),
);
registerDeviceKernel(
  "subsample",
  poolKernel((layer, batch) => poolConfig("subsample", expectLayer(layer, SubsampleLayer).geometry, batch)),
);
registerDeviceKernel("flatten", flattenKernel);

/** The layer kinds with a device implementation (those registered by this package). */
export const DEVICE_LAYER_KINDS: readonly string[] = deviceLayerKinds();

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
