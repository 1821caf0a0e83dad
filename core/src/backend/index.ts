export { referenceBackend, type Backend } from "./backend";
export {
  isDeviceBackend,
  type DeviceBackend,
  type DeviceCompileOptions,
  type DeviceDescription,
  type DeviceModel,
  type DeviceObjective,
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
export {
  WasmOperations,
  type WasmConvAlgorithm,
  type WasmConvAlgorithms,
  type DenseSizes,
} from "./wasm/operations";
export { loadKernels, wasmBackendAvailable, type KernelVariant } from "./wasm/module";
