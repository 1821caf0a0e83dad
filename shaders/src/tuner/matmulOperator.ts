/** The matrix product as a tunable operator, with its access model. */
import { matmul } from "@deltalab/core";
import { dispatchOf } from "../device/gpu";
import { GemmConfig, gemmProgram } from "../kernels/gemm";
import { gemmVec4Problem, gemmVec4Program } from "../kernels/gemmVec4";
import { LaunchParams, TunableOperator, numberParam, product, workgroupProblem } from "./operator";
import { WORKGROUP_X, WORKGROUP_Y, prepared, roundUp, seededValues } from "./shared";

export function gemmParams(params: LaunchParams) {
  return {
    workgroupX: numberParam(params, "workgroupX"),
    workgroupY: numberParam(params, "workgroupY"),
    rowsPerInvocation: numberParam(params, "rowsPerInvocation"),
    colsPerInvocation: numberParam(params, "colsPerInvocation"),
    tile: numberParam(params, "tile"),
  };
}

/**
 * Modelled accesses of the GEMM program: each invocation of an unstaged launch reads RPI K values of A and CPI K of
 * B for RPI CPI outputs (with vec4 access, 4 CPI columns); a staged launch reads each (BM + BN) x tile panel pair
 * once per work group. The grid is padded to whole work groups.
 */
export function gemmAccesses(m: number, n: number, k: number, params: LaunchParams): number {
  const { workgroupX, workgroupY, rowsPerInvocation, tile } = gemmParams(params);
  const colsPerInvocation = gemmParams(params).colsPerInvocation * (params.vec4 === true ? 4 : 1);
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

export function gemmWorkgroupBytes(params: LaunchParams): number {
  const { workgroupX, workgroupY, rowsPerInvocation, colsPerInvocation, tile } = gemmParams(params);
  return tile === 0 ? 0 : 4 * tile * (workgroupY * rowsPerInvocation + workgroupX * colsPerInvocation);
}

const blocking = {
  workgroupX: WORKGROUP_X,
  workgroupY: WORKGROUP_Y,
  rowsPerInvocation: [1, 2, 4],
  colsPerInvocation: [1, 2, 4],
};

/** C = A B for row-major A (m x k) and B (k x n); vec4 access needs n divisible by 4. */
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
    space: () => [
      ...product({ ...blocking, tile: [0], vec4: [false, true] }),
      ...product({ ...blocking, tile: [8, 16], vec4: [false] }),
    ],
    infeasible: (params, limits) => {
      if (params.vec4 === true) {
        const problem = gemmVec4Problem(config(params));
        if (problem !== undefined) return problem;
      }
      const x = numberParam(params, "workgroupX");
      return workgroupProblem(limits, x, numberParam(params, "workgroupY"), gemmWorkgroupBytes(params));
    },
    defaultParams: {
      workgroupX: 8,
      workgroupY: 8,
      rowsPerInvocation: 2,
      colsPerInvocation: 2,
      tile: 0,
      vec4: false,
    },
    globalAccesses: (params) => gemmAccesses(m, n, k, params),
    flops: 2 * m * n * k,
    heatmapParams: ["workgroupX", "workgroupY"],
    prepare: (device) => {
      const a = seededValues(m * k, seed);
      const b = seededValues(k * n, seed + 1);
      return prepared(device, { a, b }, "c", matmul(a, b, m, k, n), (buffers, params) => [
        dispatchOf(params.vec4 === true ? gemmVec4Program : gemmProgram, config(params), {
          a: buffers.a,
          b: buffers.b,
          c: buffers.c,
        }),
      ]);
    },
  };
}
