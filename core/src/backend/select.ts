/**
 * Backends by name, in a registry: `registerBackend(name, factory)` makes `resolveBackend(name)` (and
 * `model.useBackend(name)`) find it. Core registers three:
 *
 *   "reference"  the layers' own code
 *   "wasm"       one WebAssembly backend per process, made on first use with a thread per core
 *                (os.availableParallelism()) and shared by every model that names it
 *   "auto"       that WebAssembly backend for Float32 models where the engine runs it (WebAssembly SIMD and shared
 *                memory), the reference elsewhere (the kernels are single precision)
 *
 * Packages that add a backend register it when they are imported: @deltalab/shaders registers "webgpu".
 */
import type { DType } from "../tensor";
import { referenceBackend, type Backend } from "./backend";
import { createWasmBackend, type WasmBackend } from "./wasm/backend";
import { wasmBackendAvailable } from "./wasm/module";

/** The backends core registers; packages may register more under other names. */
export type BackendName = "auto" | "reference" | "wasm" | "webgpu";

export type BackendChoice = BackendName | (string & {}) | Backend;

/** Makes (or finds) the backend for a model of `dtype`. */
export type BackendFactory = (dtype: DType) => Backend;

const registry = new Map<string, BackendFactory>();

/** Backends that live in another package, and the package that registers them on import. */
const REGISTERED_ELSEWHERE: Readonly<Record<string, string>> = { webgpu: "@deltalab/shaders" };

/** Makes `name` resolve to `factory`'s backend; a later registration under the same name replaces it. */
export function registerBackend(name: string, factory: BackendFactory): void {
  if (name.length === 0) throw new RangeError("a backend needs a name");
  registry.set(name, factory);
}

/** The names `resolveBackend` knows now, in registration order. */
export function registeredBackends(): string[] {
  return [...registry.keys()];
}

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

registerBackend("reference", () => referenceBackend);
registerBackend("wasm", () => sharedWasmBackend());
registerBackend("auto", (dtype) =>
  dtype === "float32" && wasmBackendAvailable() ? sharedWasmBackend() : referenceBackend,
);

function isBackend(choice: unknown): choice is Backend {
  return (
    typeof choice === "object" && choice !== null && typeof (choice as Backend).accelerate === "function"
  );
}

export function resolveBackend(choice: BackendChoice, dtype: DType = "float32"): Backend {
  if (isBackend(choice)) return choice;
  const factory = typeof choice === "string" ? registry.get(choice) : undefined;
  if (factory !== undefined) return factory(dtype);
  const provider = typeof choice === "string" ? REGISTERED_ELSEWHERE[choice] : undefined;
  if (provider !== undefined) {
    throw new RangeError(`the ${choice} backend is registered by ${provider}; import it first`);
  }
  const known = registeredBackends()
    .map((name) => JSON.stringify(name))
    .join(", ");
  throw new RangeError(
    `unknown backend ${JSON.stringify(choice)}; expected one of ${known} or a Backend object`,
  );
}
