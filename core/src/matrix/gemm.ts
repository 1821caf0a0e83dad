/**
 * General matrix multiplication in plain JavaScript, row-major, after BLAS's xGEMM:
 *
 *   C = alpha op(A) op(B) + beta C,   op(X) = X or X^T,   op(A): m x k, op(B): k x n, C: m x n.
 *
 * A stored row-major with leading dimension lda holds entry (i, p) of A at a[i * lda + p]; with `transA` the array
 * holds A^T's storage instead (op(A)(i, p) = a[p * lda + i]). Likewise for B and C. Float32Array and Float64Array
 * are both accepted; sums are formed in double precision and rounded once when stored into C. C must not share
 * memory with A or B.
 *
 * Blocking, after Goto and van de Geijn ("Anatomy of high-performance matrix multiplication", 2008): op(B) is
 * packed in KC x NC panels and alpha op(A) in MC x KC blocks, both cut into 4-wide micro-panels laid out so that a
 * 4 x 4 block of C accumulates in sixteen local variables while the micro-kernel streams through contiguous memory.
 * Packing also turns the transposed cases into the plain one.
 */
import type { FloatArray } from "../tensor";

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 64;
const NC = 1024;
/** Below this many multiply-adds the packing costs more than it saves. */
const SMALL = 32 * 32 * 32;

/** Scratch for the packed panels, grown on demand and reused across calls (JavaScript runs one call at a time). */
let packA = new Float64Array(MC * KC);
let packB = new Float64Array(KC * NC);

export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  lda: number,
  b: FloatArray,
  ldb: number,
  beta: number,
  c: FloatArray,
  ldc: number,
): void {
  checkGemmArguments(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
  if (m === 0 || n === 0) {
    return;
  }
  scaleC(m, n, beta, c, ldc);
  if (k === 0 || alpha === 0) {
    return;
  }
  if (m * n * k <= SMALL) {
    smallGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc);
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packPanelB(transB, b, ldb, pc, jc, kc, nc);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packBlockA(transA, a, lda, ic, pc, mc, kc, alpha);
        for (let jr = 0; jr < nc; jr += NR) {
          for (let ir = 0; ir < mc; ir += MR) {
            microKernel(
              kc,
              ir * kc,
              jr * kc,
              c,
              (ic + ir) * ldc + jc + jr,
              ldc,
              Math.min(MR, mc - ir),
              Math.min(NR, nc - jr),
            );
          }
        }
      }
    }
  }
}

/** C = A B for row-major A (m x k) and B (k x n), into a new array of A's type. */
export function matmul(a: Float32Array, b: FloatArray, m: number, k: number, n: number): Float32Array;
export function matmul(a: Float64Array, b: FloatArray, m: number, k: number, n: number): Float64Array;
export function matmul(a: FloatArray, b: FloatArray, m: number, k: number, n: number): FloatArray {
  const c = a instanceof Float32Array ? new Float32Array(m * n) : new Float64Array(m * n);
  gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n);
  return c;
}

function checkGemmArguments(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  lda: number,
  b: FloatArray,
  ldb: number,
  c: FloatArray,
  ldc: number,
): void {
  for (const [name, value] of [
    ["m", m],
    ["n", n],
    ["k", k],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`gemm: ${name} must be a non-negative integer, got ${value}`);
    }
  }
  checkOperand("A", transA ? k : m, transA ? m : k, a, lda);
  checkOperand("B", transB ? n : k, transB ? k : n, b, ldb);
  checkOperand("C", m, n, c, ldc);
}

/** A stored matrix of `rows` x `cols` with leading dimension `ld` needs ld >= cols and (rows-1) ld + cols entries. */
function checkOperand(name: string, rows: number, cols: number, array: FloatArray, ld: number): void {
  if (!Number.isInteger(ld) || ld < Math.max(1, cols)) {
    throw new RangeError(
      `gemm: ld${name.toLowerCase()} must be an integer >= ${Math.max(1, cols)}, got ${ld}`,
    );
  }
  const needed = rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
  if (array.length < needed) {
    throw new RangeError(
      `gemm: ${name} is stored as ${rows} x ${cols} with leading dimension ${ld} and needs ${needed} entries, has ${array.length}`,
    );
  }
}

