/**
 * The convolution forward pass as a tunable operator: direct, register-blocked, tiled or im2col + GEMM, with its
 * access model.
 */
import { Conv2dLayer, type Conv2dAttrs } from "@deltalab/core";
import { blockTables, blockedVec4Problem, blockedWeightsVec4Problem } from "../kernels/conv2dBlocked";
import { tileExtent } from "../kernels/conv2dForward";
import { Conv2dGeometry, conv2dGeometry, forwardMultiplyAdds } from "../kernels/conv2dGeometry";
import { im2colRows } from "../kernels/im2col";
import { ConvForwardMethod, allocIm2colScratch, convForward } from "../ops/conv2d";
import { gemmAccesses, gemmParams, gemmWorkgroupBytes } from "./matmulOperator";
import { LaunchParams, TunableOperator, numberParam, product, workgroupProblem } from "./operator";
import { WORKGROUP_X, WORKGROUP_Y, prepared, roundUp, seededValues } from "./shared";

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
    case "blocked":
      return {
        method: "blocked",
        workgroupX,
        workgroupY,
        channelsPerInvocation: numberParam(params, "channelsPerInvocation"),
        pixelsPerInvocation: numberParam(params, "pixelsPerInvocation"),
        vec4: params.vec4 === true,
        vec4Weights: params.vec4Weights === true,
      };
    case "im2col":
      return { method: "im2col", gemm: gemmParams(params) };
    default:
      throw new Error(
        `unknown convolution method ${String(params.method)}; expected direct, blocked, tiled or im2col`,
      );
  }
}

/** The point of the convolution search space a forward method is (the inverse of `convMethod`). */
export function convLaunchParams(method: ConvForwardMethod): LaunchParams {
  if (method.method === "im2col") return { method: "im2col", ...method.gemm };
  const params: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(method)) if (value !== undefined) params[key] = value;
  return params;
}

/**
 * Modelled accesses of one convolution forward launch, with the grid padded to whole work groups (P_x, P_y of
 * seed 004 sec. 10.1.2):
 * - direct: every (padded) output reads kh kw inputs per connection (the naive formula) and is written once;
 * - blocked: every (padded) invocation reads, per input map its block uses, kh rows of (P - 1) s + kw inputs and
 *   the block's kh kw weights per output map, a vec4 counting once (`blockedAccesses`);
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
    case "blocked":
      return blockedAccesses(g, method.workgroupX, method.workgroupY, method) + outputs;
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

const usedPairs = new WeakMap<Conv2dGeometry, Map<number, number>>();

/** The (block of output maps, input map) pairs with at least one connection, for blocks of `size` maps. */
function usedBlockPairs(g: Conv2dGeometry, size: number): number {
  let bySize = usedPairs.get(g);
  if (bySize === undefined) usedPairs.set(g, (bySize = new Map()));
  let used = bySize.get(size);
  if (used === undefined) {
    used = blockTables(g, "outputs", size).BLK_ANY.reduce((sum, on) => sum + on, 0);
    bySize.set(size, used);
  }
  return used;
}

/**
 * Loads of the blocked forward kernel (without the output writes), the grid padded to whole work groups. A vec4
 * load counts as one access: it is one 16-byte transaction.
 */
export function blockedAccesses(
  g: Conv2dGeometry,
  workgroupX: number,
  workgroupY: number,
  blocking: {
    readonly channelsPerInvocation: number;
    readonly pixelsPerInvocation: number;
    readonly vec4?: boolean;
    readonly vec4Weights?: boolean;
  },
): number {
  const { channelsPerInvocation, pixelsPerInvocation } = blocking;
  const columns = roundUp(Math.ceil(g.outWidth / pixelsPerInvocation), workgroupX);
  const rows = roundUp(g.outHeight, workgroupY);
  const span = (pixelsPerInvocation - 1) * g.strideWidth + g.kernelWidth;
  const rowLoads = blocking.vec4 === true ? Math.ceil(span / 4) : span;
  const weightLoads = blocking.vec4Weights === true ? channelsPerInvocation / 4 : channelsPerInvocation;
  const perMap = g.kernelHeight * (rowLoads + weightLoads * g.kernelWidth);
  return g.batch * columns * rows * usedBlockPairs(g, channelsPerInvocation) * perMap;
}

/**
 * The register-blocked launches: output maps x pixels per invocation with at most MAX_ACCUMULATORS accumulators
 * (more spill out of registers), no more maps per block than the layer has (rounded up to a power of two), and
 * vec4 input loads where the layout allows them. Every convolution launch has work groups of at least
 * MIN_INVOCATIONS invocations (one 256-bit SIMD row of eight floats on a CPU, a quarter of a 32-wide GPU warp:
 * smaller groups leave lanes idle).
 */
export const MAX_ACCUMULATORS = 32;
export const MIN_INVOCATIONS = 8;

