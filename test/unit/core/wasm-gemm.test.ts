import { afterAll, describe, expect, it } from "vitest";
import { createWasmBackend, gemm } from "@deltalab/core";
import { expectClose, sumTolerance } from "../helpers/close";
import { randomFloats } from "../helpers/random";

const single = createWasmBackend({ threads: 1 });
const pair = createWasmBackend({ threads: 2 });
/** Both committed builds, each checked against the reference (the default is the fastest one the engine runs). */
const builds = {
  simd: createWasmBackend({ threads: 1, variant: "simd" }),
  "relaxed-simd": createWasmBackend({ threads: 1, variant: "relaxed-simd" }),
};
afterAll(() => {
  for (const backend of [single, pair, ...Object.values(builds)]) backend.dispose();
});

interface Case {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  /** Extra columns in each leading dimension. */
  pad: number;
  beta: 0 | 1;
}

/** Odd sizes around the blocking (MR 4, NR 8, KC 256, MC 64), every transpose, padded leading dimensions. */
const CASES: Case[] = [
  { transA: false, transB: false, m: 1, n: 1, k: 1, pad: 0, beta: 0 },
  { transA: false, transB: false, m: 7, n: 13, k: 5, pad: 3, beta: 0 },
  { transA: true, transB: false, m: 65, n: 33, k: 257, pad: 1, beta: 1 },
  { transA: false, transB: true, m: 31, n: 70, k: 300, pad: 2, beta: 0 },
  { transA: true, transB: true, m: 130, n: 9, k: 17, pad: 0, beta: 1 },
  { transA: false, transB: false, m: 64, n: 1030, k: 64, pad: 0, beta: 0 },
];

function operands(c: Case, seed: number) {
  const aRows = c.transA ? c.k : c.m;
  const aCols = c.transA ? c.m : c.k;
  const bRows = c.transB ? c.n : c.k;
  const bCols = c.transB ? c.k : c.n;
  const lda = aCols + c.pad;
  const ldb = bCols + c.pad;
  const ldc = c.n + c.pad;
  return {
    a: randomFloats(aRows * lda, seed),
    b: randomFloats(bRows * ldb, seed + 1),
    c: randomFloats(c.m * ldc, seed + 2),
    lda,
    ldb,
    ldc,
  };
}

describe.each(Object.keys(builds) as (keyof typeof builds)[])("WebAssembly GEMM, %s build", (variant) => {
  it.each(CASES)(
    "matches the reference GEMM (transA $transA, transB $transB, $m x $n x $k, beta $beta)",
    (c) => {
      const { a, b, c: c0, lda, ldb, ldc } = operands(c, c.m * 7 + c.n);
      const expected = new Float64Array(c0);
      gemm(c.transA, c.transB, c.m, c.n, c.k, 1, a, lda, b, ldb, c.beta, expected, ldc);
      const actual = new Float32Array(c0);
      builds[variant].gemm(c.transA, c.transB, c.m, c.n, c.k, a, lda, b, ldb, c.beta, actual, ldc);
      expectClose(actual, expected, sumTolerance(c.k), 0);
    },
  );
});

describe("WebAssembly GEMM", () => {
  it("gives the same bits on one thread and on two", () => {
    const c = CASES[5];
    const { a, b, c: c0, lda, ldb, ldc } = operands(c, 5);
    const one = new Float32Array(c0);
    const two = new Float32Array(c0);
    single.gemm(c.transA, c.transB, c.m, c.n, c.k, a, lda, b, ldb, 0, one, ldc);
    pair.gemm(c.transA, c.transB, c.m, c.n, c.k, a, lda, b, ldb, 0, two, ldc);
    expect(two).toEqual(one);
  });

  it("works in place on arrays allocated in the shared memory", () => {
    const a = pair.allocate(6);
    const b = pair.allocate(6);
    const c = pair.allocate(4);
    a.set([1, 2, 3, 4, 5, 6]);
    b.set([1, 0, 0, 1, 1, 1]);
    pair.gemm(false, false, 2, 2, 3, a, 3, b, 2, 0, c, 2);
    expect(Array.from(c)).toEqual([4, 5, 10, 11]);
  });

  it("rejects a leading dimension shorter than a row", () => {
    const a = new Float32Array(6);
    expect(() => single.gemm(false, false, 2, 2, 3, a, 2, a, 2, 0, a, 2)).toThrow(
      /lda must be an integer >= 3/,
    );
  });
});

describe("WebAssembly backend lifetime and options", () => {
  it("refuses work after dispose, naming why", () => {
    const backend = createWasmBackend({ threads: 2 });
    backend.dispose();
    const a = new Float32Array(1);
    expect(() => backend.gemm(false, false, 1, 1, 1, a, 1, a, 1, 0, a, 1)).toThrow(/has been disposed/);
  });

  it("rejects a thread count that is not a positive integer", () => {
    expect(() => createWasmBackend({ threads: 0 })).toThrow(/threads must be an integer from 1 to 64, got 0/);
  });
});