function scaleC(m: number, n: number, beta: number, c: FloatArray, ldc: number): void {
  if (beta === 1) {
    return;
  }
  for (let i = 0; i < m; i++) {
    const row = i * ldc;
    if (beta === 0) {
      c.fill(0, row, row + n); // so that NaN or Inf already in C does not survive, as in BLAS
    } else {
      for (let j = row; j < row + n; j++) c[j] *= beta;
    }
  }
}

function smallGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  lda: number,
  b: FloatArray,
  ldb: number,
  c: FloatArray,
  ldc: number,
): void {
  const aRow = transA ? 1 : lda;
  const aCol = transA ? lda : 1;
  const bRow = transB ? 1 : ldb;
  const bCol = transB ? ldb : 1;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[i * aRow + p * aCol] * b[p * bRow + j * bCol];
      c[i * ldc + j] += alpha * sum;
    }
  }
}

/**
 * Packs rows pc..pc+kc-1, columns jc..jc+nc-1 of op(B) into NR-wide micro-panels: entry (p, j) of the panel goes to
 * packB[(j - j % NR) * kc + p * NR + j % NR]; the last micro-panel is padded with zeros.
 */
function packPanelB(
  transB: boolean,
  b: FloatArray,
  ldb: number,
  pc: number,
  jc: number,
  kc: number,
  nc: number,
) {
  const panels = Math.ceil(nc / NR);
  if (packB.length < panels * NR * kc) {
    packB = new Float64Array(panels * NR * kc);
  }
  const rowStride = transB ? 1 : ldb;
  const colStride = transB ? ldb : 1;
  for (let jp = 0; jp < panels; jp++) {
    const base = jp * NR * kc;
    for (let jj = 0; jj < NR; jj++) {
      const j = jp * NR + jj;
      if (j >= nc) {
        for (let p = 0; p < kc; p++) packB[base + p * NR + jj] = 0;
        continue;
      }
      let source = pc * rowStride + (jc + j) * colStride;
      for (let p = 0; p < kc; p++, source += rowStride) packB[base + p * NR + jj] = b[source];
    }
  }
}

/** Packs alpha times rows ic..ic+mc-1, columns pc..pc+kc-1 of op(A) into MR-tall micro-panels, as packPanelB. */
function packBlockA(
  transA: boolean,
  a: FloatArray,
  lda: number,
  ic: number,
  pc: number,
  mc: number,
  kc: number,
  alpha: number,
) {
  const panels = Math.ceil(mc / MR);
  if (packA.length < panels * MR * kc) {
    packA = new Float64Array(panels * MR * kc);
  }
  const rowStride = transA ? 1 : lda;
  const colStride = transA ? lda : 1;
  for (let ip = 0; ip < panels; ip++) {
    const base = ip * MR * kc;
    for (let ii = 0; ii < MR; ii++) {
      const i = ip * MR + ii;
      if (i >= mc) {
        for (let p = 0; p < kc; p++) packA[base + p * MR + ii] = 0;
        continue;
      }
      let source = (ic + i) * rowStride + pc * colStride;
      for (let p = 0; p < kc; p++, source += colStride) packA[base + p * MR + ii] = alpha * a[source];
    }
  }
}

/** C[rows x cols block at cOffset] += (packed A micro-panel) (packed B micro-panel), a 4 x 4 tile in registers. */
// prettier-ignore
function microKernel(
  kc: number,
  aOffset: number,
  bOffset: number,
  c: FloatArray,
  cOffset: number,
  ldc: number,
  rows: number,
  cols: number,
): void {
  const pa = packA;
  const pb = packB;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  let ai = aOffset;
  let bi = bOffset;
  for (let p = 0; p < kc; p++, ai += MR, bi += NR) {
    const a0 = pa[ai], a1 = pa[ai + 1], a2 = pa[ai + 2], a3 = pa[ai + 3];
    const b0 = pb[bi], b1 = pb[bi + 1], b2 = pb[bi + 2], b3 = pb[bi + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (rows === MR && cols === NR) {
    let o = cOffset;
    c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03;
    o += ldc;
    c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13;
    o += ldc;
    c[o] += c20; c[o + 1] += c21; c[o + 2] += c22; c[o + 3] += c23;
    o += ldc;
    c[o] += c30; c[o + 1] += c31; c[o + 2] += c32; c[o + 3] += c33;
    return;
  }
  const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) c[cOffset + i * ldc + j] += tile[i * NR + j];
  }
}
