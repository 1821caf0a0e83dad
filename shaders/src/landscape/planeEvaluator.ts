/**
 * A loss-surface evaluator on the device: f(theta* + alpha d1 + beta d2) for a model with softmax output trained with
 * cross-entropy on data (core's ModelObjective, seed 001):
 *
 *   f(theta) = theta^T theta / (2C) + (1/l) sum_{i=1..l} xi_i(theta).
 *
 * The model is compiled for the forward pass (train/gpuModel.ts, `training: false`): the same device kernels, by
 * layer kind, as a training step. The data and the plane stay on the device (planeData.ts). For each grid point
 * theta is formed on the device, in the compiled model's parameter buffers, layer by layer; the forward pass runs
 * chunk by chunk over the samples, the fused softmax cross-entropy gives the per-sample losses, and one workgroup
 * adds them into the point's slot. A submission covers up to
 * `pointsPerSubmission` points and reads back only their sums.
 *
 * The first layer's output needs no forward pass per point when that layer is a convolution or a dense layer: its
 * pre-activation is affine in the layer's parameters (seed 004 eq. 60-61: Z is a sum of the input maps correlated
 * with the kernels, plus b), and the parameters move affinely on the plane, so for every sample
 *
 *   Z(c + a d1 + b d2) = Z(c) + a Z_0(d1) + b Z_0(d2),   Z_0(d) = W_d * x + b_d,
 *
 * the layer applied with the slices of c, d1 and d2 as its parameters. Those three responses are computed when an
 * `evaluate` call brings new first-layer slices (once per plane); each point then combines them (an axpy) instead of
 * convolving.
 *
 * The regularization term is added on the host in double precision from the Gram matrix of (center, d1, d2):
 *
 *   ||c + a d1 + b d2||^2 = c.c + a^2 d1.d1 + b^2 d2.d2 + 2a c.d1 + 2b c.d2 + 2ab d1.d2.
 *
 * The forward pass runs in Float32, so the values agree with the CPU objective to Float32 rounding.
 */
import type { Conv2dLayer, DeviceObjective, PlaneBasis, PlaneEvaluator } from "@deltalab/core";
import { Dispatch, GpuBuffer, GpuDevice, dispatchOf } from "../device/gpu";
import type { ConvForwardMethod } from "../ops/conv2d";
import { LaunchResolver } from "../tuner/launches";
import { GpuModel } from "../train/gpuModel";
import { tunedOr } from "../train/layerLaunches";
import type { LayerOptions } from "../train/layers";
import { DeviceSamples, ParameterSlice, checkDeviceObjective } from "./planeData";
import { lossAccumulateProgram, planeCombineProgram } from "./planeKernels";

export interface DevicePlaneEvaluatorOptions {
  /** The forward method of the convolution layers, one for all or one per layer; default planeConvolution. */
  readonly convolution?: LayerOptions["convolution"];
  /** Samples per forward pass (default: all of them, at most 256). */
  readonly chunkSize?: number;
  /** Grid points per submission and read-back (default 64). */
  readonly pointsPerSubmission?: number;
  /**
   * Combine the first layer's responses to center, d1 and d2 instead of running it per point (default: when the
   * first layer is a convolution or dense layer and the three responses fit in device buffers).
   */
  readonly linearFirstLayer?: boolean;
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

const WORKGROUP = 64;

/** The layer kinds affine in their parameters, whose first-layer output can be combined from three responses. */
const AFFINE_KINDS: ReadonlySet<string> = new Set(["conv2d", "dense"]);

/** The first layer's responses to the plane's three vectors, for every sample. */
interface FirstLayerResponses {
  /** The responses to center, d1 and d2, each (padded samples) x (the layer's output size). */
  readonly responses: readonly [GpuBuffer, GpuBuffer, GpuBuffer];
  /** The layer's output size per sample. */
  readonly outputSize: number;
}

export class DevicePlaneEvaluator implements PlaneEvaluator {
  private readonly model: GpuModel;
  private readonly samples: DeviceSamples;
  private readonly slices: ParameterSlice[] = [];
  private readonly pointsPerSubmission: number;
  /** Per-point [alpha, beta, slot, 0], one buffer per slot of a submission. */
  private readonly points: GpuBuffer[] = [];
  private readonly sums: GpuBuffer;
  private readonly first: FirstLayerResponses | undefined;
  /** Buffers of the evaluator's own (not the model's), freed by `dispose`. */
  private readonly owned: GpuBuffer[] = [];
  /** The first layer's slices of the center, d1 and d2 the responses were computed for. */
  private respondedTo: Float64Array | undefined;
  private disposed = false;

