/**
 * WebGPU as a @deltalab/core backend, registered under "webgpu" when @deltalab/shaders is imported, so that
 * `resolveBackend("webgpu")` finds it as it finds "wasm".
 *
 * The device is asynchronous and works a whole model at a time, so the backend is one of core's DeviceBackends
 * (core/src/backend/device.ts): `compile` gives a GpuModel (every layer through the device kernel
 * registered for its kind, train/layers.ts), `compileSurface` a loss-surface evaluator running that model's
 * forward pass. Per-layer synchronous calls (`accelerate`) stay on the host: the layers' own code.
 *
 * The device opens on first use (`openDevice`) and is kept until `dispose` or until the adapter request (the
 * DELTALAB_WEBGPU_BACKEND and DELTALAB_WEBGPU_ADAPTER environment) changes; a failed open is retried on the next use.
 */
import {
  registerBackend,
  type DeviceBackend,
  type DeviceCompileOptions,
  type DeviceDescription,
  type DeviceObjective,
  type Sequential,
} from "@deltalab/core";
import { GpuDevice } from "../device/gpu";
import { AdapterRequest, isSoftwareAdapter, requestFromEnvironment } from "../device/open";
import { DevicePlaneEvaluator, type DevicePlaneEvaluatorOptions } from "../landscape/planeEvaluator";
import { GpuModel } from "../train/gpuModel";
import type { LayerOptions } from "../train/layers";

export interface WebGpuBackendOptions {
  /** A device already open; the backend then neither opens nor destroys one. */
  readonly gpu?: GpuDevice;
  /** Where to look for an adapter (default: DELTALAB_WEBGPU_BACKEND and DELTALAB_WEBGPU_ADAPTER). */
  readonly request?: AdapterRequest;
  /** The layers' launch choices for compiled models. */
  readonly layers?: LayerOptions;
  /** The surface evaluator's options. */
  readonly surface?: DevicePlaneEvaluatorOptions;
}

export interface WebGpuBackend extends DeviceBackend {
  readonly name: "webgpu";
  /** The device, opened on first call. */
  device(): Promise<GpuDevice>;
  compile(model: Sequential, options: DeviceCompileOptions): Promise<GpuModel>;
  compileSurface(objective: DeviceObjective): Promise<DevicePlaneEvaluator>;
  openDevice(): Promise<DeviceDescription>;
  dispose(): void;
}

/** The adapter's short name, as the kernel reports it: the device string, else the vendor. */
export function adapterName(gpu: GpuDevice): string {
  return gpu.adapter.device || gpu.adapter.vendor || "unnamed adapter";
}

export function createWebGpuBackend(options: WebGpuBackendOptions = {}): WebGpuBackend {
  const given = options.gpu;
  /** The device opened (or opening) and the request it answers, as a key. */
  let current: { key: string; gpu: Promise<GpuDevice> } | undefined;
  const close = () => {
    const closing = current;
    current = undefined;
    void closing?.gpu.then((gpu) => gpu.destroy()).catch(() => undefined);
  };
  // The request is read when the device is wanted, so that a changed DELTALAB_WEBGPU_* environment opens another.
  const device = (): Promise<GpuDevice> => {
    if (given !== undefined) return Promise.resolve(given);
    const request = options.request ?? requestFromEnvironment();
    const key = JSON.stringify([request.backend ?? "auto", request.adapterName ?? ""]);
    if (current?.key !== key) {
      close();
      const opening = { key, gpu: GpuDevice.open(request) };
      current = opening;
      opening.gpu.catch(() => {
        if (current === opening) current = undefined;
      });
    }
    return current.gpu;
  };
  return {
    name: "webgpu",
    accelerate: (layer) => layer,
    device,
    async openDevice() {
      const gpu = await device();
      return { name: adapterName(gpu), software: isSoftwareAdapter(gpu.adapter) };
    },
    async compile(model, compileOptions) {
      if (compileOptions.loss !== "cross-entropy") {
        throw new Error(
          `the webgpu backend computes the cross-entropy loss of a softmax output, not ${compileOptions.loss}`,
        );
      }
      const gpu = await device();
      return GpuModel.compile(gpu, model, compileOptions.batch, {
        ...options.layers,
        training: compileOptions.training ?? true,
      });
    },
    async compileSurface(objective) {
      return DevicePlaneEvaluator.create(await device(), objective, options.surface);
    },
    dispose: close,
  };
}

let shared: WebGpuBackend | undefined;

/** The process-wide WebGPU backend, what "webgpu" resolves to (made on first call; its device opens on first use). */
export function sharedWebGpuBackend(): WebGpuBackend {
  shared ??= createWebGpuBackend();
  return shared;
}

/** Closes the process-wide backend's device (a later "webgpu" opens a new one). */
export function disposeSharedWebGpuBackend(): void {
  shared?.dispose();
  shared = undefined;
}

registerBackend("webgpu", () => sharedWebGpuBackend());
