/**
 * A loss-surface evaluator on the device: f(theta* + alpha d1 + beta d2) for a model with softmax output trained with
 * cross-entropy on data (core's ModelObjective, seed 001):
 *
 *   f(theta) = theta^T theta / (2C) + (1/l) sum_{i=1..l} xi_i(theta).
 *
 * The data and the plane stay on the device; for each grid point theta is formed on the device, layer by layer
 * (planePointProgram), the forward pass runs chunk by chunk over the samples, the fused softmax cross-entropy
 * (seed 004 eq. 27) gives the per-sample losses, and one workgroup adds them into the point's slot. A submission
 * covers up to `pointsPerSubmission` points and reads back only their sums. The regularization term is added on the
 * host in double precision from the Gram matrix of (center, d1, d2):
 *
 *   ||c + a d1 + b d2||^2 = c.c + a^2 d1.d1 + b^2 d2.d2 + 2a c.d1 + 2b c.d2 + 2ab d1.d2.
 *
 * The forward pass runs in Float32, so the values agree with the CPU objective to Float32 rounding.
 */
import {
  Conv2dLayer,
  FlattenLayer,
  SoftmaxLayer,
  type Layer,
  type ModelObjective,
  type PlaneBasis,
  type PlaneEvaluator,
} from "@deltalab/core";
import { Dispatch, GpuBuffer, GpuDevice, dispatchOf } from "../device/gpu";
import { softmaxCrossEntropyProgram } from "../kernels/softmaxCrossEntropy";
import type { ConvForwardMethod } from "../ops/conv2d";
import { compileLayer } from "../train/layers";
import { lossAccumulateProgram, planePointProgram } from "./planeKernels";

export interface DevicePlaneEvaluatorOptions {
  /** The forward method of the convolution layers, one for all or one per layer; default PLANE_CONVOLUTION. */
  readonly convolution?: ConvForwardMethod | ((layer: Conv2dLayer) => ConvForwardMethod);
  /** Samples per forward pass (default: all of them, at most 256). */
  readonly chunkSize?: number;
  /** Grid points per submission and read-back (default 64). */
  readonly pointsPerSubmission?: number;
}

const WORKGROUP = 64;

/**
 * The direct kernel with 4 x 4 workgroups: its workgroups never span samples or maps, so LeNet-5's 10 x 10 (C3) and
 * 1 x 1 (C5) maps leave most of an 8 x 8 workgroup idle; on Mesa llvmpipe a LeNet-5 point took about half the time
 * with 4 x 4 as with the 8 x 8 default (one loaded 2-core machine, a rough figure).
 */
export const PLANE_CONVOLUTION: ConvForwardMethod = {
  method: "direct",
  workgroupX: 4,
  workgroupY: 4,
  outputsPerInvocation: 1,
};

/** A layer's slice of theta on the device: the plane's three vectors and the point's parameters. */
interface ParameterSlice {
  readonly offset: number;
  readonly length: number;
  readonly center: GpuBuffer;
  readonly d1: GpuBuffer;
  readonly d2: GpuBuffer;
  readonly theta: GpuBuffer;
}

/** The objective's fields this evaluator reads. */
export type DeviceObjective = Pick<ModelObjective, "model" | "data" | "loss" | "regularization" | "dim">;

/** Throws unless the device can evaluate `objective`: softmax output with cross-entropy, every layer on the device. */
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

export class DevicePlaneEvaluator implements PlaneEvaluator {
  private readonly slices: ParameterSlice[];
  private readonly chunkSize: number;
  private readonly chunks: number;
  private readonly pointsPerSubmission: number;
  /** Per-point [alpha, beta, slot, 0], one buffer per slot of a submission. */
  private readonly points: GpuBuffer[];
  private readonly sums: GpuBuffer;
  private readonly allInputs: GpuBuffer;
  private readonly allTargets: GpuBuffer;
  private readonly owned: GpuBuffer[] = [];
  private readonly forward: Dispatch[];
  private readonly input: GpuBuffer;
  private readonly targets: GpuBuffer;
  private readonly losses: GpuBuffer;
  private disposed = false;

