/**
 * The exports of core/assembly/index.ts, each declared once with named, typed parameters, and checked when a module
 * is instantiated: every declared function is there and takes the declared number of parameters (`fn.length` of an
 * exported WebAssembly function is its parameter count), else a clear error names it.
 *
 * Addresses are byte offsets into the shared memory, branded by what they point at, so that a size passed where an
 * address goes, or a float buffer where an index table goes, does not type-check. Booleans are 0 or 1. The kernels a
 * worker pool dispatches take (..., thread, threads) last (pool.ts).
 */
import { ARENA_BASE } from "./memory";
import { webAssembly, type WasmMemory, type WasmModule } from "./webassembly";

declare const pointsAt: unique symbol;

/** The byte address of Float32 values in the shared memory. */
export type FloatAddress = number & { readonly [pointsAt]: "f32" };
/** The byte address of Int32 values in the shared memory: an index table, a convolution's geometry block. */
export type IntAddress = number & { readonly [pointsAt]: "i32" };
/** A WebAssembly boolean. */
export type Flag = 0 | 1;

/** The functions core/assembly exports, with the AssemblyScript sources' parameter names. */
export interface KernelFunctions {
  sgemmShare(
    transA: Flag,
    transB: Flag,
    m: number,
    n: number,
    k: number,
    a: FloatAddress,
    lda: number,
    b: FloatAddress,
    ldb: number,
    accumulate: Flag,
    c: FloatAddress,
    ldc: number,
    work: FloatAddress,
    workStride: number,
    thread: number,
    threads: number,
  ): void;
  /** The scratch floats one thread's convolution needs; `g` is the geometry block (operations.ts). */
  convWorkFloats(g: IntAddress): number;
  /** Where a thread's partial [dW^T; db] starts in its scratch, in bytes. */
  convPartialOffset(g: IntAddress): number;
  convForward(
    g: IntAddress,
    x: FloatAddress,
    weightsT: FloatAddress,
    bias: FloatAddress,
    y: FloatAddress,
    work: FloatAddress,
    workStride: number,
    thread: number,
    threads: number,
  ): void;
  convBackwardInput(
    g: IntAddress,
    dy: FloatAddress,
    weightsT: FloatAddress,
    dx: FloatAddress,
    spare: FloatAddress | 0,
    work: FloatAddress,
    workStride: number,
    thread: number,
    threads: number,
  ): void;
  convBackwardFilter(
    g: IntAddress,
    x: FloatAddress,
    dy: FloatAddress,
    work: FloatAddress,
    workStride: number,
    thread: number,
    threads: number,
  ): void;
  /** The scratch floats one thread of convWinograd needs. */
  winogradWorkFloats(g: IntAddress): number;
  /** A 3 x 3, stride-1 convolution by F(2x2, 3x3); `transposed`: g is a layer's input-delta convolution. */
  convWinograd(
    g: IntAddress,
    x: FloatAddress,
    weightsT: FloatAddress,
    bias: FloatAddress | 0,
    transposed: Flag,
    y: FloatAddress,
    work: FloatAddress,
    workStride: number,
    thread: number,
    threads: number,
  ): void;
  winogradFilterWorkFloats(g: IntAddress): number;
  /** Where a thread's partial [dW^T; db] of convWinogradFilter starts in its scratch, in bytes. */
  winogradFilterPartialOffset(g: IntAddress): number;
  /** The filter gradient of a 3 x 3, stride-1 convolution by F(3x3, 2x2), into per-thread partials. */
  convWinogradFilter(
    g: IntAddress,
    x: FloatAddress,
    dy: FloatAddress,
    work: FloatAddress,
    workStride: number,
    thread: number,
    threads: number,
  ): void;
  mapsForwardWorkFloats(g: IntAddress): number;
  convForwardMaps(
    g: IntAddress,
    x: FloatAddress,
    weightsT: FloatAddress,
    bias: FloatAddress,
    y: FloatAddress,
    work: FloatAddress,
    workStride: number,
    thread: number,
    threads: number,
  ): void;
  mapsFilterWorkFloats(g: IntAddress): number;
  /** Where a thread's partial [dW^T as R x O8; db] of convBackwardFilterMaps starts in its scratch, in bytes. */
  mapsFilterPartialOffset(g: IntAddress): number;
  convBackwardFilterMaps(
    g: IntAddress,
    x: FloatAddress,
    dy: FloatAddress,
    work: FloatAddress,
    workStride: number,
    thread: number,
    threads: number,
  ): void;
  directWorkFloats(g: IntAddress): number;
  convForwardDirect(
    g: IntAddress,
    x: FloatAddress,
    packedWeights: FloatAddress,
    bias: FloatAddress,
    /** Output maps per register block: 4 or 6. */
    maps: number,
    y: FloatAddress,
    work: FloatAddress,
    workStride: number,
    thread: number,
    threads: number,
  ): void;
  directFilterWorkFloats(g: IntAddress): number;
  directFilterPartialOffset(g: IntAddress): number;
  convBackwardFilterDirect(
    g: IntAddress,
    x: FloatAddress,
    dy: FloatAddress,
    work: FloatAddress,
    workStride: number,
    thread: number,
    threads: number,
  ): void;
  maxPoolForward(
    x: FloatAddress,
    y: FloatAddress,
    planes: number,
    height: number,
    width: number,
    windowHeight: number,
    windowWidth: number,
    strideHeight: number,
    strideWidth: number,
    outHeight: number,
    outWidth: number,
    thread: number,
    threads: number,
  ): void;
  maxPoolBackward(
    x: FloatAddress,
    dy: FloatAddress,
    dx: FloatAddress,
    planes: number,
    height: number,
    width: number,
    windowHeight: number,
    windowWidth: number,
    strideHeight: number,
    strideWidth: number,
    outHeight: number,
    outWidth: number,
    thread: number,
    threads: number,
  ): void;
  averagePoolForward(
    x: FloatAddress,
    y: FloatAddress,
    planes: number,
    height: number,
    width: number,
    windowHeight: number,
    windowWidth: number,
    strideHeight: number,
    strideWidth: number,
    outHeight: number,
    outWidth: number,
    thread: number,
    threads: number,
  ): void;
  averagePoolBackward(
    dy: FloatAddress,
    dx: FloatAddress,
    planes: number,
    height: number,
    width: number,
    windowHeight: number,
    windowWidth: number,
    strideHeight: number,
    strideWidth: number,
    outHeight: number,
    outWidth: number,
    thread: number,
    threads: number,
  ): void;
  activationForward(
    kind: number,
    slope: number,
    z: FloatAddress,
    y: FloatAddress,
    length: number,
    thread: number,
    threads: number,
  ): void;
  activationBackward(
    kind: number,
    slope: number,
    z: FloatAddress,
    y: FloatAddress,
    dy: FloatAddress,
    dz: FloatAddress,
    length: number,
    thread: number,
    threads: number,
  ): void;
  /** target[k] += source[k] for k < length. */
  addInto(target: FloatAddress, source: FloatAddress, length: number): void;
  gather(target: FloatAddress, source: FloatAddress, index: IntAddress, length: number): void;
  scatterAdd(target: FloatAddress, source: FloatAddress, index: IntAddress, length: number): void;
  /** The end of the kernels' static data, a byte address. */
  staticDataEnd(): number;
}

