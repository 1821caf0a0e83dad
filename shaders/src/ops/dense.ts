/**
 * The dense layer on the device, with @deltalab/core's parameter layout: theta = [vec(W); b] with
 * W in R^{nOut x nIn} stored column by column, i.e. as the row-major nIn x nOut matrix W^T, then b.
 *
 * Forward (seed 004 eq. 17): z = W y + b for every sample, i.e. Z = X W^T + 1 b^T for the batch X (rows are
 * samples). Backward (Table 4, llm.c's matmul_backward): dX = dZ W, vec(dW) = X^T dZ, db = 1^T dZ.
 */
import { Dispatch, GpuBuffer, dispatchOf } from "../device/gpu";
import { DEFAULT_GEMM_TUNING, GemmTuning, gemmProgram } from "../kernels/gemm";
import { gemmVec4Problem, gemmVec4Program } from "../kernels/gemmVec4";
import { groupSumProgram } from "../kernels/reduce";

export interface DenseShape {
  readonly batch: number;
  readonly inputs: number;
  readonly outputs: number;
}

/** The forward product's launch: the GEMM's, with vec4 access to W^T and Z where `outputs` is a multiple of 4. */
export interface DenseForwardTuning extends GemmTuning {
  readonly vec4?: boolean;
}

/** Why the forward product of `shape` cannot take `tuning`, or undefined when it can (the vec4 layout). */
export function denseForwardProblem(shape: DenseShape, tuning: DenseForwardTuning): string | undefined {
  return tuning.vec4 === true ? gemmVec4Problem(forwardConfig(shape, tuning)) : undefined;
}

function forwardConfig(shape: DenseShape, tuning: DenseForwardTuning) {
  const { batch, inputs, outputs } = shape;
  const { vec4: _vec4, ...gemm } = tuning;
  return {
    ...gemm,
    m: batch,
    n: outputs,
    k: inputs,
    transposeA: false,
    transposeB: false,
    bias: "columns" as const,
    biasOffset: inputs * outputs,
    accumulate: false,
  };
}

/** Z = X W^T + 1 b^T; `params` holds the layer's [vec(W); b]. */
export function denseForward(
  shape: DenseShape,
  buffers: { x: GpuBuffer; params: GpuBuffer; z: GpuBuffer },
  tuning: DenseForwardTuning = DEFAULT_GEMM_TUNING,
): Dispatch[] {
  const problem = denseForwardProblem(shape, tuning);
  if (problem !== undefined) throw new Error(`dense forward: ${problem}`);
  const program = tuning.vec4 === true ? gemmVec4Program : gemmProgram;
  const config = forwardConfig(shape, tuning);
  return [
    dispatchOf(program, config, { a: buffers.x, b: buffers.params, bias: buffers.params, c: buffers.z }),
  ];
}

/**
 * One backward call: dX = dZ W (skipped when `dx` is absent), and the gradient [vec(dW); db] in the parameter
 * layout, written into `grad`.
 */
export function denseBackward(
  shape: DenseShape,
  buffers: { x: GpuBuffer; params: GpuBuffer; dz: GpuBuffer; dx?: GpuBuffer; grad: GpuBuffer },
  tuning: GemmTuning = DEFAULT_GEMM_TUNING,
): Dispatch[] {
  const { batch, inputs, outputs } = shape;
  const common = { ...tuning, bias: "none" as const, accumulate: false };
  const dispatches: Dispatch[] = [];
  if (buffers.dx !== undefined) {
    const config = { ...common, m: batch, n: inputs, k: outputs, transposeA: false, transposeB: true };
    dispatches.push(dispatchOf(gemmProgram, config, { a: buffers.dz, b: buffers.params, c: buffers.dx }));
  }
  const weightConfig = { ...common, m: inputs, n: outputs, k: batch, transposeA: true, transposeB: false };
  dispatches.push(dispatchOf(gemmProgram, weightConfig, { a: buffers.x, b: buffers.dz, c: buffers.grad }));
  const sumConfig = {
    rows: batch,
    groups: outputs,
    cols: 1,
    outOffset: inputs * outputs,
    accumulate: false,
    workgroupSize: 64,
  };
  dispatches.push(dispatchOf(groupSumProgram, sumConfig, { x: buffers.dz, out: buffers.grad }));
  return dispatches;
}
