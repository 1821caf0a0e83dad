import { describe, expect, it } from "vitest";
import { gemm, matmul, SeededRandom } from "@deltalab/core";

type Floats = Float32Array | Float64Array;

/** The textbook triple loop on op(A), op(B) read element by element. */
function naiveGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Floats,
  lda: number,
  b: Floats,
  ldb: number,
  beta: number,
  c: Floats,
  ldc: number,
): Float64Array {
  const out = new Float64Array(c);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const aip = transA ? a[p * lda + i] : a[i * lda + p];
        const bpj = transB ? b[j * ldb + p] : b[p * ldb + j];
        sum += aip * bpj;
      }
      out[i * ldc + j] = alpha * sum + beta * c[i * ldc + j];
    }
  }
  return out;
}

function randomArray<T extends Floats>(
  Type: { new (n: number): T },
  length: number,
  random: SeededRandom,
): T {
  const out = new Type(length);
  for (let i = 0; i < length; i++) out[i] = random.next() * 2 - 1;
  return out;
}

function maxAbsDifference(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
  return max;
}

// Shapes that exercise the small path, partial 4 x 4 tiles, and more than one KC, MC and NC block.
const shapes: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [33, 17, 65],
  [70, 1030, 9],
  [130, 6, 300],
];

describe("gemm against the triple loop", () => {
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`agrees in Float64 for ${m}x${n}x${k}, transA=${transA}, transB=${transB}, with padded leading dimensions`, () => {
          const random = new SeededRandom(m * 1000 + n + k);
          const lda = (transA ? m : k) + 3;
          const ldb = (transB ? k : n) + 1;
          const ldc = n + 2;
          const a = randomArray(Float64Array, (transA ? k : m) * lda, random);
          const b = randomArray(Float64Array, (transB ? n : k) * ldb, random);
          const c = randomArray(Float64Array, m * ldc, random);
          const expected = naiveGemm(transA, transB, m, n, k, 0.7, a, lda, b, ldb, -1.3, c, ldc);
          gemm(transA, transB, m, n, k, 0.7, a, lda, b, ldb, -1.3, c, ldc);
          expect(maxAbsDifference(c, expected)).toBeLessThan(1e-12 * k);
        });
      }
    }
  }

  it("agrees in Float32 to single precision", () => {
    const random = new SeededRandom(5);
    const [m, n, k] = [67, 45, 300];
    const a = randomArray(Float32Array, m * k, random);
    const b = randomArray(Float32Array, n * k, random);
    const c = new Float32Array(m * n);
    const expected = naiveGemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n);
    gemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n);
    expect(maxAbsDifference(c, expected)).toBeLessThan(1e-5 * Math.sqrt(k));
  });

  it("leaves entries of C outside the m x n block alone", () => {
    const c = new Float64Array(3 * 5).fill(9);
    gemm(false, false, 2, 3, 1, 1, Float64Array.of(1, 2), 1, Float64Array.of(1, 1, 1), 3, 0, c, 5);
    expect(Array.from(c)).toEqual([1, 1, 1, 9, 9, 2, 2, 2, 9, 9, 9, 9, 9, 9, 9]);
  });

  it("overwrites NaN in C when beta is 0", () => {
    const c = Float64Array.of(NaN);
    gemm(false, false, 1, 1, 1, 1, Float64Array.of(2), 1, Float64Array.of(3), 1, 0, c, 1);
    expect(c[0]).toBe(6);
  });

  it("multiplies a 2x3 by a 3x2 matrix as worked by hand", () => {
    const product = matmul(Float64Array.of(1, 2, 3, 4, 5, 6), Float64Array.of(7, 8, 9, 10, 11, 12), 2, 3, 2);
    expect(Array.from(product)).toEqual([58, 64, 139, 154]);
  });

  it("rejects an operand too short for its shape", () => {
    expect(() =>
      gemm(
        false,
        false,
        2,
        2,
        2,
        1,
        new Float64Array(3),
        2,
        new Float64Array(4),
        2,
        0,
        new Float64Array(4),
        2,
      ),
    ).toThrow("gemm: A is stored as 2 x 2 with leading dimension 2 and needs 4 entries, has 3");
  });

  it("rejects a leading dimension smaller than the row length", () => {
    expect(() =>
      gemm(
        false,
        false,
        2,
        3,
        2,
        1,
        new Float64Array(4),
        2,
        new Float64Array(6),
        2,
        0,
        new Float64Array(6),
        3,
      ),
    ).toThrow("gemm: ldb must be an integer >= 3, got 2");
  });
});