export type KernelName = keyof KernelFunctions;

/** The instantiated kernels: the functions and the scratch floats one thread's GEMM needs (GEMM_WORK_FLOATS). */
export interface KernelExports extends KernelFunctions {
  readonly gemmWorkFloats: number;
}

/**
 * Each function's parameter count, for the check at instantiation. Its type is computed from KernelFunctions, so
 * a count that disagrees with the declaration above does not compile: the signatures are written once.
 */
const ARITY: { readonly [K in KernelName]: Parameters<KernelFunctions[K]>["length"] } = {
  sgemmShare: 16,
  convWorkFloats: 1,
  convPartialOffset: 1,
  convForward: 9,
  convBackwardInput: 9,
  convBackwardFilter: 7,
  winogradWorkFloats: 1,
  convWinograd: 10,
  winogradFilterWorkFloats: 1,
  winogradFilterPartialOffset: 1,
  convWinogradFilter: 7,
  mapsForwardWorkFloats: 1,
  convForwardMaps: 9,
  mapsFilterWorkFloats: 1,
  mapsFilterPartialOffset: 1,
  convBackwardFilterMaps: 7,
  directWorkFloats: 1,
  convForwardDirect: 10,
  directFilterWorkFloats: 1,
  directFilterPartialOffset: 1,
  convBackwardFilterDirect: 7,
  maxPoolForward: 13,
  maxPoolBackward: 14,
  averagePoolForward: 13,
  averagePoolBackward: 13,
  activationForward: 7,
  activationBackward: 9,
  addInto: 3,
  gather: 4,
  scatterAdd: 4,
  staticDataEnd: 0,
};

/**
 * The exports of `instance` as typed kernels: an error names any declared function that is missing or takes another
 * number of parameters than declared.
 */
export function checkedKernels(exports: Record<string, unknown>): KernelExports {
  const functions: Record<string, unknown> = {};
  for (const [name, arity] of Object.entries(ARITY)) {
    const value = exports[name];
    if (typeof value !== "function") throw new Error(`the WebAssembly kernels lack the export '${name}'`);
    if (value.length !== arity) {
      throw new Error(
        `the WebAssembly kernel '${name}' takes ${value.length} parameters, its declaration ${arity}: ` +
          "rebuild the kernels (npm run build:wasm) or correct KernelFunctions (core/src/backend/wasm/kernels.ts)",
      );
    }
    functions[name] = value;
  }
  const work = exports.GEMM_WORK_FLOATS;
  if (!(work instanceof webAssembly().Global)) {
    throw new Error("the WebAssembly kernels lack the export 'GEMM_WORK_FLOATS'");
  }
  // Every declared name was found above with the declared parameter count.
  const kernels = { ...functions, gemmWorkFloats: Number(work.value) } as KernelExports;
  const dataEnd = kernels.staticDataEnd();
  if (dataEnd > ARENA_BASE) {
    throw new Error(
      `the WebAssembly kernels' static data ends at byte ${dataEnd}, above the backend's first allocation ` +
        `(${ARENA_BASE}): rebuild them with scripts/build-wasm.mjs`,
    );
  }
  return kernels;
}

/** Instantiates the kernels over `memory` and checks them (`checkedKernels`). */
export function instantiateKernels(module: WasmModule, memory: WasmMemory): KernelExports {
  const { Instance } = webAssembly();
  return checkedKernels(new Instance(module, { env: { memory } }).exports);
}
