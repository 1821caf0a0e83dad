/**
 * The library of WebAssembly operations: 128-bit SIMD kernels (core/assembly, declared in kernels.ts) on worker
 * threads over one shared memory. The backend (backend.ts) adds the choice of an accelerated layer for each layer
 * of a model; the accelerated layers (conv-layer.ts, layers.ts, subsample-layer.ts) call these operations.
 *
 *   const backend = createWasmBackend({ threads: 2 });
 *   backend.conv2dForward(convGeometry({ ... }), batch, x, weights, bias, y);
 *   backend.dispose();
 *
 * Operations take and fill Float32Arrays in the layouts of the reference (core/src/tensor.ts: NCHW). Convolution
 * weights are W^T, R x d_out row-major with patch row r = u + kh (v + kw c): entry (r, o) is omega_{oc}[u, v], which
 * is the layer's vec(W) (seed 001) for a full connection table. Arrays from `allocate` live in the shared memory and
 * are used without copies; any other Float32Array is copied in and out. Each operation blocks until every thread has
 * finished its share.
 *
 * Algorithms: 3 x 3 convolutions with stride 1 and at least 16 channels and maps run by Winograd's minimal filtering
 * (core/assembly/winograd.ts: F(2x2, 3x3) for the forward pass and the input delta, F(3x3, 2x2) for the filter
 * gradient); other convolutions with stride 1 and small patches run
 * direct kernels up to 256 patch rows for the forward pass (maps-forward.ts with lanes over the maps when they come in
 * groups of eight, else direct.ts with lanes over the columns) and up to 64 for the filter gradient (direct-filter.ts;
 * maps-filter.ts for 8 to 32 maps on rows of at most 16, any patch); the rest, and the other input deltas, run
 * im2col + the packed GEMM (conv.ts). Dense layers are three GEMMs
 * (denseForward, denseBackward).
 */
import { availableParallelism } from "node:os";
import type { PoolGeometry } from "../../matrix/geometry";
import type { ConvGeometry } from "../../matrix/geometry";
import {
  activationCode,
  checkLeading,
  convSizes,
  requireBatchSize,
  requireOutput,
  stored,
  type WasmActivation,
} from "./arguments";
import { instantiateKernels, type FloatAddress, type IntAddress, type KernelExports } from "./kernels";
import { SharedArena } from "./memory";
import { loadKernels, type KernelVariant } from "./module";
import { Frame } from "./operands";
import { WorkerPool } from "./worker-pool";

export interface WasmBackendOptions {
  /** Threads sharing each operation, the calling one included; default os.availableParallelism(). */
  readonly threads?: number;
  /** Force a kernel build; default the fastest the engine validates. */
  readonly variant?: KernelVariant;
}

/**
 * A convolution operation's algorithm: Winograd's minimal filtering (F(2x2, 3x3), or F(3x3, 2x2) for the filter
 * gradient), a direct kernel with lanes over output columns, the direct filter gradient with lanes over output maps
 * (core/assembly/maps-filter.ts), or im2col and the packed GEMM.
 */
export type WasmConvAlgorithm = "winograd" | "direct" | "direct-maps" | "im2col-gemm";

export interface WasmConvAlgorithms {
  readonly forward: WasmConvAlgorithm;
  readonly inputDelta: WasmConvAlgorithm;
  readonly filterGradient: WasmConvAlgorithm;
}

/** The sizes of a batched product: `batch` rows of `nIn` inputs and `nOut` outputs. */
export interface DenseSizes {
  readonly batch: number;
  readonly nIn: number;
  readonly nOut: number;
}

export class WasmOperations {
  readonly threads: number;
  readonly variant: KernelVariant;
  private readonly arena: SharedArena;
  private readonly kernels: KernelExports;
  private readonly pool: WorkerPool;
  private readonly gemmWorkFloats: number;

