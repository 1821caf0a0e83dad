/**
 * Loads the committed kernels (core/wasm, built by scripts/build-wasm.mjs): the relaxed-SIMD build when the engine
 * validates it (fused multiply-add), else the plain 128-bit SIMD build. Node 20's V8 (11.3) has relaxed SIMD
 * behind --experimental-wasm-relaxed-simd; where the build does not validate, that flag is turned on once at run
 * time (it only admits the relaxed-SIMD instructions) and the build validated again. Compilation is synchronous,
 * so a backend can be made where no await is possible.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { webAssembly, type WasmModule } from "./webassembly";

export type KernelVariant = "relaxed-simd" | "simd";

export interface LoadedKernels {
  readonly module: WasmModule;
  readonly variant: KernelVariant;
}

const FILES: Record<KernelVariant, string> = {
  "relaxed-simd": "kernels-relaxed.wasm",
  simd: "kernels-simd.wasm",
};

/** core/wasm, from core/src/backend/wasm (tests) or core/dist/backend/wasm (the package). */
function wasmDirectory(): string {
  const directory = join(__dirname, "..", "..", "..", "wasm");
  if (!existsSync(join(directory, FILES.simd))) {
    throw new Error(`the WebAssembly kernels are missing: expected ${join(directory, FILES.simd)}`);
  }
  return directory;
}

let cache: Map<KernelVariant, WasmModule> | undefined;

/** The fastest variant this engine runs, or the one asked for (an error when the engine cannot run it). */
export function loadKernels(requested?: KernelVariant): LoadedKernels {
  cache ??= new Map();
  const directory = wasmDirectory();
  const candidates: KernelVariant[] = requested ? [requested] : ["relaxed-simd", "simd"];
  for (const variant of candidates) {
    const cached = cache.get(variant);
    if (cached) return { module: cached, variant };
    const bytes = readFileSync(join(directory, FILES[variant]));
    if (!validates(bytes, variant)) continue;
    const { Module } = webAssembly();
    const module = new Module(bytes);
    cache.set(variant, module);
    return { module, variant };
  }
  throw new Error(
    requested
      ? `this JavaScript engine cannot run the '${requested}' WebAssembly kernels` +
        (requested === "relaxed-simd" ? " (Node 20 needs --experimental-wasm-relaxed-simd)" : "")
      : "this JavaScript engine has no WebAssembly SIMD",
  );
}

let relaxedFlagTried = false;

function validates(bytes: Uint8Array, variant: KernelVariant): boolean {
  if (webAssembly().validate(bytes)) return true;
  if (variant !== "relaxed-simd" || relaxedFlagTried) return false;
  relaxedFlagTried = true;
  setFlagsFromString("--experimental-wasm-relaxed-simd");
  return webAssembly().validate(bytes);
}

/** True when WebAssembly SIMD, threads (shared memory) and worker threads are there to run the backend. */
export function wasmBackendAvailable(): boolean {
  try {
    loadKernels("simd");
    return typeof SharedArrayBuffer === "function";
  } catch {
    return false;
  }
}
