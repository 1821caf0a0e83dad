export { referenceBackend, type Backend } from "./backend";
export {
  disposeSharedWasmBackend,
  resolveBackend,
  sharedWasmBackend,
  type BackendChoice,
  type BackendName,
} from "./select";
export { type WasmActivation } from "./wasm/arguments";
export { WasmBackend, createWasmBackend, type WasmBackendOptions } from "./wasm/backend";
export { loadKernels, wasmBackendAvailable, type KernelVariant } from "./wasm/module";