  constructor(options: WasmBackendOptions = {}) {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
      throw new RangeError(`WebAssembly backend: threads must be an integer from 1 to 64, got ${threads}`);
    }
    const { module, variant } = loadKernels(options.variant);
    this.threads = threads;
    this.variant = variant;
    this.arena = new SharedArena();
    this.kernels = instantiateKernels(module, this.arena.memory);
    this.gemmWorkFloats = this.kernels.gemmWorkFloats;
    this.pool = new WorkerPool(module, this.arena.memory, this.kernels, threads);
  }

  /**
   * A Float32Array of `length` zeros inside the shared memory, for inputs and outputs that should not be copied.
   * It lives as long as the backend, or with `owner` until the owner is garbage-collected.
   */
  allocate(length: number, owner?: object): Float32Array {
    if (!Number.isInteger(length) || length < 1) {
      throw new RangeError(`allocate: length must be a positive integer, got ${length}`);
    }
    return this.arena.view(this.arena.allocateLasting(length, owner), length);
  }

  /** An Int32Array of `length` zeros inside the shared memory (index tables for gather and scatterAdd). */
  allocateIndex(length: number, owner?: object): Int32Array {
    const floats = this.allocate(length, owner);
    return new Int32Array(floats.buffer, floats.byteOffset, length);
  }

  /**
   * target[k] = source[index[k]], or 0 where index[k] < 0, for k < index.length: a layer's parameters expanded into
   * a kernel's layout. `index` comes from allocateIndex and is not changed after its first use here.
   */
  gather(source: Float32Array, index: Int32Array, target: Float32Array): void {
    const where = "gather";
    this.withFrame((frame) => {
      const indexAddress = this.indexAddress(where, index);
      const sourceAddress = frame.input(where, "source", source, maxIndex(index) + 1);
      const targetAddress = frame.output(where, "target", target, index.length);
      this.kernels.gather(targetAddress, sourceAddress, indexAddress, index.length);
    });
  }

  /** target[index[k]] += source[k] where index[k] >= 0: the adjoint of gather (folds a gradient back). */
  scatterAdd(source: Float32Array, index: Int32Array, target: Float32Array): void {
    const where = "scatterAdd";
    this.withFrame((frame) => {
      const indexAddress = this.indexAddress(where, index);
      const sourceAddress = frame.input(where, "source", source, index.length);
      const targetAddress = frame.inout(where, "target", target, maxIndex(index) + 1);
      this.kernels.scatterAdd(targetAddress, sourceAddress, indexAddress, index.length);
    });
  }

  /** C = op(A) op(B) + beta C for row-major Float32 matrices, beta 0 or 1 (core/src/matrix/gemm.ts's arguments). */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    beta: 0 | 1,
    c: Float32Array,
    ldc: number,
  ): void {
    const where = "gemm";
    for (const [name, value] of [
      ["m", m],
      ["n", n],
      ["k", k],
    ] as const) {
      if (!Number.isInteger(value) || value < 0) {
        throw new RangeError(`${where}: ${name} must be a non-negative integer, got ${value}`);
      }
    }
    if (beta !== 0 && beta !== 1) throw new RangeError(`${where}: beta must be 0 or 1, got ${String(beta)}`);
    checkLeading(where, "lda", lda, transA ? m : k);
    checkLeading(where, "ldb", ldb, transB ? k : n);
    checkLeading(where, "ldc", ldc, n);
    if (m === 0 || n === 0) return;
    const frame = new Frame(this.arena);
    try {
      const aAddress = frame.input(where, "A", a, stored(transA ? k : m, transA ? m : k, lda));
      const bAddress = frame.input(where, "B", b, stored(transB ? n : k, transB ? k : n, ldb));
      const cLength = stored(m, n, ldc);
      // In and out even for beta 0: the entries between rows (ldc > n) must survive the copy back.
      const cAddress = frame.inout(where, "C", c, cLength);
      const workStride = this.gemmWorkFloats * 4;
      const work = frame.scratch(this.gemmWorkFloats * this.threads);
      this.pool.run("sgemmShare", [
        transA ? 1 : 0,
        transB ? 1 : 0,
        m,
        n,
        k,
        aAddress,
        lda,
        bAddress,
        ldb,
        beta,
        cAddress,
        ldc,
        work,
        workStride,
      ]);
      frame.finish();
    } catch (error) {
      frame.release();
      throw error;
    }
  }

  /** Y = X W + 1 b^T for X batch x nIn and W nIn x nOut, row-major; no bias when `bias` is null. */
  denseForward(
    { batch, nIn, nOut }: DenseSizes,
    x: Float32Array,
    weights: Float32Array,
    bias: Float32Array | null,
    y: Float32Array,
  ): void {
    if (bias) for (let n = 0; n < batch; n++) y.set(bias, n * nOut);
    this.gemm(false, false, batch, nOut, nIn, x, nIn, weights, nOut, bias ? 1 : 0, y, nOut);
  }

  /** dW = X^T dY and db = dY^T 1 (both overwritten; db skipped when null), and dX = dY W^T when dx is given. */
  denseBackward(
    { batch, nIn, nOut }: DenseSizes,
    x: Float32Array,
    weights: Float32Array,
    dy: Float32Array,
    dx: Float32Array | null,
    weightGrad: Float32Array,
    biasGrad: Float32Array | null,
  ): void {
    this.gemm(true, false, nIn, nOut, batch, x, nIn, dy, nOut, 0, weightGrad, nOut);
    if (biasGrad) {
      biasGrad.fill(0, 0, nOut);
      for (let n = 0; n < batch; n++) {
        for (let i = 0; i < nOut; i++) biasGrad[i] += dy[n * nOut + i];
      }
    }
    if (dx) this.gemm(false, true, batch, nIn, nOut, dy, nOut, weights, nOut, 0, dx, nIn);
  }

  /** Which algorithm each of the convolution operations runs for `geometry` (see the list at the top). */
  convAlgorithms(geometry: ConvGeometry): WasmConvAlgorithms {
    if (usesWinograd(geometry)) {
      return { forward: "winograd", inputDelta: "winograd", filterGradient: "winograd" };
    }
    return {
      forward: usesDirectMapsForward(geometry)
        ? "direct-maps"
        : usesDirect(geometry, DIRECT_FORWARD_MAX_PATCH)
          ? "direct"
          : "im2col-gemm",
      inputDelta: "im2col-gemm",
      filterGradient: usesDirect(geometry, DIRECT_FILTER_MAX_PATCH)
        ? "direct"
        : usesDirectMaps(geometry)
          ? "direct-maps"
          : "im2col-gemm",
    };
  }

  /** y = conv(x; W) + b (seed 004 eq. 61) for `batch` samples. */
  conv2dForward(
    geometry: ConvGeometry,
    batch: number,
    x: Float32Array,
    weights: Float32Array,
    bias: Float32Array,
    y: Float32Array,
  ): void {
    const where = "conv2dForward";
    this.withConvolution(where, geometry, batch, (frame, g) => {
      const sizes = convSizes(geometry, batch);
      const xAddress = frame.input(where, "x", x, sizes.input);
      const wAddress = frame.input(where, "weights", weights, sizes.weights);
      const bAddress = frame.input(where, "bias", bias, geometry.outChannels);
      const yAddress = frame.output(where, "y", y, sizes.output);
      if (usesWinograd(geometry)) {
        const [work, stride] = this.winogradWork(frame, g);
        this.pool.run("convWinograd", [g, xAddress, wAddress, bAddress, 0, yAddress, work, stride]);
        return;
      }
      if (usesDirectMapsForward(geometry)) {
        const floats = Math.ceil(this.kernels.mapsForwardWorkFloats(g) / 16) * 16;
        const work = frame.scratch(floats * this.threads);
        this.pool.run("convForwardMaps", [g, xAddress, wAddress, bAddress, yAddress, work, floats * 4]);
        return;
      }
      if (usesDirect(geometry, DIRECT_FORWARD_MAX_PATCH)) {
        const maps = directBlockMaps(geometry.outChannels);
        const packed = this.packDirectWeights(frame, geometry, wAddress, maps);
        const floats = Math.ceil(this.kernels.directWorkFloats(g) / 16) * 16;
        const work = frame.scratch(floats * this.threads);
        this.pool.run("convForwardDirect", [g, xAddress, packed, bAddress, maps, yAddress, work, floats * 4]);
        return;
      }
      const [work, stride] = this.convWork(frame, g);
      this.pool.run("convForward", [g, xAddress, wAddress, bAddress, yAddress, work, stride]);
    });
  }

  /** dx = dr/dx from dy = dr/dy (seed 004 eq. 74, the zero-padded delta correlated with the rot180 kernel). */
  conv2dBackwardInput(
    geometry: ConvGeometry,
    batch: number,
    dy: Float32Array,
    weights: Float32Array,
    dx: Float32Array,
  ): void {
    const where = "conv2dBackwardInput";
    this.withConvolution(where, geometry, batch, (frame, g) => {
      const sizes = convSizes(geometry, batch);
      const dyAddress = frame.input(where, "dy", dy, sizes.output);
      const wAddress = frame.input(where, "weights", weights, sizes.weights);
      const dxAddress = frame.output(where, "dx", dx, sizes.input);
      if (usesWinograd(geometry)) {
        // dX is the convolution of dY, padded by 2 - p, with the kernels rotated and maps and channels swapped.
        const transposed = frame.ints([
          batch,
          geometry.outChannels,
          geometry.outHeight,
          geometry.outWidth,
          geometry.inChannels,
          3,
          3,
          1,
          1,
          2 - geometry.padHeight,
          2 - geometry.padWidth,
          geometry.height,
          geometry.width,
        ]);
        const [work, stride] = this.winogradWork(frame, transposed);
        this.pool.run("convWinograd", [transposed, dyAddress, wAddress, 0, 1, dxAddress, work, stride]);
        return;
      }
      const [work, stride] = this.convWork(frame, g);
      // Too few samples and channels to split evenly (one RGB image on two workers): the workers split the output
      // rows, each adding into its own copy of dx, and the copies are added up here.
      const copies = batch < this.threads && geometry.inChannels % this.threads !== 0 ? this.threads - 1 : 0;
      const spare = copies > 0 ? frame.scratch(sizes.input * copies) : 0;
      this.pool.run("convBackwardInput", [g, dyAddress, wAddress, dxAddress, spare, work, stride]);
      for (let t = 0; t < copies; t++)
        this.kernels.addInto(dxAddress, offset(spare as FloatAddress, t * sizes.input * 4), sizes.input);
    });
  }

  /** dWeights = dr/dW^T and dBias = dr/db summed over the batch (seed 004 eq. 79 and 81); both overwritten. */
  conv2dBackwardFilter(
    geometry: ConvGeometry,
    batch: number,
    x: Float32Array,
    dy: Float32Array,
    dWeights: Float32Array,
    dBias: Float32Array,
  ): void {
    const where = "conv2dBackwardFilter";
    this.withConvolution(where, geometry, batch, (frame, g) => {
      const sizes = convSizes(geometry, batch);
      const xAddress = frame.input(where, "x", x, sizes.input);
      const dyAddress = frame.input(where, "dy", dy, sizes.output);
      requireOutput(where, "dWeights", dWeights, sizes.weights);
      requireOutput(where, "dBias", dBias, geometry.outChannels);
      // Each thread sums its share into its own partial [dW^T; db], with rows of `width` maps; add them up into
      // thread 0's and copy out.
      const algorithm = this.convAlgorithms(geometry).filterGradient;
      const width =
        algorithm === "direct"
          ? Math.ceil(geometry.outChannels / 4) * 4
          : algorithm === "direct-maps"
            ? Math.ceil(geometry.outChannels / 8) * 8
            : geometry.outChannels;
      let work: FloatAddress;
      let stride: number;
      let partial: FloatAddress;
      if (algorithm === "direct-maps") {
        stride = Math.ceil(this.kernels.mapsFilterWorkFloats(g) / 16) * 64;
        work = frame.scratch((stride / 4) * this.threads);
        this.pool.run("convBackwardFilterMaps", [g, xAddress, dyAddress, work, stride]);
        partial = offset(work, this.kernels.mapsFilterPartialOffset(g));
      } else if (algorithm === "winograd") {
        stride = Math.ceil(this.kernels.winogradFilterWorkFloats(g) / 16) * 64;
        work = frame.scratch((stride / 4) * this.threads);
        this.pool.run("convWinogradFilter", [g, xAddress, dyAddress, work, stride]);
        partial = offset(work, this.kernels.winogradFilterPartialOffset(g));
      } else if (algorithm === "direct") {
        stride = Math.ceil(this.kernels.directFilterWorkFloats(g) / 16) * 64;
        work = frame.scratch((stride / 4) * this.threads);
        this.pool.run("convBackwardFilterDirect", [g, xAddress, dyAddress, work, stride]);
        partial = offset(work, this.kernels.directFilterPartialOffset(g));
      } else {
        [work, stride] = this.convWork(frame, g);
        this.pool.run("convBackwardFilter", [g, xAddress, dyAddress, work, stride]);
        partial = offset(work, this.kernels.convPartialOffset(g));
      }
      const length = geometry.patchSize * width + width;
      for (let t = 1; t < this.threads; t++)
        this.kernels.addInto(partial, offset(partial, t * stride), length);
      const memory = this.arena.f32;
      const base = partial >> 2;
      const outChannels = geometry.outChannels;
      for (let r = 0; r < geometry.patchSize; r++) {
        dWeights.set(memory.subarray(base + r * width, base + r * width + outChannels), r * outChannels);
      }
      const biasBase = base + geometry.patchSize * width;
      dBias.set(memory.subarray(biasBase, biasBase + outChannels));
    });
  }

  /** Max pooling (seed 004 eq. 98-99): y = the first maximum of each window, in scan order. */
  maxPoolForward(geometry: PoolGeometry, batch: number, x: Float32Array, y: Float32Array): void {
    const where = "maxPoolForward";
    this.withPooling(where, geometry, batch, (frame, sizes, window) => {
      const xAddress = frame.input(where, "x", x, sizes.input);
      const yAddress = frame.output(where, "y", y, sizes.output);
      this.pool.run(where, [xAddress, yAddress, ...window]);
    });
  }

  /** dx = dr/dx of max pooling (eq. 100): each window's delta goes to its first maximum. */
  maxPoolBackward(
    geometry: PoolGeometry,
    batch: number,
    x: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
  ): void {
    const where = "maxPoolBackward";
    this.withPooling(where, geometry, batch, (frame, sizes, window) => {
      const xAddress = frame.input(where, "x", x, sizes.input);
      const dyAddress = frame.input(where, "dy", dy, sizes.output);
      const dxAddress = frame.output(where, "dx", dx, sizes.input);
      this.pool.run(where, [xAddress, dyAddress, dxAddress, ...window]);
    });
  }

  /** Average pooling: y = the mean of each window. */
  averagePoolForward(geometry: PoolGeometry, batch: number, x: Float32Array, y: Float32Array): void {
    const where = "averagePoolForward";
    this.withPooling(where, geometry, batch, (frame, sizes, window) => {
      const xAddress = frame.input(where, "x", x, sizes.input);
      const yAddress = frame.output(where, "y", y, sizes.output);
      this.pool.run(where, [xAddress, yAddress, ...window]);
    });
  }

  /** dx = dr/dx of average pooling: every entry of a window gets dy / (window area). */
  averagePoolBackward(geometry: PoolGeometry, batch: number, dy: Float32Array, dx: Float32Array): void {
    const where = "averagePoolBackward";
    this.withPooling(where, geometry, batch, (frame, sizes, window) => {
      const dyAddress = frame.input(where, "dy", dy, sizes.output);
      const dxAddress = frame.output(where, "dx", dx, sizes.input);
      this.pool.run(where, [dyAddress, dxAddress, ...window]);
    });
  }

  /** y = phi(z) for `length` elements; `slope` is leaky ReLU's. */
  activationForward(
    kind: WasmActivation,
    z: Float32Array,
    y: Float32Array,
    length: number,
    slope = 0.01,
  ): void {
    const where = "activationForward";
    this.withFrame((frame) => {
      const zAddress = frame.input(where, "z", z, length);
      const yAddress = frame.output(where, "y", y, length);
      this.pool.run("activationForward", [activationCode(kind), slope, zAddress, yAddress, length]);
    });
  }

  /** dz = dy phi'(z), phi' taken from z (ReLUs) or y = phi(z) (tanh, LeCun's tanh). */
  activationBackward(
    kind: WasmActivation,
    z: Float32Array,
    y: Float32Array,
    dy: Float32Array,
    dz: Float32Array,
    length: number,
    slope = 0.01,
  ): void {
    const where = "activationBackward";
    this.withFrame((frame) => {
      const zAddress = frame.input(where, "z", z, length);
      const yAddress = frame.input(where, "y", y, length);
      const dyAddress = frame.input(where, "dy", dy, length);
      const dzAddress = frame.output(where, "dz", dz, length);
      const code = activationCode(kind);
      this.pool.run("activationBackward", [code, slope, zAddress, yAddress, dyAddress, dzAddress, length]);
    });
  }

  /** Stops the worker threads; the backend cannot be used afterwards. */
  dispose(): void {
    this.pool.dispose();
  }

  /** Runs a pooling kernel's `body` in a frame, with the batch's sizes and the kernels' window arguments. */
  private withPooling(
    where: string,
    g: PoolGeometry,
    batch: number,
    body: (frame: Frame, sizes: { input: number; output: number }, window: PoolWindow) => void,
  ): void {
    requireBatchSize(where, batch);
    const planes = batch * g.channels;
    const sizes = { input: planes * g.height * g.width, output: planes * g.outHeight * g.outWidth };
    const window: PoolWindow = [
      planes,
      g.height,
      g.width,
      g.kernelHeight,
      g.kernelWidth,
      g.strideHeight,
      g.strideWidth,
      g.outHeight,
      g.outWidth,
    ];
    this.withFrame((frame) => body(frame, sizes, window));
  }

  private indexAddress(where: string, index: Int32Array): IntAddress {
    if (!(index instanceof Int32Array) || !this.arena.ownsBuffer(index.buffer)) {
      throw new TypeError(`${where}: index must be an Int32Array from allocateIndex`);
    }
    return index.byteOffset as IntAddress;
  }

  /** Runs `body` with a frame of the shared memory: outputs copied back on success, everything freed either way. */
  private withFrame(body: (frame: Frame) => void): void {
    const frame = new Frame(this.arena);
    try {
      body(frame);
      frame.finish();
    } catch (error) {
      frame.release();
      throw error;
    }
  }

  private withConvolution(
    where: string,
    geometry: ConvGeometry,
    batch: number,
    body: (frame: Frame, geometryAddress: IntAddress) => void,
  ): void {
    requireBatchSize(where, batch);
    this.withFrame((frame) => {
      const g = frame.ints([
        batch,
        geometry.inChannels,
        geometry.height,
        geometry.width,
        geometry.outChannels,
        geometry.kernelHeight,
        geometry.kernelWidth,
        geometry.strideHeight,
        geometry.strideWidth,
        geometry.padHeight,
        geometry.padWidth,
        geometry.outHeight,
        geometry.outWidth,
      ]);
      body(frame, g);
    });
  }

  /** W^T (R x O) copied to R x OM, O rounded up to `maps` with zero columns (the direct kernel's layout). */
  private packDirectWeights(
    frame: Frame,
    g: ConvGeometry,
    weights: FloatAddress,
    maps: number,
  ): FloatAddress {
    const outChannels = g.outChannels;
    const padded = Math.ceil(outChannels / maps) * maps;
    const address = frame.scratch(g.patchSize * padded);
    const memory = this.arena.f32;
    for (let r = 0; r < g.patchSize; r++) {
      const from = (weights >> 2) + r * outChannels;
      const to = (address >> 2) + r * padded;
      memory.copyWithin(to, from, from + outChannels);
      memory.fill(0, to + outChannels, to + padded);
    }
    return address;
  }

  /** Per-thread scratch for convWinograd: the first thread's address and the distance between threads, in bytes. */
  private winogradWork(frame: Frame, g: IntAddress): [FloatAddress, number] {
    const floats = Math.ceil(this.kernels.winogradWorkFloats(g) / 16) * 16;
    return [frame.scratch(floats * this.threads), floats * 4];
  }

  /** Per-thread scratch for a convolution: the first thread's address and the distance between threads, in bytes. */
  private convWork(frame: Frame, g: IntAddress): [FloatAddress, number] {
    const floats = Math.ceil(this.kernels.convWorkFloats(g) / 16) * 16;
    return [frame.scratch(floats * this.threads), floats * 4];
  }
}

