export { WasmBackend, createWasmBackend, type WasmBackendOptions } from "./wasm/backend";
export { loadKernels, wasmBackendAvailable, type KernelVariant } from "./wasm/module";
