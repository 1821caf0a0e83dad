/**
 * What the plane evaluator keeps on the device besides the compiled model: every sample and target, padded to whole
 * chunks, and each parameterized layer's slice of the plane (center, d1, d2).
 */
import type { DeviceObjective } from "@deltalab/core";
import { GpuBuffer, GpuDevice } from "../device/gpu";

/** A layer's slice of theta on the device: the plane's three vectors and the compiled model's parameters. */
export interface ParameterSlice {
  /** The layer's index in the model. */
  readonly layer: number;
  readonly offset: number;
  readonly length: number;
  readonly center: GpuBuffer;
  readonly d1: GpuBuffer;
  readonly d2: GpuBuffer;
  /** The compiled model's parameter buffer of the layer, where each point's theta is formed. */
  readonly theta: GpuBuffer;
}

/** Throws unless the device can evaluate `objective`: softmax output with cross-entropy and at least one sample. */
export function checkDeviceObjective(objective: DeviceObjective): void {
  const layers = objective.model.layers;
  const last = layers[layers.length - 1]?.layer;
  if (last?.kind !== "softmax" || objective.loss !== "cross-entropy") {
    throw new Error(
      `the device evaluator needs a softmax last layer with the cross-entropy loss; this objective has ` +
        `'${last?.kind ?? "no layer"}' last with the ${objective.loss} loss (use the CPU evaluator)`,
    );
  }
  if (objective.data.count < 1) throw new Error("the objective has no samples");
}

/**
 * The objective's samples on the device in chunks of `chunkSize`, padded with zero inputs and zero targets: a zero
 * target row adds nothing to the cross-entropy sum, so the padding does not change f. With one chunk the samples
 * are written straight into the model's input and target buffers and never copied again.
 */
export class DeviceSamples {
  readonly chunks: number;
  private readonly all: { inputs: GpuBuffer; targets: GpuBuffer } | undefined;

  constructor(
    private readonly gpu: GpuDevice,
    objective: DeviceObjective,
    readonly chunkSize: number,
    /** The compiled model's input and target buffers (one chunk each). */
    private readonly chunk: { inputs: GpuBuffer; targets: GpuBuffer },
  ) {
    const { model, data } = objective;
    this.chunks = Math.ceil(data.count / chunkSize);
    const padded = this.chunks * chunkSize;
    const inputs = paddedCopy(data.inputs, data.count * model.inputSize, padded * model.inputSize);
    const targets = paddedCopy(data.targets, data.count * model.outputSize, padded * model.outputSize);
    if (this.chunks === 1) {
      gpu.write(chunk.inputs, inputs);
      gpu.write(chunk.targets, targets);
      this.all = undefined;
    } else {
      const all = { inputs: gpu.upload(inputs), targets: gpu.alloc(targets.length) };
      this.all = all;
      gpu.write(all.targets, targets);
    }
  }

  /** Encodes copies of chunk `chunk`'s targets (and, unless `inputs` is false, inputs) into the model's buffers. */
  encodeChunkCopy(encoder: GPUCommandEncoder, chunk: number, inputs = true): void {
    if (this.all === undefined) return;
    const copy = (from: GpuBuffer, to: GpuBuffer) => {
      const bytes = to.length * 4;
      encoder.copyBufferToBuffer(from.buffer, chunk * bytes, to.buffer, 0, bytes);
    };
    if (inputs) copy(this.all.inputs, this.chunk.inputs);
    copy(this.all.targets, this.chunk.targets);
  }

  dispose(): void {
    if (this.all === undefined) return;
    this.gpu.free(this.all.inputs);
    this.gpu.free(this.all.targets);
  }
}

/** `length` leading values of `source` as Float32, zero-padded to `paddedLength`. */
function paddedCopy(source: ArrayLike<number>, length: number, paddedLength: number): Float32Array {
  const out = new Float32Array(paddedLength);
  for (let i = 0; i < length; i++) out[i] = source[i];
  return out;
}
