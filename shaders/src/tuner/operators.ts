/**
 * Tunable operators: matrix product, convolution forward and element-wise activation. Each search space is the
 * launch fields of the operator's shader configs; inputs are seeded pseudo-random values and the reference is
 * @deltalab/core's CPU implementation.
 */
import { Conv2dLayer, activation, matmul, type ActivationName, type Conv2dAttrs } from "@deltalab/core";
import { GpuBuffer, GpuDevice } from "../device/gpu";
import { ActivationConfig, activationForwardProgram } from "../kernels/activation";
import { tileExtent } from "../kernels/conv2dForward";
import { Conv2dGeometry, conv2dGeometry, forwardMultiplyAdds } from "../kernels/conv2dGeometry";
import { GemmConfig, gemmProgram } from "../kernels/gemm";
import { im2colRows } from "../kernels/im2col";
import { dispatchOf } from "../device/gpu";
import { ConvForwardMethod, allocIm2colScratch, convForward } from "../ops/conv2d";
import {
  LaunchParams,
  PreparedOperator,
  TunableOperator,
  numberParam,
  product,
  workgroupProblem,
} from "./operator";

/** Seeded values in [-1, 1) (mulberry32), so that every run tunes on the same data. */
export function seededValues(length: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (2 * ((t ^ (t >>> 14)) >>> 0)) / 4294967296 - 1;
  }
  return out;
}

function prepared(
  device: GpuDevice,
  inputs: Record<string, Float32Array>,
  outputName: string,
  reference: Float32Array,
  dispatches: (
    buffers: Record<string, GpuBuffer>,
    params: LaunchParams,
  ) => ReturnType<PreparedOperator["dispatches"]>,
  scratch: GpuBuffer[] = [],
): PreparedOperator {
  const buffers: Record<string, GpuBuffer> = {};
  for (const [name, data] of Object.entries(inputs)) buffers[name] = device.upload(data);
  buffers[outputName] = device.alloc(reference.length);
  const zeros = new Float32Array(reference.length);
  return {
    reference,
    dispatches: (params) => dispatches(buffers, params),
    clearOutput: () => device.write(buffers[outputName], zeros),
    readOutput: () => device.read(buffers[outputName]),
    dispose: () => [...Object.values(buffers), ...scratch].forEach((b) => device.free(b)),
  };
}

const WORKGROUP_X = [1, 2, 4, 8, 16, 32, 64] as const;
const WORKGROUP_Y = [1, 2, 4, 8, 16] as const;

function gemmParams(params: LaunchParams) {
  return {
    workgroupX: numberParam(params, "workgroupX"),
    workgroupY: numberParam(params, "workgroupY"),
    rowsPerInvocation: numberParam(params, "rowsPerInvocation"),
    colsPerInvocation: numberParam(params, "colsPerInvocation"),
    tile: numberParam(params, "tile"),
  };
}

/** Padded extent: n rounded up to a multiple of block. */
function roundUp(n: number, block: number): number {
  return Math.ceil(n / block) * block;
}

/**
 * Modelled accesses of the GEMM program: each invocation of an unstaged launch reads RPI K values of A and CPI K of
 * B for RPI CPI outputs; a staged launch reads each (BM + BN) x tile panel pair once per work group. The grid is
 * padded to whole work groups.
 */
export function gemmAccesses(m: number, n: number, k: number, params: LaunchParams): number {
  const { workgroupX, workgroupY, rowsPerInvocation, colsPerInvocation, tile } = gemmParams(params);
  const blockRows = workgroupY * rowsPerInvocation;
  const blockCols = workgroupX * colsPerInvocation;
  const paddedM = roundUp(m, blockRows);
  const paddedN = roundUp(n, blockCols);
  const reads =
    tile === 0
      ? paddedM * paddedN * k * (1 / colsPerInvocation + 1 / rowsPerInvocation)
      : (paddedM / blockRows) * (paddedN / blockCols) * (blockRows + blockCols) * roundUp(k, tile);
  return reads + m * n;
}

function gemmWorkgroupBytes(params: LaunchParams): number {
  const { workgroupX, workgroupY, rowsPerInvocation, colsPerInvocation, tile } = gemmParams(params);
  return tile === 0 ? 0 : 4 * tile * (workgroupY * rowsPerInvocation + workgroupX * colsPerInvocation);
}

