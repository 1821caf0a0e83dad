/**
 * The convolution layer on the device (seed 004 eq. 60-62, 74, 79-81), with @deltalab/core's Conv2dLayer
 * parameter layout. Forward by one of four methods (direct, register-blocked, tiled in workgroup memory,
 * im2col + GEMM); backward, by its own tunable methods, produces the input delta and the parameter gradient
 * [dr/dvec(W); dr/db] together, as the core layer's backward does.
 */
import { Dispatch, GpuBuffer, GpuDevice, dispatchOf } from "../device/gpu";
import { convFilterGradientProgram, convInputDeltaProgram } from "../kernels/conv2dBackward";
import { convForwardBlockedProgram } from "../kernels/conv2dBlocked";
import { convFilterGradientRowProgram, convInputDeltaBlockedProgram } from "../kernels/conv2dBackwardBlocked";
import { convForwardDirectProgram, convForwardTiledProgram } from "../kernels/conv2dForward";
import { Conv2dGeometry } from "../kernels/conv2dGeometry";
import { GemmTuning, gemmProgram } from "../kernels/gemm";
import { expandWeightsProgram, im2colProgram, im2colRows } from "../kernels/im2col";
import { groupSumProgram } from "../kernels/reduce";

/** How the forward pass is computed, with that method's launch parameters. */
export type ConvForwardMethod =
  | {
      readonly method: "direct";
      readonly workgroupX: number;
      readonly workgroupY: number;
      readonly outputsPerInvocation: number;
    }
  | { readonly method: "tiled"; readonly workgroupX: number; readonly workgroupY: number }
  | {
      readonly method: "blocked";
      readonly workgroupX: number;
      readonly workgroupY: number;
      readonly channelsPerInvocation: number;
      readonly pixelsPerInvocation: number;
      readonly vec4: boolean;
      readonly vec4Weights?: boolean;
    }
  | { readonly method: "im2col"; readonly gemm: GemmTuning };

export const DEFAULT_CONV_FORWARD: ConvForwardMethod = {
  method: "direct",
  workgroupX: 8,
  workgroupY: 8,
  outputsPerInvocation: 1,
};

/** Scratch buffers the im2col method needs: phi(pad(Y)) for the batch and the expanded weight matrix. */
export interface Im2colScratch {
  readonly columns: GpuBuffer;
  readonly denseWeights: GpuBuffer;
}

export function allocIm2colScratch(device: GpuDevice, g: Conv2dGeometry): Im2colScratch {
  return {
    columns: device.alloc(g.batch * im2colRows(g) * g.outHeight * g.outWidth),
    denseWeights: device.alloc(g.outChannels * im2colRows(g)),
  };
}

/** Z = conv(X; W) + b for the batch. The im2col method needs `scratch`. */
export function convForward(
  geometry: Conv2dGeometry,
  buffers: { x: GpuBuffer; params: GpuBuffer; y: GpuBuffer },
  method: ConvForwardMethod = DEFAULT_CONV_FORWARD,
  scratch?: Im2colScratch,
): Dispatch[] {
  switch (method.method) {
    case "direct": {
      const { workgroupX, workgroupY, outputsPerInvocation } = method;
      const config = { geometry, workgroupX, workgroupY, outputsPerInvocation };
      return [dispatchOf(convForwardDirectProgram, config, buffers)];
    }
    case "tiled": {
      const config = { geometry, workgroupX: method.workgroupX, workgroupY: method.workgroupY };
      return [dispatchOf(convForwardTiledProgram, config, buffers)];
    }
    case "blocked": {
      const { method: _method, ...launch } = method;
      return [dispatchOf(convForwardBlockedProgram, { geometry, ...launch }, buffers)];
    }
    case "im2col": {
      if (scratch === undefined)
        throw new Error("the im2col convolution needs scratch buffers (allocIm2colScratch)");
      return im2colForward(geometry, buffers, method.gemm, scratch);
    }
  }
}