/**
 * Stride 1 and at most this many patch rows (kh kw d_in): the forward pass runs the direct kernel, which skips
 * im2col's copies (measured faster than im2col + GEMM for LeNet-5's C1, 25 rows, and C3, 150).
 */
const DIRECT_FORWARD_MAX_PATCH = 256;
/**
 * Likewise for the filter gradient: faster for C1, slower for C3 (2 threads, the bench's C3 shape: 0.78 ms against
 * im2col + GEMM's 0.49; its rows of eight outputs make loops of two vectors, and a flat loop over the rows padded
 * to the sample's width, 0.69 ms, wastes a third of its work on the padding).
 */
const DIRECT_FILTER_MAX_PATCH = 64;

const largestEntries = new WeakMap<Int32Array, number>();

/**
 * The largest entry of an index table (-1 when it has none), computed on first use: a table is filled once, before
 * it is first used, and not changed afterwards.
 */
function maxIndex(index: Int32Array): number {
  let largest = largestEntries.get(index);
  if (largest === undefined) {
    largest = -1;
    for (let k = 0; k < index.length; k++) if (index[k] > largest) largest = index[k];
    largestEntries.set(index, largest);
  }
  return largest;
}

/** The kernels' window arguments: planes, height, width, window, stride and output size. */
type PoolWindow = [
  planes: number,
  height: number,
  width: number,
  windowHeight: number,
  windowWidth: number,
  strideHeight: number,
  strideWidth: number,
  outHeight: number,
  outWidth: number,
];

