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
import { ARENA_BASE } from "./memory";
import { webAssembly, type WasmMemory, type WasmModule } from "./webassembly";

export type KernelVariant = "relaxed-simd" | "simd";

/** The exports of core/assembly/index.ts; addresses are byte offsets, booleans are 0 or 1. */
export interface KernelExports {
  /** The scratch floats one thread's GEMM needs. */
  readonly gemmWorkFloats: number;
  sgemmShare(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    accumulate: number,
    c: number,
    ldc: number,
    work: number,
    workStride: number,
    thread: number,
    threads: number,
  ): void;
  convWorkFloats(geometry: number): number;
  convPartialOffset(geometry: number): number;
  convForward(...args: number[]): void;
  convForwardDirect(...args: number[]): void;
  convBackwardFilterDirect(...args: number[]): void;
  directFilterWorkFloats(geometry: number): number;
  directFilterPartialOffset(geometry: number): number;
  directWorkFloats(geometry: number): number;
  maxPoolForward(...args: number[]): void;
  maxPoolBackward(...args: number[]): void;
  averagePoolForward(...args: number[]): void;
  averagePoolBackward(...args: number[]): void;
  activationForward(...args: number[]): void;
  activationBackward(...args: number[]): void;
  convBackwardInput(...args: number[]): void;
  convBackwardFilter(...args: number[]): void;
  addInto(target: number, source: number, length: number): void;
  gather(target: number, source: number, index: number, length: number): void;
  scatterAdd(target: number, source: number, index: number, length: number): void;
  /** The end of the kernels' static data, a byte address. */
  staticDataEnd(): number;
}

const FUNCTIONS = [
  "sgemmShare",
  "convWorkFloats",
  "convPartialOffset",
  "convForward",
  "convBackwardInput",
  "convBackwardFilter",
  "addInto",
  "gather",
  "scatterAdd",
  "convForwardDirect",
  "directWorkFloats",
  "convBackwardFilterDirect",
  "directFilterWorkFloats",
  "directFilterPartialOffset",
  "maxPoolForward",
  "maxPoolBackward",
  "averagePoolForward",
  "averagePoolBackward",
  "activationForward",
  "activationBackward",
  "staticDataEnd",
] as const;

type KernelFunction = (...args: number[]) => number;

/** Instantiates the kernels over `memory`, checking that the module has every export this file declares. */
export function instantiateKernels(module: WasmModule, memory: WasmMemory): KernelExports {
  const { Instance, Global } = webAssembly();
  const { exports } = new Instance(module, { env: { memory } });
  const functions: Partial<Record<(typeof FUNCTIONS)[number], KernelFunction>> = {};
  for (const name of FUNCTIONS) {
    const value = exports[name];
    if (typeof value !== "function") throw new Error(`the WebAssembly kernels lack the export '${name}'`);
    functions[name] = value as KernelFunction;
  }
  const dataEnd = (functions.staticDataEnd as KernelFunction)();
  if (dataEnd > ARENA_BASE) {
    throw new Error(
      `the WebAssembly kernels' static data ends at byte ${dataEnd}, above the backend's first allocation ` +
        `(${ARENA_BASE}): rebuild them with scripts/build-wasm.mjs`,
    );
  }
  const work = exports.GEMM_WORK_FLOATS;
  if (!(work instanceof Global)) {
    throw new Error("the WebAssembly kernels lack the export 'GEMM_WORK_FLOATS'");
  }
  return {
    ...(functions as Record<(typeof FUNCTIONS)[number], KernelFunction>),
    gemmWorkFloats: Number(work.value),
  };
}

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