function invocations(params: LaunchParams): number {
  return numberParam(params, "workgroupX") * numberParam(params, "workgroupY");
}

/**
 * Blocked launches over `channels` maps on the blocked side; `vec4Allowed` says whether a blocking may read its
 * input as vec4.
 */
export function blockedLaunches(
  channels: number,
  vec4Allowed: (blocking: { channelsPerInvocation: number; pixelsPerInvocation: number }) => boolean,
): LaunchParams[] {
  const points: LaunchParams[] = [];
  for (const channelsPerInvocation of [1, 2, 4, 8, 16]) {
    if (channelsPerInvocation >= 2 * channels) continue;
    for (const pixelsPerInvocation of [1, 2, 4, 8]) {
      if (channelsPerInvocation * pixelsPerInvocation > MAX_ACCUMULATORS) continue;
      const blocking = { channelsPerInvocation, pixelsPerInvocation };
      const launches = product({
        workgroupX: WORKGROUP_X,
        workgroupY: WORKGROUP_Y,
        channelsPerInvocation: [channelsPerInvocation],
        pixelsPerInvocation: [pixelsPerInvocation],
        vec4: vec4Allowed(blocking) ? [false, true] : [false],
      });
      points.push(...launches.filter((p) => invocations(p) >= MIN_INVOCATIONS));
    }
  }
  return points;
}

function blockedSpace(g: Conv2dGeometry): LaunchParams[] {
  const blocking = (p: { channelsPerInvocation: number; pixelsPerInvocation: number }) => ({
    geometry: g,
    workgroupX: 1,
    workgroupY: 1,
    channelsPerInvocation: p.channelsPerInvocation,
    pixelsPerInvocation: p.pixelsPerInvocation,
  });
  const vec4Allowed = (p: { channelsPerInvocation: number; pixelsPerInvocation: number }) =>
    blockedVec4Problem({ ...blocking(p), vec4: true }) === undefined;
  const weightsAllowed = new Map<number, boolean>();
  return blockedLaunches(g.outChannels, vec4Allowed).flatMap((p) => {
    const channels = numberParam(p, "channelsPerInvocation");
    if (!weightsAllowed.has(channels)) {
      const config = {
        ...blocking({ channelsPerInvocation: channels, pixelsPerInvocation: 1 }),
        vec4: false,
      };
      weightsAllowed.set(channels, blockedWeightsVec4Problem(config) === undefined);
    }
    const weights = weightsAllowed.get(channels) === true ? [false, true] : [false];
    return weights.map((vec4Weights) => ({ method: "blocked", ...p, vec4Weights }));
  });
}

/** A core convolution layer on a batch: the layer, its geometry, and the shape that keys the tuning cache. */
export function convProblem(
  inputShape: readonly number[],
  attrs: Conv2dAttrs,
  batch: number,
): { layer: Conv2dLayer; g: Conv2dGeometry; shape: Record<string, number> } {
  return convProblemOf(new Conv2dLayer("conv", inputShape, attrs), batch);
}

/** A built convolution layer on a batch: its geometry and the shape that keys the tuning cache. */
export function convProblemOf(
  layer: Conv2dLayer,
  batch: number,
): { layer: Conv2dLayer; g: Conv2dGeometry; shape: Record<string, number> } {
  const g = conv2dGeometry(layer, batch);
  const shape = {
    batch,
    inChannels: g.inChannels,
    inHeight: g.height,
    inWidth: g.width,
    outChannels: g.outChannels,
    kernelHeight: g.kernelHeight,
    kernelWidth: g.kernelWidth,
    stride: g.strideHeight,
    padding: g.padHeight,
    connections: g.kernels.reduce((sum, k) => sum + k.inputs.length, 0),
  };
  return { layer, g, shape };
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
  return conv2dForwardOperatorOf(new Conv2dLayer("conv", inputShape, attrs), batch, seed);
}

/** The forward pass of a built convolution layer on a batch (what a compiled model resolves its launch for). */
export function conv2dForwardOperatorOf(layer: Conv2dLayer, batch: number, seed = 1): TunableOperator {
  const { g, shape } = convProblemOf(layer, batch);
  const space = [
    ...product({
      method: ["direct"],
      workgroupX: WORKGROUP_X,
      workgroupY: WORKGROUP_Y,
      outputsPerInvocation: [1, 2, 4],
    }),
    ...blockedSpace(g),
    ...product({ method: ["tiled"], workgroupX: WORKGROUP_X, workgroupY: WORKGROUP_Y }),
  ].filter((p) => invocations(p) >= MIN_INVOCATIONS);
  space.push(
    ...product({
      method: ["im2col"],
      workgroupX: [8, 16],
      workgroupY: [4, 8],
      rowsPerInvocation: [1, 2],
      colsPerInvocation: [1, 4],
      tile: [0, 8],
    }),
  );
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