  private constructor(
    readonly gpu: GpuDevice,
    readonly objective: DeviceObjective,
    options: DevicePlaneEvaluatorOptions,
  ) {
    checkObjective(objective);
    const { model, data } = objective;
    const count = data.count;
    this.chunkSize = options.chunkSize ?? Math.min(count, 256);
    if (!Number.isInteger(this.chunkSize) || this.chunkSize < 1) {
      throw new Error(`chunkSize must be a positive integer, got ${options.chunkSize}`);
    }
    this.chunks = Math.ceil(count / this.chunkSize);
    this.pointsPerSubmission = options.pointsPerSubmission ?? 64;
    if (!Number.isInteger(this.pointsPerSubmission) || this.pointsPerSubmission < 1) {
      throw new Error(`pointsPerSubmission must be a positive integer, got ${options.pointsPerSubmission}`);
    }
    const alloc = (length: number) => {
      const buffer = this.gpu.alloc(length);
      this.owned.push(buffer);
      return buffer;
    };
    // The samples, padded to whole chunks with zero inputs and zero targets: a zero target row adds nothing to the
    // cross-entropy sum, so the padding does not change f.
    const padded = this.chunks * this.chunkSize;
    this.allInputs = alloc(padded * model.inputSize);
    this.allTargets = alloc(padded * model.outputSize);
    gpu.write(this.allInputs, paddedCopy(data.inputs, count * model.inputSize, padded * model.inputSize));
    gpu.write(this.allTargets, paddedCopy(data.targets, count * model.outputSize, padded * model.outputSize));

    const batch = this.chunkSize;
    const layers = model.layers.map(({ layer }) => layer);
    const last = layers.length - 1;
    this.input = this.chunks === 1 ? this.allInputs : alloc(batch * model.inputSize);
    this.targets = this.chunks === 1 ? this.allTargets : alloc(batch * model.outputSize);
    const activations = [this.input];
    for (const layer of layers) {
      const previous = activations[activations.length - 1];
      activations.push(layer instanceof FlattenLayer ? previous : alloc(batch * layer.outputSize));
    }
    // compileLayer also builds backward dispatches, which this evaluator never submits; their delta and gradient
    // bindings point at one placeholder buffer.
    const unused = alloc(1);
    this.slices = [];
    const layerDispatches = layers.slice(0, last).flatMap((layer, l) => {
      if (layer instanceof FlattenLayer) return [];
      let params: GpuBuffer | undefined;
      if (layer.parameterCount > 0) {
        const slice = {
          offset: model.layers[l].offset,
          length: layer.parameterCount,
          center: alloc(layer.parameterCount),
          d1: alloc(layer.parameterCount),
          d2: alloc(layer.parameterCount),
          theta: alloc(layer.parameterCount),
        };
        this.slices.push(slice);
        params = slice.theta;
      }
      const buffers = {
        x: activations[l],
        y: activations[l + 1],
        dy: unused,
        ...(params ? { params, grad: unused } : {}),
      };
      const compiled = compileLayer(gpu, layer, batch, buffers, layerOptions(layer, options));
      this.owned.push(...compiled.scratch);
      return compiled.forward;
    });
    this.losses = alloc(batch);
    const lossConfig = { batch, classes: model.outputSize, scale: 1, workgroupSize: WORKGROUP };
    const lossDispatch = dispatchOf(softmaxCrossEntropyProgram, lossConfig, {
      z: activations[last],
      t: this.targets,
      y: activations[last + 1],
      loss: this.losses,
      dz: alloc(batch * model.outputSize),
    });
    this.forward = [...layerDispatches, lossDispatch];
    this.points = Array.from({ length: this.pointsPerSubmission }, () => alloc(4));
    this.sums = alloc(this.pointsPerSubmission);
  }

  /** Uploads the objective's data and compiles its forward pass on `gpu`; throws when the device cannot run it. */
  static create(
    gpu: GpuDevice,
    objective: DeviceObjective,
    options: DevicePlaneEvaluatorOptions = {},
  ): DevicePlaneEvaluator {
    return new DevicePlaneEvaluator(gpu, objective, options);
  }

