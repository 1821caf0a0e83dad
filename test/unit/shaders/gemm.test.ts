import { describe, expect, it } from "vitest";
import {
  DEFAULT_GEMM_TUNING,
  GemmConfig,
  GemmShape,
  GemmTuning,
  gemmProgram,
  gemmVec4Problem,
  gemmVec4Program,
} from "@deltalab/shaders";
import { expectClose, randomArray, randomInt, rng, testDevice } from "./support";

/** The naive triple loop, written from the definition of the matrix product. */
function naiveGemm(shape: GemmShape, a: Float32Array, b: Float32Array, bias: Float32Array, c0: Float32Array) {
  const { m, n, k } = shape;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const aValue = shape.transposeA ? a[p * m + i] : a[i * k + p];
        const bValue = shape.transposeB ? b[j * k + p] : b[p * n + j];
        sum += aValue * bValue;
      }
      if (shape.bias === "columns") sum += bias[j];
      if (shape.bias === "rows") sum += bias[i];
      if (shape.accumulate) sum += c0[i * n + j];
      out[i * n + j] = sum;
    }
  }
  return out;
}

async function check(shape: GemmShape, tuning: GemmTuning, seed: number, program = gemmProgram) {
  const gpu = await testDevice();
  const next = rng(seed);
  const a = randomArray(shape.m * shape.k, next);
  const b = randomArray(shape.k * shape.n, next);
  const bias = randomArray(shape.bias === "rows" ? shape.m : shape.n, next);
  const c0 = randomArray(shape.m * shape.n, next);
  const buffers = { a: gpu.upload(a), b: gpu.upload(b), bias: gpu.upload(bias), c: gpu.upload(c0) };
  const config: GemmConfig = { ...shape, ...tuning };
  gpu.run(program, config, buffers);
  expectClose(await gpu.read(buffers.c), naiveGemm(shape, a, b, bias, c0));
  Object.values(buffers).forEach((buffer) => gpu.free(buffer));
}

const plain: Omit<GemmShape, "m" | "n" | "k"> = {
  transposeA: false,
  transposeB: false,
  bias: "none",
  accumulate: false,
};

describe("GEMM against the naive triple loop", () => {
  it("multiplies odd-sized matrices with the default launch", async () => {
    await check({ ...plain, m: 13, n: 7, k: 19 }, DEFAULT_GEMM_TUNING, 1);
  });

  it("reads transposed operands", async () => {
    await check({ ...plain, m: 9, n: 11, k: 5, transposeA: true, transposeB: true }, DEFAULT_GEMM_TUNING, 2);
  });

  it("adds a column bias and accumulates into C", async () => {
    await check({ ...plain, m: 6, n: 10, k: 4, bias: "columns", accumulate: true }, DEFAULT_GEMM_TUNING, 3);
  });

  it("adds a row bias", async () => {
    await check({ ...plain, m: 6, n: 3, k: 8, bias: "rows" }, DEFAULT_GEMM_TUNING, 4);
  });

  it("gives the same product with workgroup-memory panels of any depth", async () => {
    for (const tile of [1, 3, 8]) {
      await check({ ...plain, m: 17, n: 23, k: 21 }, { ...DEFAULT_GEMM_TUNING, tile }, 10 + tile);
    }
  });

  it("gives the same product for random register blockings and workgroup shapes", async () => {
    const next = rng(99);
    for (let trial = 0; trial < 4; trial++) {
      const tuning: GemmTuning = {
        workgroupX: [1, 4, 16][randomInt(next, 0, 2)],
        workgroupY: [1, 2, 8][randomInt(next, 0, 2)],
        rowsPerInvocation: randomInt(next, 1, 4),
        colsPerInvocation: randomInt(next, 1, 4),
        tile: [0, 4][randomInt(next, 0, 1)],
      };
      const shape = {
        ...plain,
        m: randomInt(next, 1, 20),
        n: randomInt(next, 1, 20),
        k: randomInt(next, 1, 20),
      };
      await check(shape, tuning, 100 + trial);
    }
  });

  it("gives the same product reading B and writing C four columns at a time (vec4 access)", async () => {
    const tuning = { ...DEFAULT_GEMM_TUNING, colsPerInvocation: 1 };
    await check({ ...plain, m: 13, n: 20, k: 9 }, tuning, 20, gemmVec4Program);
    await check(
      { ...plain, m: 5, n: 12, k: 7, transposeA: true, bias: "columns", accumulate: true },
      tuning,
      21,
      gemmVec4Program,
    );
    await check(
      { ...plain, m: 6, n: 8, k: 3, bias: "rows" },
      { ...tuning, colsPerInvocation: 3 },
      22,
      gemmVec4Program,
    );
  });

  it("refuses vec4 access where the columns are not a multiple of 4", () => {
    const config = { ...plain, m: 4, n: 10, k: 4, ...DEFAULT_GEMM_TUNING };
    expect(gemmVec4Problem(config)).toMatch(/n divisible by 4, got 10/);
    expect(() => gemmVec4Program.source(config)).toThrow(/n divisible by 4/);
  });
});
