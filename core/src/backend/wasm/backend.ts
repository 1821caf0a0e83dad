/**
 * The WebAssembly backend: 128-bit SIMD kernels (core/assembly) on worker threads over one shared memory.
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
 * Algorithms: convolutions with stride 1 and small patches run direct kernels (core/assembly/direct.ts for the
 * forward pass up to 256 patch rows, direct-filter.ts for the filter gradient up to 64); the others, and every
 * input delta, run im2col + the packed GEMM (conv.ts); a convolution whose kernel covers its whole unpadded input
 * (LeNet-5's C5) runs as a dense layer (conv-layer.ts). As a model's backend (../backend.ts) it runs convolutions
 * (any connection table or kernel sharing), dense layers, max and average pooling, LeCun's weighted sub-sampling with
 * a one-to-one table, and the ReLU, leaky ReLU, tanh and LeCun tanh activations; other layers stay on the reference.
 */
import { availableParallelism } from "node:os";
import { ActivationLayer } from "../../layers/activation";
import { AveragePoolLayer } from "../../layers/average-pool";
import { Conv2dLayer } from "../../layers/conv2d";
import { DenseLayer } from "../../layers/dense";
import { MaxPoolLayer } from "../../layers/max-pool";
import { WeightedSubsampleLayer } from "../../layers/weighted-subsample";
import type { Layer } from "../../layers/layer";
import type { PoolGeometry } from "../../layers/pool-geometry";
import type { ConvGeometry } from "../../matrix/geometry";
import type { DType, FloatArray } from "../../tensor";
import type { Backend } from "../backend";
import { WasmConv2dLayer } from "./conv-layer";
import { WasmActivationLayer, WasmDenseLayer, WasmPoolLayer } from "./layers";
import { supportsWeightedSubsample, WasmWeightedSubsampleLayer } from "./subsample-layer";
import {
  activationCode,
  checkLeading,
  convSizes,
  isWasmActivation,
  requireBatchSize,
  requireOutput,
  stored,
  type WasmActivation,
} from "./arguments";
import { Frame } from "./operands";
import { SharedArena } from "./memory";
import { instantiateKernels, loadKernels, type KernelExports, type KernelVariant } from "./module";
import { WorkerPool } from "./pool";

export interface WasmBackendOptions {
  /** Threads sharing each operation, the calling one included; default os.availableParallelism(). */
  readonly threads?: number;
  /** Force a kernel build; default the fastest the engine validates. */
  readonly variant?: KernelVariant;
}

export class WasmBackend implements Backend {
  readonly name = "wasm";
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

  /** The WebAssembly version of a Float32 layer where there is one (see ../backend.ts). */
  accelerate(layer: Layer, dtype: DType): Layer {
    if (dtype !== "float32") return layer;
    if (layer instanceof Conv2dLayer) return new WasmConv2dLayer(layer, this);
    if (layer instanceof DenseLayer) return new WasmDenseLayer(layer, this);
    if (layer instanceof WeightedSubsampleLayer && supportsWeightedSubsample(layer)) {
      return new WasmWeightedSubsampleLayer(layer, this);
    }
    if (layer instanceof MaxPoolLayer || layer instanceof AveragePoolLayer)
      return new WasmPoolLayer(layer, this);
    if (layer instanceof ActivationLayer && isWasmActivation(layer.kind)) {
      return new WasmActivationLayer(layer, layer.kind, this);
    }
    return layer;
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

  /** Float32 workspaces live in the shared memory, so layers on this backend run on them without copies. */
  workspaceBuffer(dtype: DType, length: number, owner: object): FloatArray {
    return dtype === "float32" ? this.allocate(length, owner) : new Float64Array(length);
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
        +transA,
        +transB,
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
      if (usesDirect(geometry, DIRECT_FORWARD_MAX_PATCH)) {
        const packed = this.packDirectWeights(frame, geometry, wAddress);
        const floats = Math.ceil(this.kernels.directWorkFloats(g) / 16) * 16;
        const work = frame.scratch(floats * this.threads);
        this.pool.run("convForwardDirect", [g, xAddress, packed, bAddress, yAddress, work, floats * 4]);
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
      const [work, stride] = this.convWork(frame, g);
      this.pool.run("convBackwardInput", [g, dyAddress, wAddress, dxAddress, work, stride]);
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
      const direct = usesDirect(geometry, DIRECT_FILTER_MAX_PATCH);
      const width = direct ? Math.ceil(geometry.outChannels / 4) * 4 : geometry.outChannels;
      let work: number;
      let stride: number;
      let partial: number;
      if (direct) {
        stride = Math.ceil(this.kernels.directFilterWorkFloats(g) / 16) * 64;
        work = frame.scratch((stride / 4) * this.threads);
        this.pool.run("convBackwardFilterDirect", [g, xAddress, dyAddress, work, stride]);
        partial = work + this.kernels.directFilterPartialOffset(g);
      } else {
        [work, stride] = this.convWork(frame, g);
        this.pool.run("convBackwardFilter", [g, xAddress, dyAddress, work, stride]);
        partial = work + this.kernels.convPartialOffset(g);
      }
      const length = geometry.patchSize * width + width;
      for (let t = 1; t < this.threads; t++) this.kernels.addInto(partial, partial + t * stride, length);
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
    this.pooling("maxPoolForward", geometry, batch, [["x", x, "input"]], ["y", y]);
  }

  /** dx = dr/dx of max pooling (eq. 100): each window's delta goes to its first maximum. */
  maxPoolBackward(
    geometry: PoolGeometry,
    batch: number,
    x: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
  ) {
    this.pooling(
      "maxPoolBackward",
      geometry,
      batch,
      [
        ["x", x, "input"],
        ["dy", dy, "output"],
      ],
      ["dx", dx],
    );
  }

  /** Average pooling: y = the mean of each window. */
  averagePoolForward(geometry: PoolGeometry, batch: number, x: Float32Array, y: Float32Array): void {
    this.pooling("averagePoolForward", geometry, batch, [["x", x, "input"]], ["y", y]);
  }

  /** dx = dr/dx of average pooling: every entry of a window gets dy / (window area). */
  averagePoolBackward(geometry: PoolGeometry, batch: number, dy: Float32Array, dx: Float32Array): void {
    this.pooling("averagePoolBackward", geometry, batch, [["dy", dy, "output"]], ["dx", dx]);
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
      const args = [activationCode(kind), slope, zAddress, yAddress, dyAddress, dzAddress, length];
      this.pool.run("activationBackward", args);
    });
  }

