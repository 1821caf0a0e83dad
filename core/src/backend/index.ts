export { referenceBackend, type Backend } from "./backend";
export {
  disposeSharedWasmBackend,
  resolveBackend,
  sharedWasmBackend,
  type BackendChoice,
  type BackendName,
} from "./select";
export { WasmBackend, createWasmBackend, type WasmActivation, type WasmBackendOptions } from "./wasm/backend";
export { loadKernels, wasmBackendAvailable, type KernelVariant } from "./wasm/module";
