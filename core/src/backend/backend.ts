/**
 * Where a model's layers run. A backend looks at each layer of a model once, when the model takes it, and hands
 * back a layer that computes the same thing (the same `Layer` contract, layers/layer.ts), faster, or the layer
 * itself when it has nothing faster for it. The layers' own code is the reference every backend is tested against.
 *
 *   model.useBackend("auto")             the default: "wasm" where the engine runs it, else "reference"
 *   model.useBackend("reference")        the layers' own TypeScript
 *   model.useBackend("wasm")             WebAssembly SIMD kernels on worker threads (Float32 models)
 *   model.useBackend(createWasmBackend({ threads: 1 }))
 *
 * A backend may also own the memory of a model's workspaces (`workspaceBuffer`), so its kernels read activations
 * and write deltas in place, without copies. A backend with memory of its own (a WebGPU device) is a DeviceBackend
 * (device.ts): it compiles whole models, and its work is asynchronous and a batch at a time.
 *
 * Backends are found by name in a registry (select.ts): "reference", "wasm" and "auto" are registered by core;
 * "webgpu" by @deltalab/shaders when it is imported.
 */
import type { Layer } from "../layers/layer";
import type { DType, FloatArray } from "../tensor";

export interface Backend {
  /** "reference", "wasm", "webgpu". */
  readonly name: string;
  /** A layer that computes what `layer` computes, or `layer` itself. */
  accelerate(layer: Layer, dtype: DType): Layer;
  /** A zeroed buffer for a workspace, kept until `owner` is garbage-collected; absent: an ordinary typed array. */
  workspaceBuffer?(dtype: DType, length: number, owner: object): FloatArray;
  /** Frees what the backend holds (worker threads, a device); a later use may make them again. */
  dispose?(): void;
}

/** The layers' own code. */
export const referenceBackend: Backend = {
  name: "reference",
  accelerate: (layer) => layer,
};