/** The address `bytes` past `address`, in the same buffer. */
function offset(address: FloatAddress, bytes: number): FloatAddress {
  return (address + bytes) as FloatAddress;
}

/**
 * 3 x 3 kernels with stride 1, padding at most 2 and at least this many input channels and maps run by Winograd's
 * minimal filtering (core/assembly/winograd.ts): its 16 GEMMs have C and O for two of their sizes, too small to pay
 * for the transforms below this.
 */
const WINOGRAD_MIN_CHANNELS = 16;

function usesWinograd(g: ConvGeometry): boolean {
  return (
    g.kernelHeight === 3 &&
    g.kernelWidth === 3 &&
    g.strideHeight === 1 &&
    g.strideWidth === 1 &&
    g.padHeight <= 2 &&
    g.padWidth <= 2 &&
    g.inChannels >= WINOGRAD_MIN_CHANNELS &&
    g.outChannels >= WINOGRAD_MIN_CHANNELS
  );
}

/**
 * The direct forward kernel's maps per register block, 4 or 6: the one that leaves fewer empty maps in the last block,
 * 4 on a tie (LeNet-5's C1, six maps: one block of six instead of two of four with two empty; the bench's 1->6
 * forward on one thread 0.49 -> 0.46 ms).
 */
function directBlockMaps(outChannels: number): 4 | 6 {
  return Math.ceil(outChannels / 6) * 6 < Math.ceil(outChannels / 4) * 4 ? 6 : 4;
}