  /** Stops the worker threads; the backend cannot be used afterwards. */
  dispose(): void {
    this.pool.dispose();
  }

  private pooling(
    name: "maxPoolForward" | "maxPoolBackward" | "averagePoolForward" | "averagePoolBackward",
    g: PoolGeometry,
    batch: number,
    inputs: [string, Float32Array, "input" | "output"][],
    [outputName, output]: [string, Float32Array],
  ): void {
    requireBatchSize(name, batch);
    const inputSize = batch * g.channels * g.inHeight * g.inWidth;
    const outputSize = batch * g.channels * g.outHeight * g.outWidth;
    this.withFrame((frame) => {
      const addresses = inputs.map(([label, array, side]) =>
        frame.input(name, label, array, side === "input" ? inputSize : outputSize),
      );
      const outputLength = name.endsWith("Forward") ? outputSize : inputSize;
      addresses.push(frame.output(name, outputName, output, outputLength));
      this.pool.run(name, [
        ...addresses,
        batch * g.channels,
        g.inHeight,
        g.inWidth,
        g.windowHeight,
        g.windowWidth,
        g.strideHeight,
        g.strideWidth,
        g.outHeight,
        g.outWidth,
      ]);
    });
  }

  private indexAddress(where: string, index: Int32Array): number {
    if (!(index instanceof Int32Array) || !this.arena.ownsBuffer(index.buffer)) {
      throw new TypeError(`${where}: index must be an Int32Array from allocateIndex`);
    }
    return index.byteOffset;
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
    body: (frame: Frame, geometryAddress: number) => void,
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

  /** W^T (R x O) copied to R x O4, O rounded up to four with zero columns (the direct kernel's layout). */
  private packDirectWeights(frame: Frame, g: ConvGeometry, weights: number): number {
    const outChannels = g.outChannels;
    const padded = Math.ceil(outChannels / 4) * 4;
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

  /** Per-thread scratch for a convolution: the first thread's address and the distance between threads, in bytes. */
  private convWork(frame: Frame, g: number): [number, number] {
    const floats = Math.ceil(this.kernels.convWorkFloats(g) / 16) * 16;
    return [frame.scratch(floats * this.threads), floats * 4];
  }
}

/**
 * Stride 1 and at most this many patch rows (kh kw d_in): the forward pass runs the direct kernel, which skips
 * im2col's copies (measured faster than im2col + GEMM for LeNet-5's C1, 25 rows, and C3, 150).
 */
const DIRECT_FORWARD_MAX_PATCH = 256;
/** Likewise for the filter gradient: faster for C1, slower for C3 (its short rows of ten outputs). */
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

function usesDirect(g: ConvGeometry, maxPatch: number): boolean {
  return g.strideHeight === 1 && g.strideWidth === 1 && g.patchSize <= maxPatch;
}

/** A Float32 backend on worker threads; see {@link WasmBackend}. */
export function createWasmBackend(options: WasmBackendOptions = {}): WasmBackend {
  return new WasmBackend(options);
}