/** C = A B for row-major A (m x k) and B (k x n). */
export function matmulOperator(m: number, n: number, k: number, seed = 1): TunableOperator {
  const shape = { M: m, N: n, K: k };
  const config = (params: LaunchParams): GemmConfig => ({
    m,
    n,
    k,
    transposeA: false,
    transposeB: false,
    bias: "none",
    accumulate: false,
    ...gemmParams(params),
  });
  return {
    name: "matmul",
    shape,
    space: () =>
      product({
        workgroupX: WORKGROUP_X,
        workgroupY: WORKGROUP_Y,
        rowsPerInvocation: [1, 2, 4],
        colsPerInvocation: [1, 2, 4],
        tile: [0, 8, 16],
      }),
    infeasible: (params, limits) =>
      workgroupProblem(
        limits,
        numberParam(params, "workgroupX"),
        numberParam(params, "workgroupY"),
        gemmWorkgroupBytes(params),
      ),
    defaultParams: { workgroupX: 8, workgroupY: 8, rowsPerInvocation: 2, colsPerInvocation: 2, tile: 0 },
    globalAccesses: (params) => gemmAccesses(m, n, k, params),
    flops: 2 * m * n * k,
    heatmapParams: ["workgroupX", "workgroupY"],
    prepare: (device) => {
      const a = seededValues(m * k, seed);
      const b = seededValues(k * n, seed + 1);
      return prepared(device, { a, b }, "c", matmul(a, b, m, k, n), (buffers, params) => [
        dispatchOf(gemmProgram, config(params), { a: buffers.a, b: buffers.b, c: buffers.c }),
      ]);
    },
  };
}

/** The forward method and its launch parameters, from a point of the convolution search space. */
export function convMethod(params: LaunchParams): ConvForwardMethod {
  const workgroupX = numberParam(params, "workgroupX");
  const workgroupY = numberParam(params, "workgroupY");
  switch (params.method) {
    case "direct":
      return {
        method: "direct",
        workgroupX,
        workgroupY,
        outputsPerInvocation: numberParam(params, "outputsPerInvocation"),
      };
    case "tiled":
      return { method: "tiled", workgroupX, workgroupY };
    case "im2col":
      return { method: "im2col", gemm: gemmParams(params) };
    default:
      throw new Error(
        `unknown convolution method ${String(params.method)}; expected direct, tiled or im2col`,
      );
  }
}

/**
 * Modelled accesses of one convolution forward launch, with the grid padded to whole work groups (P_x, P_y of
 * seed 004 sec. 10.1.2):
 * - direct: every (padded) output reads kh kw inputs per connection (the naive formula) and is written once;
 * - tiled: every work group reads its (S_l - 1) s + k patch once per connection (Algorithm 4's model);
 * - im2col: building phi(pad(Y)) reads and writes it, expanding the weights likewise, then the GEMM model.
 */
export function convAccesses(g: Conv2dGeometry, params: LaunchParams): number {
  const method = convMethod(params);
  const connections = g.kernels.reduce((sum, k) => sum + k.inputs.length, 0);
  const outputs = g.batch * g.outChannels * g.outHeight * g.outWidth;
  switch (method.method) {
    case "direct": {
      const width =
        roundUp(Math.ceil(g.outWidth / method.outputsPerInvocation), method.workgroupX) *
        method.outputsPerInvocation;
      const height = roundUp(g.outHeight, method.workgroupY);
      return g.batch * connections * width * height * g.kernelHeight * g.kernelWidth + outputs;
    }
    case "tiled": {
      const groups = Math.ceil(g.outWidth / method.workgroupX) * Math.ceil(g.outHeight / method.workgroupY);
      const { height, width } = tileExtent({
        geometry: g,
        workgroupX: method.workgroupX,
        workgroupY: method.workgroupY,
      });
      return g.batch * connections * groups * height * width + outputs;
    }
    case "im2col": {
      const rows = im2colRows(g);
      const pixels = g.outHeight * g.outWidth;
      const columns = 2 * g.batch * rows * pixels;
      const weights = 2 * g.outChannels * rows;
      return columns + weights + g.batch * gemmAccesses(g.outChannels, pixels, rows, params);
    }
  }
}