  /** out[k] = f(center + alpha[k] d1 + beta[k] d2). */
  async evaluate(
    plane: PlaneBasis,
    alpha: Float64Array,
    beta: Float64Array,
    out: Float64Array,
  ): Promise<void> {
    if (this.disposed) throw new Error("the device evaluator was disposed");
    const dim = this.objective.dim;
    const { center, d1, d2 } = plane;
    for (const [name, v] of [
      ["center", center],
      ["d1", d1],
      ["d2", d2],
    ] as const) {
      if (v.length !== dim) {
        throw new RangeError(
          `the plane's ${name} lives in R^${v.length}, but the objective has dim = ${dim}`,
        );
      }
    }
    if (beta.length !== alpha.length || out.length !== alpha.length) {
      throw new RangeError(
        `alpha, beta and out must have one length; got ${alpha.length}, ${beta.length}, ${out.length}`,
      );
    }
    for (const slice of this.slices) {
      const end = slice.offset + slice.length;
      this.gpu.write(slice.center, Float32Array.from(center.subarray(slice.offset, end)));
      this.gpu.write(slice.d1, Float32Array.from(d1.subarray(slice.offset, end)));
      this.gpu.write(slice.d2, Float32Array.from(d2.subarray(slice.offset, end)));
    }
    const regularization = this.regularizationTerm(plane);
    const count = this.objective.data.count;
    for (let start = 0; start < alpha.length; start += this.pointsPerSubmission) {
      const size = Math.min(this.pointsPerSubmission, alpha.length - start);
      for (let slot = 0; slot < size; slot++) {
        this.gpu.write(this.points[slot], Float32Array.of(alpha[start + slot], beta[start + slot], slot, 0));
      }
      this.gpu.write(this.sums, new Float32Array(this.sums.length));
      this.submitPoints(size);
      const sums = await this.gpu.read(this.sums);
      for (let slot = 0; slot < size; slot++) {
        out[start + slot] = sums[slot] / count + regularization(alpha[start + slot], beta[start + slot]);
      }
    }
  }

  /** For each slot: theta on the device, then per chunk: the chunk's samples, the forward pass, the loss sum. */
  private submitPoints(size: number): void {
    const gpu = this.gpu;
    const model = this.objective.model;
    const encoder = gpu.device.createCommandEncoder();
    const accumulate = { count: this.chunkSize, workgroupSize: WORKGROUP };
    for (let slot = 0; slot < size; slot++) {
      const point = this.points[slot];
      for (const s of this.slices) {
        const config = { length: s.length, workgroupSize: WORKGROUP };
        const buffers = { center: s.center, d1: s.d1, d2: s.d2, point, theta: s.theta };
        gpu.encode(encoder, dispatchOf(planePointProgram, config, buffers));
      }
      for (let chunk = 0; chunk < this.chunks; chunk++) {
        if (this.chunks > 1) {
          const inputBytes = this.chunkSize * model.inputSize * 4;
          const targetBytes = this.chunkSize * model.outputSize * 4;
          encoder.copyBufferToBuffer(
            this.allInputs.buffer,
            chunk * inputBytes,
            this.input.buffer,
            0,
            inputBytes,
          );
          encoder.copyBufferToBuffer(
            this.allTargets.buffer,
            chunk * targetBytes,
            this.targets.buffer,
            0,
            targetBytes,
          );
        }
        for (const dispatch of this.forward) gpu.encode(encoder, dispatch);
        const sum = { loss: this.losses, point, sums: this.sums };
        gpu.encode(encoder, dispatchOf(lossAccumulateProgram, accumulate, sum));
      }
    }
    gpu.device.queue.submit([encoder.finish()]);
  }

  /** (alpha, beta) -> ||center + alpha d1 + beta d2||^2 / (2C), from the Gram matrix of the plane (in double). */
  private regularizationTerm(plane: PlaneBasis): (alpha: number, beta: number) => number {
    const reg = this.objective.regularization;
    if (!(reg > 0)) return () => 0;
    const { center: c, d1, d2 } = plane;
    let cc = 0;
    let c1 = 0;
    let c2 = 0;
    let g11 = 0;
    let g12 = 0;
    let g22 = 0;
    for (let i = 0; i < c.length; i++) {
      cc += c[i] * c[i];
      c1 += c[i] * d1[i];
      c2 += c[i] * d2[i];
      g11 += d1[i] * d1[i];
      g12 += d1[i] * d2[i];
      g22 += d2[i] * d2[i];
    }
    return (a, b) => {
      const squared = cc + 2 * a * c1 + 2 * b * c2 + a * a * g11 + 2 * a * b * g12 + b * b * g22;
      return 0.5 * reg * Math.max(0, squared);
    };
  }

  /** Frees the device buffers; the evaluator cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const buffer of new Set(this.owned)) this.gpu.free(buffer);
  }
}

function layerOptions(layer: Layer, options: DevicePlaneEvaluatorOptions) {
  if (!(layer instanceof Conv2dLayer)) return {};
  const choice = options.convolution ?? PLANE_CONVOLUTION;
  return { convolution: typeof choice === "function" ? choice(layer) : choice };
}

/** `length` leading values of `source` as Float32, zero-padded to `paddedLength`. */
function paddedCopy(source: ArrayLike<number>, length: number, paddedLength: number): Float32Array {
  const out = new Float32Array(paddedLength);
  for (let i = 0; i < length; i++) out[i] = source[i];
  return out;
}
