/**
 * The convolution backward pass as two tunable operators, each checked against @deltalab/core's CPU backward:
 * the input delta (seed 004 eq. 74) and the parameter gradient (eq. 79-81), with their access models.
 */
import { Conv2dLayer, type Conv2dAttrs } from "@deltalab/core";
import { kernelGroupTable } from "../kernels/conv2dBackwardBlocked";
import { blockTables } from "../kernels/conv2dBlocked";
import { Conv2dGeometry, forwardMultiplyAdds, reverseTable } from "../kernels/conv2dGeometry";
import {
  ConvFilterGradientMethod,
  ConvInputDeltaMethod,
  DEFAULT_CONV_BACKWARD,
  convInputDelta,
  convParameterGradient,
} from "../ops/conv2d";
import { MAX_ACCUMULATORS, blockedLaunches, convProblemOf } from "./convOperator";
import { LaunchParams, TunableOperator, numberParam, product, workgroupProblem } from "./operator";
import { prepared, roundUp, seededValues } from "./shared";

const WORKGROUP_SIZES = [8, 16, 32, 64, 128, 256] as const;

/** The input-delta method and its launch parameters, from a point of the search space. */
export function inputDeltaMethod(params: LaunchParams): ConvInputDeltaMethod {
  switch (params.method) {
    case "gather":
      return { method: "gather", workgroupSize: numberParam(params, "workgroupSize") };
    case "blocked":
      return {
        method: "blocked",
        workgroupX: numberParam(params, "workgroupX"),
        workgroupY: numberParam(params, "workgroupY"),
        channelsPerInvocation: numberParam(params, "channelsPerInvocation"),
        pixelsPerInvocation: numberParam(params, "pixelsPerInvocation"),
      };
    default:
      throw new Error(`unknown input-delta method ${String(params.method)}; expected gather or blocked`);
  }
}

/** The filter-gradient method and its launch parameters, from a point of the search space. */
export function filterGradientMethod(params: LaunchParams): ConvFilterGradientMethod {
  const workgroupSize = numberParam(params, "workgroupSize");
  switch (params.method) {
    case "entry":
      return { method: "entry", workgroupSize };
    case "row":
      return {
        method: "row",
        workgroupSize,
        kernelsPerInvocation: numberParam(params, "kernelsPerInvocation"),
      };
    default:
      throw new Error(`unknown filter-gradient method ${String(params.method)}; expected entry or row`);
  }
}

/** Kernel rows (and columns) that reach the delta for stride s: about k / s of the k rows. */
function reachingRows(kernel: number, stride: number): number {
  return Math.ceil(kernel / stride);
}

/**
 * Modelled accesses of the input delta, the grid padded to whole work groups:
 * - gather: every input element reads a weight and a delta value for each reaching kernel entry of each output
 *   map it feeds, and is written once;
 * - blocked: every invocation reads, per output map its block feeds and reaching kernel row, the P + kw - 1 delta
 *   values of the row and the block's kw weights per input map.
 */
export function inputDeltaAccesses(g: Conv2dGeometry, params: LaunchParams): number {
  const method = inputDeltaMethod(params);
  const inputs = g.batch * g.inChannels * g.height * g.width;
  const rows = reachingRows(g.kernelHeight, g.strideHeight);
  if (method.method === "gather") {
    const feeds = reverseTable(g).REV_OUTPUT.length;
    const padded = roundUp(inputs, method.workgroupSize) / inputs;
    const perElement = (2 * feeds * rows * reachingRows(g.kernelWidth, g.strideWidth)) / g.inChannels;
    return Math.round(inputs * padded * perElement) + inputs;
  }
  const { channelsPerInvocation, pixelsPerInvocation, workgroupX, workgroupY } = method;
  const used = blockTables(g, "inputs", channelsPerInvocation).BLK_ANY.reduce((sum, on) => sum + on, 0);
  const columns = roundUp(Math.ceil(g.width / pixelsPerInvocation), workgroupX);
  const perMap = rows * (pixelsPerInvocation + g.kernelWidth - 1 + channelsPerInvocation * g.kernelWidth);
  return g.batch * columns * roundUp(g.height, workgroupY) * used * perMap + inputs;
}

/**
 * Modelled accesses of the parameter gradient, the grid padded to whole work groups: per kernel entry ("entry")
 * every sample, input map and output pixel reads a delta value and an input value; per kernel row of a group of
 * kernels with the same input maps ("row"), it reads kw input values and one delta value per kernel slot of the
 * group. The bias sum reads the delta once; the gradient is written once.
 */
export function filterGradientAccesses(g: Conv2dGeometry, params: LaunchParams): number {
  const method = filterGradientMethod(params);
  const pixels = g.outHeight * g.outWidth;
  const writes = g.batch * g.outChannels * pixels + g.weightCount + g.outChannels;
  if (method.method === "entry") {
    const connections = g.kernels.reduce((sum, k) => sum + k.inputs.length, 0);
    const threads = g.kernels.length * g.kernelHeight * g.kernelWidth;
    const padded = roundUp(threads, method.workgroupSize) / threads;
    const perPixel = 2 * g.kernelHeight * g.kernelWidth;
    return Math.round(padded * g.batch * connections * pixels * perPixel) + writes;
  }
  const size = method.kernelsPerInvocation ?? 1;
  const { G_INPUT_START } = kernelGroupTable(g, size);
  const groups = G_INPUT_START.length - 1;
  const threads = groups * g.kernelHeight;
  const padded = roundUp(threads, method.workgroupSize) / threads;
  const inputsRead = G_INPUT_START[groups];
  const perPixel = g.kernelHeight * (g.kernelWidth + size);
  return Math.round(padded * g.batch * inputsRead * pixels * perPixel) + writes;
}

