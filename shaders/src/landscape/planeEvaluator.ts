/**
 * A loss-surface evaluator on the device: f(theta* + alpha d1 + beta d2) for a model with softmax output trained with
 * cross-entropy on data (core's ModelObjective, seed 001):
 *
 *   f(theta) = theta^T theta / (2C) + (1/l) sum_{i=1..l} xi_i(theta).
 *
 * The data and the plane stay on the device (deviceNetwork.ts). For each grid point theta is formed on the device,
 * layer by layer, the forward pass runs chunk by chunk over the samples, the fused softmax cross-entropy gives the
 * per-sample losses, and one workgroup adds them into the point's slot. A submission covers up to
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
import { Conv2dLayer, DenseLayer, type PlaneBasis, type PlaneEvaluator } from "@deltalab/core";
import { Dispatch, GpuBuffer, GpuDevice, dispatchOf } from "../device/gpu";
import { DeviceNetwork, type DeviceNetworkOptions, type DeviceObjective } from "./deviceNetwork";
import { lossAccumulateProgram, planeCombineProgram } from "./planeKernels";

export interface DevicePlaneEvaluatorOptions extends DeviceNetworkOptions {
  /** Grid points per submission and read-back (default 64). */
  readonly pointsPerSubmission?: number;
  /**
   * Combine the first layer's responses to center, d1 and d2 instead of running it per point (default: when the
   * first layer is a convolution or dense layer and the three responses fit in device buffers).
   */
  readonly linearFirstLayer?: boolean;
}

const WORKGROUP = 64;

/** The first layer's responses to the plane's three vectors, for every sample. */
interface FirstLayerResponses {
  /** The responses to center, d1 and d2, each (padded samples) x (the layer's output size). */
  readonly responses: readonly [GpuBuffer, GpuBuffer, GpuBuffer];
  /** The layer's output size per sample. */
  readonly outputSize: number;
}

export class DevicePlaneEvaluator implements PlaneEvaluator {
  private readonly network: DeviceNetwork;
  private readonly pointsPerSubmission: number;
  /** Per-point [alpha, beta, slot, 0], one buffer per slot of a submission. */
  private readonly points: GpuBuffer[];
  private readonly sums: GpuBuffer;
  private readonly first: FirstLayerResponses | undefined;
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
    const network = new DeviceNetwork(gpu, objective, options);
    this.network = network;
    try {
      this.points = Array.from({ length: this.pointsPerSubmission }, () => network.alloc(4));
      this.sums = network.alloc(this.pointsPerSubmission);
      this.first = this.firstLayerResponses(options.linearFirstLayer);
    } catch (error) {
      network.dispose();
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
    for (const slice of this.network.slices) {
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
    this.network.dispose();
  }

  /** Buffers for the first layer's three responses, when the layer is affine in its parameters and they fit. */
  private firstLayerResponses(requested: boolean | undefined): FirstLayerResponses | undefined {
    if (requested === false) return undefined;
    const network = this.network;
    const layer = this.objective.model.layers[0]?.layer;
    const affine = layer instanceof Conv2dLayer || layer instanceof DenseLayer;
    if (!affine || network.slices[0]?.layer !== 0) {
      if (requested) {
        throw new Error(
          `linearFirstLayer needs a convolution or dense first layer; this model starts with '${layer?.kind}'`,
        );
      }
      return undefined;
    }
    const length = network.chunks * network.chunkSize * layer.outputSize;
    if (!requested && length * 4 > this.gpu.limits.maxStorageBufferBindingSize) return undefined;
    const responses = [network.alloc(length), network.alloc(length), network.alloc(length)] as const;
    return { responses, outputSize: layer.outputSize };
  }

  /** Z_0(v) for v = center, d1, d2 on every chunk, unless the first layer's slices are those of the last call. */
  private computeFirstLayerResponses(plane: PlaneBasis, first: FirstLayerResponses): void {
    const network = this.network;
    const slice = network.slices[0];
    const slices = new Float64Array(3 * slice.length);
    (["center", "d1", "d2"] as const).forEach((name, k) => {
      slices.set(plane[name].subarray(slice.offset, slice.offset + slice.length), k * slice.length);
    });
    const last = this.respondedTo;
    if (last !== undefined && last.every((value, i) => value === slices[i])) return;
    const output = network.activations[1];
    const bytes = network.chunkSize * first.outputSize * 4;
    for (let k = 0; k < 3; k++) {
      this.gpu.write(
        slice.theta,
        Float32Array.from(slices.subarray(k * slice.length, (k + 1) * slice.length)),
      );
      const encoder = this.gpu.device.createCommandEncoder();
      for (let chunk = 0; chunk < network.chunks; chunk++) {
        network.encodeChunkCopy(encoder, chunk);
        for (const dispatch of network.layerForward[0]) this.gpu.encode(encoder, dispatch);
        encoder.copyBufferToBuffer(output.buffer, 0, first.responses[k].buffer, chunk * bytes, bytes);
      }
      this.gpu.device.queue.submit([encoder.finish()]);
    }
    this.respondedTo = slices;
  }

  /** For each slot: theta on the device, then per chunk: the chunk's samples, the forward pass, the loss sum. */
  private submitPoints(size: number): void {
    const network = this.network;
    const first = this.first;
    const encoder = this.gpu.device.createCommandEncoder();
    const encode = (dispatch: Dispatch) => this.gpu.encode(encoder, dispatch);
    const slices = first ? network.slices.slice(1) : network.slices;
    const layers = first ? network.layerForward.slice(1) : network.layerForward;
    const forward = [...layers.flat(), network.lossForward];
    const accumulate = { count: network.chunkSize, workgroupSize: WORKGROUP };
    for (let slot = 0; slot < size; slot++) {
      const point = this.points[slot];
      for (const s of slices) {
        const config = { length: s.length, offset: 0, workgroupSize: WORKGROUP };
        encode(
          dispatchOf(planeCombineProgram, config, { c: s.center, u: s.d1, v: s.d2, point, out: s.theta }),
        );
      }
      for (let chunk = 0; chunk < network.chunks; chunk++) {
        network.encodeChunkCopy(encoder, chunk, first === undefined);
        if (first) {
          const length = network.chunkSize * first.outputSize;
          const config = { length, offset: chunk * length, workgroupSize: WORKGROUP };
          const [c, u, v] = first.responses;
          encode(dispatchOf(planeCombineProgram, config, { c, u, v, point, out: network.activations[1] }));
        }
        forward.forEach(encode);
        encode(
          dispatchOf(lossAccumulateProgram, accumulate, { loss: network.losses, point, sums: this.sums }),
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
