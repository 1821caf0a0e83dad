/**
 * Where `%surface` and `%race` evaluate a loss surface: on a WebGPU device when the objective is a model the device
 * can run (softmax output with cross-entropy) and an adapter opens, else on the CPU. Both give f(theta* + a d1 +
 * b d2) of the same objective (the device in Float32); the choice and, for a fallback, its reason are reported.
 * The device is core's registered "webgpu" backend (registered by @deltalab/shaders on import): its surface
 * evaluator runs the forward pass it compiles for training. `%train --device` chooses by the same rule.
 */
import "@deltalab/shaders";
import {
  computeGrid,
  cpuEvaluator,
  isDeviceBackend,
  ModelObjective,
  resolveBackend,
  withSurfaceLoss,
  type DeviceBackend,
  type DeviceDescription,
  type GridAxis,
  type GridProgress,
  type LandscapePlane,
  type Objective,
  type PlaneEvaluator,
} from "@deltalab/core";
import type { SurfaceTrajectory } from "@deltalab/core/payloads";
import { UsageError } from "./parse";
import { stringOption, type OptionSpec, type ParsedArgs } from "./spec";

export type SurfaceDeviceChoice = "auto" | "cpu" | "webgpu";

export const SURFACE_DEVICE_CHOICES: readonly SurfaceDeviceChoice[] = ["auto", "cpu", "webgpu"];

export interface SurfaceBackend {
  readonly evaluator: PlaneEvaluator;
  /** "WebGPU (adapter)" or "CPU". */
  readonly name: string;
  /** Why the CPU was used under "auto" although the objective is a model; absent otherwise. */
  readonly fallbackReason?: string;
  /** Frees the device (a no-op on the CPU). */
  dispose(): void;
}

function cpuBackend(objective: Objective, fallbackReason?: string): SurfaceBackend {
  return {
    evaluator: cpuEvaluator(objective),
    name: "CPU",
    ...(fallbackReason !== undefined ? { fallbackReason } : {}),
    dispose: () => undefined,
  };
}

/**
 * The evaluator for `objective` under `choice`: "cpu" always the CPU; "webgpu" the device or a UsageError saying why
 * not; "auto" the device for a model objective when it can and the adapter is a GPU, else the CPU. A software
 * adapter (Mesa's llvmpipe on a machine without a GPU) is left to "webgpu": on LeNet-5 it evaluated a grid point
 * about 18 times slower than the CPU's WebAssembly backend. Objectives that are not models (the test surfaces,
 * user objectives) have no device form and use the CPU under "auto".
 */
export async function openSurfaceBackend(
  objective: Objective,
  choice: SurfaceDeviceChoice,
): Promise<SurfaceBackend> {
  if (choice === "cpu") return cpuBackend(objective);
  if (!(objective instanceof ModelObjective)) {
    if (choice === "webgpu") {
      throw new UsageError("--device webgpu evaluates model surfaces only; this objective is not a model");
    }
    return cpuBackend(objective);
  }
  const opened = await openDeviceBackend(choice);
  if (opened.backend === undefined) return cpuBackend(objective, opened.fallbackReason);
  const { backend, adapter } = opened;
  try {
    const evaluator = await backend.compileSurface(objective);
    return { evaluator, name: `WebGPU (${adapter})`, dispose: () => evaluator.dispose() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (choice === "webgpu") throw new UsageError(`--device webgpu: ${message}`);
    return cpuBackend(objective, message);
  }
}

/** The WebGPU backend with its adapter's name, or why the CPU is used instead. */
export type DeviceBackendChoice =
  | { readonly backend: DeviceBackend; readonly adapter: string; readonly fallbackReason?: undefined }
  | { readonly backend?: undefined; readonly fallbackReason: string };

/**
 * The registered "webgpu" backend with its device open, for a model's work under `choice` ("auto" or "webgpu"):
 * "webgpu" the device or a UsageError saying why not; "auto" the device when its adapter is a GPU, else the reason
 * the CPU is used (no adapter, or a software one, see openSurfaceBackend).
 */
export async function openDeviceBackend(choice: "auto" | "webgpu"): Promise<DeviceBackendChoice> {
  const backend = resolveBackend("webgpu");
  if (!isDeviceBackend(backend))
    throw new Error(`the backend registered as webgpu (${backend.name}) has no device`);
  let device: DeviceDescription;
  try {
    device = await backend.openDevice();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (choice === "webgpu") throw new UsageError(`--device webgpu: no WebGPU device opened: ${reason}`);
    return { fallbackReason: `no WebGPU device opened (${reason})` };
  }
  // The device stays open: models a cell compiled on the shared backend may still use it.
  if (choice === "auto" && device.software) {
    return {
      fallbackReason: `the only WebGPU adapter, ${device.name}, renders in software and is slower than the CPU (--device webgpu uses it)`,
    };
  }
  return { backend, adapter: device.name };
}

/** The grid, then the surface's loss under every iterate of the paths, through one evaluator. */
export async function evaluateSurface(
  evaluator: PlaneEvaluator,
  plane: LandscapePlane,
  axes: { x: GridAxis; y: GridAxis },
  projected: readonly SurfaceTrajectory[],
  signal: AbortSignal | undefined,
  onProgress?: (progress: GridProgress) => void,
) {
  const grid = await computeGrid(evaluator, plane, {
    ...axes,
    ...(signal ? { signal } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  const paths: SurfaceTrajectory[] = [];
  // After an interrupt the paths are drawn without the surface's loss under them rather than delaying the stop.
  for (const path of projected) paths.push(await withSurfaceLoss(evaluator, plane, path, signal));
  return { grid, paths };
}

/** The --device option of %surface and %race. */
export const DEVICE_OPTION: OptionSpec = {
  name: "device",
  kind: "choice",
  choices: SURFACE_DEVICE_CHOICES,
  description:
    "where a model's surface is evaluated: WebGPU on a hardware GPU (auto), cpu, or webgpu (any adapter)",
  defaultText: "auto",
};

/** The --device value, if given. */
export function deviceOption(args: ParsedArgs): SurfaceDeviceChoice | undefined {
  const value = stringOption(args, "device");
  return SURFACE_DEVICE_CHOICES.find((choice) => choice === value);
}
