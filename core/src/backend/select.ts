/**
 * Backends by name. "wasm" is one WebAssembly backend per process, made on first use with a thread per core
 * (os.availableParallelism()) and shared by every model that names it; "auto" is that backend for Float32 models
 * where the engine runs it (WebAssembly SIMD and shared memory), and the reference elsewhere (the kernels are
 * single precision).
 */
import type { DType } from "../tensor";
import { referenceBackend, type Backend } from "./backend";
import { createWasmBackend, type WasmBackend } from "./wasm/backend";
import { wasmBackendAvailable } from "./wasm/module";

export type BackendName = "auto" | "reference" | "wasm";

export type BackendChoice = BackendName | Backend;

let shared: WasmBackend | undefined;

/** The process-wide WebAssembly backend (made on first call). */
export function sharedWasmBackend(): WasmBackend {
  shared ??= createWasmBackend();
  return shared;
}

/** Stops the process-wide backend's worker threads (a later "wasm" or "auto" makes a new one). */
export function disposeSharedWasmBackend(): void {
  shared?.dispose();
  shared = undefined;
}

export function resolveBackend(choice: BackendChoice, dtype: DType = "float32"): Backend {
  if (typeof choice === "object" && choice !== null && typeof choice.accelerate === "function") return choice;
  switch (choice) {
    case "reference":
      return referenceBackend;
    case "wasm":
      return sharedWasmBackend();
    case "auto":
      return dtype === "float32" && wasmBackendAvailable() ? sharedWasmBackend() : referenceBackend;
    default:
      throw new RangeError(
        `unknown backend ${JSON.stringify(choice)}; expected "auto", "reference", "wasm" or a Backend object`,
      );
  }
}
