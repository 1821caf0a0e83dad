/**
 * What the plane evaluator keeps on the device for one model objective: every sample and target (padded to whole
 * chunks), a chunk's activations, each parameterized layer's slice of the plane (center, d1, d2) and of the current
 * point theta, and the forward dispatches of every layer up to the fused softmax cross-entropy (seed 004 eq. 27,
 * one loss per sample).
 */
import { Conv2dLayer, FlattenLayer, SoftmaxLayer, type Layer, type ModelObjective } from "@deltalab/core";
import { Dispatch, GpuBuffer, GpuDevice, dispatchOf } from "../device/gpu";
import { softmaxCrossEntropyProgram } from "../kernels/softmaxCrossEntropy";
import type { ConvForwardMethod } from "../ops/conv2d";
import { compileLayer, DEVICE_LAYER_KINDS } from "../train/layers";

/** The objective's fields the device reads. */
export type DeviceObjective = Pick<ModelObjective, "model" | "data" | "loss" | "regularization" | "dim">;

export interface DeviceNetworkOptions {
  /** The forward method of the convolution layers, one for all or one per layer; default planeConvolution. */
  readonly convolution?: ConvForwardMethod | ((layer: Conv2dLayer) => ConvForwardMethod);
  /** Samples per forward pass (default: all of them, at most 256). */
  readonly chunkSize?: number;
}

/**
 * The default forward method of a convolution in the plane evaluator: the direct kernel, 8 x 8 workgroups with 4
 * outputs along a row per invocation, and one-invocation workgroups for a 1 x 1 output map (LeNet-5's C5), since the
 * kernel's workgroups never span samples or maps and an 8 x 8 one would leave 63 of 64 invocations idle there. On Mesa
 * llvmpipe (a loaded 2-core machine, rough figures) this roughly halved C3's and C5's time against plain 8 x 8.
 */
export function planeConvolution(layer: Conv2dLayer): ConvForwardMethod {
  if (layer.outHeight === 1 && layer.outWidth === 1) {
    return { method: "direct", workgroupX: 1, workgroupY: 1, outputsPerInvocation: 1 };
  }
  return { method: "direct", workgroupX: 8, workgroupY: 8, outputsPerInvocation: 4 };
}

/** A layer's slice of theta on the device: the plane's three vectors and the current point's parameters. */
export interface ParameterSlice {
  /** The layer's index in the model. */
  readonly layer: number;
  readonly offset: number;
  readonly length: number;
  readonly center: GpuBuffer;
  readonly d1: GpuBuffer;
  readonly d2: GpuBuffer;
  readonly theta: GpuBuffer;
}

const WORKGROUP = 64;

/** Throws unless the device can evaluate `objective`: softmax output with cross-entropy and at least one sample. */
function checkObjective(objective: DeviceObjective): void {
  const layers = objective.model.layers;
  const last = layers[layers.length - 1]?.layer;
  if (!(last instanceof SoftmaxLayer) || objective.loss !== "cross-entropy") {
    throw new Error(
      `the device evaluator needs a softmax last layer with the cross-entropy loss; this objective has ` +
        `'${last?.kind ?? "no layer"}' last with the ${objective.loss} loss (use the CPU evaluator)`,
    );
  }
  if (objective.data.count < 1) throw new Error("the objective has no samples");
}

export class DeviceNetwork {
  readonly chunkSize: number;
  readonly chunks: number;
  readonly allInputs: GpuBuffer;
  readonly allTargets: GpuBuffer;
  /** A chunk's input and targets (the whole data when there is one chunk). */
  readonly input: GpuBuffer;
  readonly targets: GpuBuffer;
  /** activations[l] is layer l's input for one chunk; flatten shares its input's buffer. */
  readonly activations: GpuBuffer[];
  /** The forward dispatches of each layer but the softmax (empty for flatten). */
  readonly layerForward: Dispatch[][];
  /** The fused softmax cross-entropy, writing `losses`. */
  readonly lossForward: Dispatch;
  readonly losses: GpuBuffer;
  readonly slices: ParameterSlice[] = [];
  private readonly owned: GpuBuffer[] = [];