function im2colForward(
  g: Conv2dGeometry,
  buffers: { x: GpuBuffer; params: GpuBuffer; y: GpuBuffer },
  tuning: GemmTuning,
  scratch: Im2colScratch,
): Dispatch[] {
  const small = { geometry: g, workgroupSize: 64 };
  const rows = im2colRows(g);
  const pixels = g.outHeight * g.outWidth;
  const gemm = {
    ...tuning,
    m: g.outChannels,
    n: pixels,
    k: rows,
    transposeA: false,
    transposeB: false,
    bias: "rows" as const,
    biasOffset: g.weightCount,
    accumulate: false,
    batches: g.batch,
    strideA: 0,
    strideB: rows * pixels,
    strideC: g.outChannels * pixels,
  };
  return [
    dispatchOf(im2colProgram, small, { x: buffers.x, columns: scratch.columns }),
    dispatchOf(expandWeightsProgram, small, { params: buffers.params, dense: scratch.denseWeights }),
    dispatchOf(gemmProgram, gemm, {
      a: scratch.denseWeights,
      b: scratch.columns,
      bias: buffers.params,
      c: buffers.y,
    }),
  ];
}

/** How the input delta (eq. 74) is computed: one input element per invocation, or register-blocked. */
export type ConvInputDeltaMethod =
  | { readonly method: "gather"; readonly workgroupSize: number }
  | {
      readonly method: "blocked";
      readonly workgroupX: number;
      readonly workgroupY: number;
      readonly channelsPerInvocation: number;
      readonly pixelsPerInvocation: number;
    };

/**
 * How the filter gradient (eq. 79-80) is computed: one kernel entry per invocation, or one kernel row of
 * `kernelsPerInvocation` kernels with the same input maps (absent: 1).
 */
export type ConvFilterGradientMethod =
  | { readonly method: "entry"; readonly workgroupSize: number }
  | { readonly method: "row"; readonly workgroupSize: number; readonly kernelsPerInvocation?: number };

export interface ConvBackwardMethod {
  readonly input: ConvInputDeltaMethod;
  readonly filter: ConvFilterGradientMethod;
}

export const DEFAULT_CONV_BACKWARD: ConvBackwardMethod = {
  input: { method: "gather", workgroupSize: 64 },
  filter: { method: "entry", workgroupSize: 64 },
};

/** dX = the padded delta correlated with the rotated kernels (eq. 74). */
export function convInputDelta(
  geometry: Conv2dGeometry,
  buffers: { dy: GpuBuffer; params: GpuBuffer; dx: GpuBuffer },
  method: ConvInputDeltaMethod = DEFAULT_CONV_BACKWARD.input,
): Dispatch[] {
  if (method.method === "gather") {
    const config = { geometry, workgroupSize: method.workgroupSize };
    return [dispatchOf(convInputDeltaProgram, config, buffers)];
  }
  const { method: _method, ...launch } = method;
  return [dispatchOf(convInputDeltaBlockedProgram, { geometry, ...launch }, buffers)];
}

/** dr/dvec(W) by eq. 79-80 and dr/db by eq. 81, written into `grad` at the positions of the parameters. */
export function convParameterGradient(
  geometry: Conv2dGeometry,
  buffers: { x: GpuBuffer; dy: GpuBuffer; grad: GpuBuffer },
  method: ConvFilterGradientMethod = DEFAULT_CONV_BACKWARD.filter,
): Dispatch[] {
  const { method: kind, ...launch } = method;
  const program = kind === "row" ? convFilterGradientRowProgram : convFilterGradientProgram;
  const filter = dispatchOf(program, { geometry, ...launch }, buffers);
  const sum = {
    rows: geometry.batch,
    groups: geometry.outChannels,
    cols: geometry.outHeight * geometry.outWidth,
    outOffset: geometry.weightCount,
    accumulate: false,
    workgroupSize: 64,
  };
  return [filter, dispatchOf(groupSumProgram, sum, { x: buffers.dy, out: buffers.grad })];
}

/**
 * One backward call: dX by eq. 74 (skipped when `dx` is absent), dr/dvec(W) by eq. 79-80 and dr/db by eq. 81,
 * both written into `grad` at the positions of the corresponding parameters.
 */
export function convBackward(
  geometry: Conv2dGeometry,
  buffers: { x: GpuBuffer; params: GpuBuffer; dy: GpuBuffer; dx?: GpuBuffer; grad: GpuBuffer },
  method: ConvBackwardMethod = DEFAULT_CONV_BACKWARD,
): Dispatch[] {
  const { x, params, dy, dx, grad } = buffers;
  return [
    ...(dx === undefined ? [] : convInputDelta(geometry, { dy, params, dx }, method.input)),
    ...convParameterGradient(geometry, { x, dy, grad }, method.filter),
  ];
}
