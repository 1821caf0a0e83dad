export { referenceBackend, type Backend } from "./backend";
export type {
  CompileModel,
  CompileSurface,
  DeviceCompileOptions,
  DeviceDescription,
  DeviceModel,
  DeviceObjective,
} from "./device";
export {
  disposeSharedWasmBackend,
  registerBackend,
  registeredBackends,
  resolveBackend,
  sharedWasmBackend,
  type BackendChoice,
  type BackendFactory,
  type BackendName,
} from "./select";
export { type WasmActivation } from "./wasm/arguments";
export { WasmBackend, createWasmBackend, type WasmBackendOptions } from "./wasm/backend";
export { loadKernels, wasmBackendAvailable, type KernelVariant } from "./wasm/module";