  constructor(
    readonly gpu: GpuDevice,
    readonly objective: DeviceObjective,
    options: DeviceNetworkOptions,
  ) {
    checkObjective(objective);
    const { model, data } = objective;
    const count = data.count;
    this.chunkSize = options.chunkSize ?? Math.min(count, 256);
    if (!Number.isInteger(this.chunkSize) || this.chunkSize < 1) {
      throw new Error(`chunkSize must be a positive integer, got ${options.chunkSize}`);
    }
    const unsupported = objective.model.layers
      .slice(0, -1)
      .find(({ layer }) => !DEVICE_LAYER_KINDS.includes(layer.kind));
    if (unsupported) {
      throw new Error(
        `layer '${unsupported.layer.name}' (${unsupported.layer.kind}) has no device implementation; ` +
          `supported: ${DEVICE_LAYER_KINDS.join(", ")} (use the CPU evaluator)`,
      );
    }
    // Every buffer allocated so far is freed when a later allocation or compilation fails.
    try {
      this.chunks = Math.ceil(count / this.chunkSize);
      // The samples, padded to whole chunks with zero inputs and zero targets: a zero target row adds nothing to the
      // cross-entropy sum, so the padding does not change f.
      const padded = this.chunks * this.chunkSize;
      this.allInputs = this.alloc(padded * model.inputSize);
      this.allTargets = this.alloc(padded * model.outputSize);
      gpu.write(this.allInputs, paddedCopy(data.inputs, count * model.inputSize, padded * model.inputSize));
      gpu.write(
        this.allTargets,
        paddedCopy(data.targets, count * model.outputSize, padded * model.outputSize),
      );

      const batch = this.chunkSize;
      const layers = model.layers.map(({ layer }) => layer);
      const last = layers.length - 1;
      this.input = this.chunks === 1 ? this.allInputs : this.alloc(batch * model.inputSize);
      this.targets = this.chunks === 1 ? this.allTargets : this.alloc(batch * model.outputSize);
      this.activations = [this.input];
      for (const layer of layers) {
        const previous = this.activations[this.activations.length - 1];
        this.activations.push(
          layer instanceof FlattenLayer ? previous : this.alloc(batch * layer.outputSize),
        );
      }
      // compileLayer also builds backward dispatches, which are never submitted here; their delta and gradient
      // bindings point at one placeholder buffer.
      const unused = this.alloc(1);
      this.layerForward = layers.slice(0, last).map((layer, l) => {
        if (layer instanceof FlattenLayer) return [];
        let params: GpuBuffer | undefined;
        if (layer.parameterCount > 0) {
          const length = layer.parameterCount;
          const slice = {
            layer: l,
            offset: model.layers[l].offset,
            length,
            center: this.alloc(length),
            d1: this.alloc(length),
            d2: this.alloc(length),
            theta: this.alloc(length),
          };
          this.slices.push(slice);
          params = slice.theta;
        }
        const buffers = {
          x: this.activations[l],
          y: this.activations[l + 1],
          dy: unused,
          ...(params ? { params, grad: unused } : {}),
        };
        const compiled = compileLayer(gpu, layer, batch, buffers, layerOptions(layer, options));
        this.owned.push(...compiled.scratch);
        return compiled.forward;
      });
      this.losses = this.alloc(batch);
      const lossConfig = { batch, classes: model.outputSize, scale: 1, workgroupSize: WORKGROUP };
      this.lossForward = dispatchOf(softmaxCrossEntropyProgram, lossConfig, {
        z: this.activations[last],
        t: this.targets,
        y: this.activations[last + 1],
        loss: this.losses,
        dz: this.alloc(batch * model.outputSize),
      });
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  /** A zero-filled buffer freed with the network. */
  alloc(length: number): GpuBuffer {
    const buffer = this.gpu.alloc(length);
    this.owned.push(buffer);
    return buffer;
  }

  /** Encodes copies of chunk `chunk`'s samples (and, unless `inputs` is false, inputs) into the chunk buffers. */
  encodeChunkCopy(encoder: GPUCommandEncoder, chunk: number, inputs = true): void {
    if (this.chunks === 1) return;
    const model = this.objective.model;
    const copy = (from: GpuBuffer, to: GpuBuffer, size: number) => {
      const bytes = this.chunkSize * size * 4;
      encoder.copyBufferToBuffer(from.buffer, chunk * bytes, to.buffer, 0, bytes);
    };
    if (inputs) copy(this.allInputs, this.input, model.inputSize);
    copy(this.allTargets, this.targets, model.outputSize);
  }

  /** Frees every buffer of the network. */
  dispose(): void {
    for (const buffer of new Set(this.owned)) this.gpu.free(buffer);
    this.owned.length = 0;
  }
}

function layerOptions(layer: Layer, options: DeviceNetworkOptions) {
  if (!(layer instanceof Conv2dLayer)) return {};
  const choice = options.convolution ?? planeConvolution;
  return { convolution: typeof choice === "function" ? choice(layer) : choice };
}

/** `length` leading values of `source` as Float32, zero-padded to `paddedLength`. */
function paddedCopy(source: ArrayLike<number>, length: number, paddedLength: number): Float32Array {
  const out = new Float32Array(paddedLength);
  for (let i = 0; i < length; i++) out[i] = source[i];
  return out;
}