/**
 * Stride 1, more patch rows than the column-lane filter kernel takes, at most 32 maps in whole groups of eight and
 * output rows of at most 16: the filter gradient runs maps-filter.ts's kernel, lanes over the maps.
 */
function usesDirectMaps(g: ConvGeometry): boolean {
  return (
    g.strideHeight === 1 &&
    g.strideWidth === 1 &&
    g.outChannels % 8 === 0 &&
    g.outChannels <= 32 &&
    g.outWidth <= 16
  );
}

/**
 * Stride 1, maps in whole groups of eight and at most 256 patch rows: the forward pass runs maps-forward.ts's kernel,
 * lanes over the maps (LeNet-5's C3 on 2 threads: rows of ten 0.64 -> 0.46 ms in the training step, where direct.ts
 * computes twelve columns a row; the bench's rows of eight 0.32 -> 0.30 ms).
 */
function usesDirectMapsForward(g: ConvGeometry): boolean {
  return (
    g.strideHeight === 1 &&
    g.strideWidth === 1 &&
    g.outChannels % 8 === 0 &&
    g.patchSize <= DIRECT_FORWARD_MAX_PATCH
  );
}

function usesDirect(g: ConvGeometry, maxPatch: number): boolean {
  return g.strideHeight === 1 && g.strideWidth === 1 && g.patchSize <= maxPatch;
}