/**
 * Kernel groups for the row method: 1, 2, 4, 8 kernels, within the accumulator budget and no larger than the
 * largest set of kernels with the same input maps (rounded up to a power of two).
 */
function kernelGroupSizes(g: Conv2dGeometry): number[] {
  const largest = Math.max(...kernelGroupTable(g, g.kernels.length).G_COUNT);
  return [1, 2, 4, 8].filter((size) => size < 2 * largest && size * g.kernelWidth <= MAX_ACCUMULATORS);
}

/** The input delta of a core convolution layer on a batch (eq. 74). */
export function conv2dInputDeltaOperator(
  inputShape: readonly number[],
  attrs: Conv2dAttrs,
  batch: number,
  seed = 1,
): TunableOperator {
  return conv2dInputDeltaOperatorOf(new Conv2dLayer("conv", inputShape, attrs), batch, seed);
}

/** The input delta of a built convolution layer on a batch. */
export function conv2dInputDeltaOperatorOf(layer: Conv2dLayer, batch: number, seed = 1): TunableOperator {
  const { g, shape } = convProblemOf(layer, batch);
  const space = [
    ...product({ method: ["gather"], workgroupSize: WORKGROUP_SIZES }),
    ...blockedLaunches(g.inChannels, () => false).map(({ vec4: _vec4, ...p }) => ({
      method: "blocked",
      ...p,
    })),
  ];
  return {
    name: "conv2d-backward-input",
    shape,
    space: () => space,
    infeasible: (params, limits) =>
      params.method === "gather"
        ? workgroupProblem(limits, numberParam(params, "workgroupSize"), 1, 0)
        : workgroupProblem(limits, numberParam(params, "workgroupX"), numberParam(params, "workgroupY"), 0),
    defaultParams: { ...DEFAULT_CONV_BACKWARD.input },
    globalAccesses: (params) => inputDeltaAccesses(g, params),
    flops: 2 * forwardMultiplyAdds(g),
    prepare: (device) => {
      const x = seededValues(batch * layer.inputSize, seed);
      const params = seededValues(layer.parameterCount, seed + 1);
      const dy = seededValues(batch * layer.outputSize, seed + 2);
      const y = new Float32Array(batch * layer.outputSize);
      const reference = new Float32Array(batch * layer.inputSize);
      layer.backward(params, x, y, dy, reference, new Float32Array(layer.parameterCount), batch);
      return prepared(device, { dy, params }, "dx", reference, (buffers, launch) =>
        convInputDelta(
          g,
          { dy: buffers.dy, params: buffers.params, dx: buffers.dx },
          inputDeltaMethod(launch),
        ),
      );
    },
  };
}

/** The parameter gradient [dr/dvec(W); dr/db] of a core convolution layer on a batch (eq. 79-81). */
export function conv2dFilterGradientOperator(
  inputShape: readonly number[],
  attrs: Conv2dAttrs,
  batch: number,
  seed = 1,
): TunableOperator {
  return conv2dFilterGradientOperatorOf(new Conv2dLayer("conv", inputShape, attrs), batch, seed);
}

/** The parameter gradient of a built convolution layer on a batch. */
export function conv2dFilterGradientOperatorOf(layer: Conv2dLayer, batch: number, seed = 1): TunableOperator {
  const { g, shape } = convProblemOf(layer, batch);
  const space = [
    ...product({ method: ["entry"], workgroupSize: WORKGROUP_SIZES }),
    ...product({
      method: ["row"],
      workgroupSize: WORKGROUP_SIZES,
      kernelsPerInvocation: kernelGroupSizes(g),
    }),
  ];
  return {
    name: "conv2d-backward-filter",
    shape,
    space: () => space,
    infeasible: (params, limits) => workgroupProblem(limits, numberParam(params, "workgroupSize"), 1, 0),
    defaultParams: { ...DEFAULT_CONV_BACKWARD.filter },
    globalAccesses: (params) => filterGradientAccesses(g, params),
    flops: 2 * forwardMultiplyAdds(g),
    prepare: (device) => {
      const x = seededValues(batch * layer.inputSize, seed);
      const params = seededValues(layer.parameterCount, seed + 1);
      const dy = seededValues(batch * layer.outputSize, seed + 2);
      const y = new Float32Array(batch * layer.outputSize);
      const reference = new Float32Array(layer.parameterCount);
      layer.backward(params, x, y, dy, new Float32Array(batch * layer.inputSize), reference, batch);
      return prepared(device, { x, dy }, "grad", reference, (buffers, launch) =>
        convParameterGradient(
          g,
          { x: buffers.x, dy: buffers.dy, grad: buffers.grad },
          filterGradientMethod(launch),
        ),
      );
    },
  };
}