  private constructor(
    readonly gpu: GpuDevice,
    readonly objective: DeviceObjective,
    options: DevicePlaneEvaluatorOptions,
  ) {
    this.pointsPerSubmission = options.pointsPerSubmission ?? 64;
    if (!Number.isInteger(this.pointsPerSubmission) || this.pointsPerSubmission < 1) {
      throw new Error(`pointsPerSubmission must be a positive integer, got ${options.pointsPerSubmission}`);
    }
    checkDeviceObjective(objective);
    const { model, data } = objective;
    const chunkSize = options.chunkSize ?? Math.min(data.count, 256);
    if (!Number.isInteger(chunkSize) || chunkSize < 1) {
      throw new Error(`chunkSize must be a positive integer, got ${options.chunkSize}`);
    }
    const launches = LaunchResolver.forDevice(gpu);
    this.model = GpuModel.compile(gpu, model, chunkSize, {
      training: false,
      convolution: options.convolution ?? tunedOr(launches, chunkSize, planeConvolution),
      launches,
    });
    // Every buffer allocated so far is freed when a later allocation fails.
    try {
      const compiled = this.model;
      this.samples = new DeviceSamples(gpu, objective, chunkSize, {
        inputs: compiled.activations[0],
        targets: compiled.targets,
      });
      model.layers.forEach(({ offset, layer }, l) => {
        const theta = compiled.params[l];
        if (theta === undefined) return;
        const length = layer.parameterCount;
        const [center, d1, d2] = [this.alloc(length), this.alloc(length), this.alloc(length)];
        this.slices.push({ layer: l, offset, length, center, d1, d2, theta });
      });
      for (let slot = 0; slot < this.pointsPerSubmission; slot++) this.points.push(this.alloc(4));
      this.sums = this.alloc(this.pointsPerSubmission);
      this.first = this.firstLayerResponses(options.linearFirstLayer);
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  /** Uploads the objective's data and compiles its forward pass on `gpu`; throws when the device cannot run it. */
  static create(
    gpu: GpuDevice,
    objective: DeviceObjective,
    options: DevicePlaneEvaluatorOptions = {},
  ): DevicePlaneEvaluator {
    return new DevicePlaneEvaluator(gpu, objective, options);
  }

  /** A zero-filled buffer freed with the evaluator. */
  private alloc(length: number): GpuBuffer {
    const buffer = this.gpu.alloc(length);
    this.owned.push(buffer);
    return buffer;
  }

  /** Whether the first layer's output is combined from its three responses rather than computed per point. */
  get combinesFirstLayer(): boolean {
    return this.first !== undefined;
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
    for (const name of ["center", "d1", "d2"] as const) {
      if (plane[name].length !== dim) {
        throw new RangeError(
          `the plane's ${name} lives in R^${plane[name].length}, but the objective has dim = ${dim}`,
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
      this.gpu.write(slice.center, Float32Array.from(plane.center.subarray(slice.offset, end)));
      this.gpu.write(slice.d1, Float32Array.from(plane.d1.subarray(slice.offset, end)));
      this.gpu.write(slice.d2, Float32Array.from(plane.d2.subarray(slice.offset, end)));
    }
    if (this.first) this.computeFirstLayerResponses(plane, this.first);
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

  /** Frees the device buffers; the evaluator cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const buffer of this.owned) this.gpu.free(buffer);
    this.owned.length = 0;
    this.samples?.dispose();
    this.model.dispose();
  }

  /** Buffers for the first layer's three responses, when the layer is affine in its parameters and they fit. */
  private firstLayerResponses(requested: boolean | undefined): FirstLayerResponses | undefined {
    if (requested === false) return undefined;
    const layer = this.objective.model.layers[0]?.layer;
    if (layer === undefined || !AFFINE_KINDS.has(layer.kind) || this.slices[0]?.layer !== 0) {
      if (requested) {
        throw new Error(
          `linearFirstLayer needs a convolution or dense first layer; this model starts with '${layer?.kind}'`,
        );
      }
      return undefined;
    }
    const length = this.samples.chunks * this.samples.chunkSize * layer.outputSize;
    if (!requested && length * 4 > this.gpu.limits.maxStorageBufferBindingSize) return undefined;
    const responses = [this.alloc(length), this.alloc(length), this.alloc(length)] as const;
    return { responses, outputSize: layer.outputSize };
  }

  /** Z_0(v) for v = center, d1, d2 on every chunk, unless the first layer's slices are those of the last call. */
  private computeFirstLayerResponses(plane: PlaneBasis, first: FirstLayerResponses): void {
    const slice = this.slices[0];
    const slices = new Float64Array(3 * slice.length);
    (["center", "d1", "d2"] as const).forEach((name, k) => {
      slices.set(plane[name].subarray(slice.offset, slice.offset + slice.length), k * slice.length);
    });
    const last = this.respondedTo;
    if (last !== undefined && last.every((value, i) => value === slices[i])) return;
    const output = this.model.activations[1];
    const bytes = this.samples.chunkSize * first.outputSize * 4;
    for (let k = 0; k < 3; k++) {
      this.gpu.write(
        slice.theta,
        Float32Array.from(slices.subarray(k * slice.length, (k + 1) * slice.length)),
      );
      const encoder = this.gpu.device.createCommandEncoder();
      for (let chunk = 0; chunk < this.samples.chunks; chunk++) {
        this.samples.encodeChunkCopy(encoder, chunk);
        for (const dispatch of this.model.layerForward[0]) this.gpu.encode(encoder, dispatch);
        encoder.copyBufferToBuffer(output.buffer, 0, first.responses[k].buffer, chunk * bytes, bytes);
      }
      this.gpu.device.queue.submit([encoder.finish()]);
    }
    this.respondedTo = slices;
  }

  /** For each slot: theta on the device, then per chunk: the chunk's samples, the forward pass, the loss sum. */
  private submitPoints(size: number): void {
    const { model, samples, first } = this;
    const encoder = this.gpu.device.createCommandEncoder();
    const encode = (dispatch: Dispatch) => this.gpu.encode(encoder, dispatch);
    const slices = first ? this.slices.slice(1) : this.slices;
    const forward = model.forwardDispatches(first ? 1 : 0);
    const accumulate = { count: samples.chunkSize, workgroupSize: WORKGROUP };
    for (let slot = 0; slot < size; slot++) {
      const point = this.points[slot];
      for (const s of slices) {
        const config = { length: s.length, offset: 0, workgroupSize: WORKGROUP };
        encode(
          dispatchOf(planeCombineProgram, config, { c: s.center, u: s.d1, v: s.d2, point, out: s.theta }),
        );
      }
      for (let chunk = 0; chunk < samples.chunks; chunk++) {
        samples.encodeChunkCopy(encoder, chunk, first === undefined);
        if (first) {
          const length = samples.chunkSize * first.outputSize;
          const config = { length, offset: chunk * length, workgroupSize: WORKGROUP };
          const [c, u, v] = first.responses;
          encode(dispatchOf(planeCombineProgram, config, { c, u, v, point, out: model.activations[1] }));
        }
        forward.forEach(encode);
        encode(
          dispatchOf(lossAccumulateProgram, accumulate, { loss: model.sampleLosses, point, sums: this.sums }),
        );
      }
    }
    this.gpu.device.queue.submit([encoder.finish()]);
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
}
