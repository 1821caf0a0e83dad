/**
 * A backend whose memory is not the host's (WebGPU), a `DeviceBackend`: a whole model compiled for one
 * batch size, with theta, activations and deltas resident on the device. A device runs asynchronously and a whole
 * training step at a time (one submission), so it is not a per-layer `accelerate`: callers hand it a batch and await
 * the batch's loss, its gradient, or the per-sample losses.
 *
 * The loss is the batch mean of seed 001 without regularization,
 *
 *   f_B(theta) = (1/B) sum_{i in B} r_i(theta),
 *
 * so a device gradient is the core's summed gradient divided by B. Inputs and targets are `batch` samples back to
 * back in the model's layout, in Float32.
 */
import type { PlaneEvaluator } from "../landscape/grid";
import type { Backend } from "./backend";
import type { LossName } from "../losses";
import type { ModelObjective } from "../model/objective";
import type { Sequential } from "../model/sequential";

export interface DeviceCompileOptions {
  /** Samples per call. */
  readonly batch: number;
  /** The loss the model is trained or evaluated with; a device names the losses it has. */
  readonly loss: LossName;
  /** false: forward passes only (losses), no deltas or gradients on the device. Default true. */
  readonly training?: boolean;
}

export interface DeviceModel {
  readonly batch: number;
  /** Whether `valueAndGradient` is available (compiled with `training`). */
  readonly training: boolean;
  /** r_i(theta) for each sample of one batch at the device's theta (a forward pass). */
  losses(inputs: Float32Array, targets: Float32Array): Promise<Float32Array>;
  /** f_B(theta) at the device's theta, with its gradient written into `gradient` (theta's order and length). */
  valueAndGradient(inputs: Float32Array, targets: Float32Array, gradient: Float64Array): Promise<number>;
  /** theta from the device, in the model's order. */
  readParameters(): Promise<Float64Array>;
  /** Copies theta (the model's order and length) to the device. */
  writeParameters(theta: ArrayLike<number>): void;
  /** Frees the device memory of the compiled model. */
  dispose(): void;
}

/** The device a backend runs on, as opened. */
export interface DeviceDescription {
  /** The adapter for people, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)". */
  readonly name: string;
  /** True for an adapter that renders in software on the CPU (Mesa's llvmpipe), slower than the CPU backends. */
  readonly software: boolean;
}

/** The fields of a model objective a device evaluator reads. */
export type DeviceObjective = Pick<ModelObjective, "model" | "data" | "loss" | "regularization" | "dim">;

/**
 * A backend with a device of its own. Its `accelerate` leaves layers on the host (synchronous per-layer calls);
 * model-level work goes through `compile` and `compileSurface`.
 */
export interface DeviceBackend extends Backend {
  /** Opens the backend's device (once) and describes it; rejects, saying why, when no device opens. */
  openDevice(): Promise<DeviceDescription>;
  /** `model` compiled onto the device for a batch size and a loss; rejects, naming it, for a layer it lacks. */
  compile(model: Sequential, options: DeviceCompileOptions): Promise<DeviceModel>;
  /**
   * A loss-surface evaluator on the device for a model objective: f(center + alpha d1 + beta d2) with the same
   * compiled forward pass as `compile`. Free it with `dispose`.
   */
  compileSurface(objective: DeviceObjective): Promise<PlaneEvaluator & { dispose(): void }>;
  /** Frees the device; a later use opens one again. */
  dispose(): void;
}

/** Whether `backend` compiles models onto a device of its own. */
export function isDeviceBackend(backend: Backend): backend is DeviceBackend {
  const candidate = backend as Partial<DeviceBackend>;
  return (
    typeof candidate.compile === "function" &&
    typeof candidate.compileSurface === "function" &&
    typeof candidate.openDevice === "function"
  );
}