function convWorkgroupBytes(g: Conv2dGeometry, params: LaunchParams): number {
  const method = convMethod(params);
  if (method.method === "tiled") {
    const { height, width } = tileExtent({
      geometry: g,
      workgroupX: method.workgroupX,
      workgroupY: method.workgroupY,
    });
    return 4 * height * width;
  }
  return method.method === "im2col" ? gemmWorkgroupBytes(params) : 0;
}

/** The forward pass of a core convolution layer on a batch. */
export function conv2dForwardOperator(
  inputShape: readonly number[],
  attrs: Conv2dAttrs,
  batch: number,
  seed = 1,
): TunableOperator {
  const layer = new Conv2dLayer("conv", inputShape, attrs);
  const g = conv2dGeometry(layer, batch);
  const shape = {
    batch,
    inChannels: g.inChannels,
    inHeight: g.inHeight,
    inWidth: g.inWidth,
    outChannels: g.outChannels,
    kernelHeight: g.kernelHeight,
    kernelWidth: g.kernelWidth,
    stride: g.strideHeight,
    padding: g.padHeight,
    connections: g.kernels.reduce((sum, k) => sum + k.inputs.length, 0),
  };
  const space = [
    ...product({
      method: ["direct"],
      workgroupX: WORKGROUP_X,
      workgroupY: WORKGROUP_Y,
      outputsPerInvocation: [1, 2, 4],
    }),
    ...product({ method: ["tiled"], workgroupX: WORKGROUP_X, workgroupY: WORKGROUP_Y }),
    ...product({
      method: ["im2col"],
      workgroupX: [8, 16],
      workgroupY: [4, 8],
      rowsPerInvocation: [1, 2],
      colsPerInvocation: [1, 4],
      tile: [0, 8],
    }),
  ];
  return {
    name: "conv2d-forward",
    shape,
    space: () => space,
    infeasible: (params, limits) =>
      workgroupProblem(
        limits,
        numberParam(params, "workgroupX"),
        numberParam(params, "workgroupY"),
        convWorkgroupBytes(g, params),
      ),
    defaultParams: { method: "direct", workgroupX: 8, workgroupY: 8, outputsPerInvocation: 1 },
    globalAccesses: (params) => convAccesses(g, params),
    flops: 2 * forwardMultiplyAdds(g),
    heatmapParams: ["workgroupX", "workgroupY"],
    prepare: (device) => {
      const x = seededValues(batch * layer.inputSize, seed);
      const params = seededValues(layer.parameterCount, seed + 1);
      const reference = new Float32Array(batch * layer.outputSize);
      layer.forward(params, x, reference, batch);
      const scratch = allocIm2colScratch(device, g);
      return prepared(
        device,
        { x, params },
        "y",
        reference,
        (buffers, launch) =>
          convForward(g, { x: buffers.x, params: buffers.params, y: buffers.y }, convMethod(launch), scratch),
        [scratch.columns, scratch.denseWeights],
      );
    },
  };
}

/** y = phi(z) over `length` elements. */
export function activationOperator(name: ActivationName, length: number, seed = 1): TunableOperator {
  const config = (params: LaunchParams): ActivationConfig => ({
    activation: name,
    slope: 0.01,
    length,
    workgroupSize: numberParam(params, "workgroupSize"),
    vec4: params.vec4 === true,
  });
  const phi = activation(name, 0.01);
  return {
    name: "activation-forward",
    shape: { length },
    space: () =>
      product({ workgroupSize: [32, 64, 128, 256], vec4: length % 4 === 0 ? [false, true] : [false] }),
    infeasible: (params, limits) => workgroupProblem(limits, numberParam(params, "workgroupSize"), 1, 0),
    defaultParams: { workgroupSize: 64, vec4: length % 4 === 0 },
    globalAccesses: () => 2 * length,
    flops: length,
    prepare: (device) => {
      const z = seededValues(length, seed);
      const reference = z.map((v) => phi.value(v));
      return prepared(device, { z }, "y", reference, (buffers, params) => [
        dispatchOf(activationForwardProgram, config(params), { z: buffers.z, y: buffers.y }),
      ]);
    },
  };
}
