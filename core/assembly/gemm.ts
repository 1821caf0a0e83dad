/**
 * Single-precision GEMM with 128-bit SIMD, after Goto and van de Geijn ("Anatomy of high-performance matrix
 * multiplication", 2008) and BLIS: C = op(A) op(B) (+ C when accumulating), op(X) = X or X^T, row-major, all
 * addresses in bytes and leading dimensions in elements, as core/src/matrix/gemm.ts (the reference) states them.
 *
 * op(B) is packed in KC x NC panels cut into NR-wide micro-panels, op(A) in MC x KC blocks cut into MR-tall
 * micro-panels; the micro-kernel keeps an MR x NR tile of C in eight f32x4 accumulators (MR rows, NR / 4 vectors per
 * row) and streams both micro-panels from contiguous memory. Packing pads partial panels with zeros, so the
 * micro-kernel always computes a whole tile and only the write-back looks at the edges.
 *
 * Scratch: the caller passes `work`, GEMM_WORK_FLOATS floats that no other thread touches.
 */
import { packBlockA, packPanelB } from "./pack";
import { madd, shareLo } from "./simd";

export const MR: i32 = 4;
export const NR: i32 = 8;
export const KC: i32 = 256;
export const MC: i32 = 64;
export const NC: i32 = 1024;
/** packA (MC KC floats), packB (KC NC floats), one MR x NR tile. */
export const GEMM_WORK_FLOATS: i32 = MC * KC + KC * NC + MR * NR;

export function sgemm(
  transA: bool,
  transB: bool,
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  accumulate: bool,
  c: usize,
  ldc: i32,
  work: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + ((<usize>i * ldc) << 2), 0, (<usize>n) << 2);
    return;
  }
  const packA = work;
  const packB = work + ((<usize>(MC * KC)) << 2);
  const tile = packB + ((<usize>(KC * NC)) << 2);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packPanelB(transB, b, ldb, pc, jc, kc, nc, packB);
      const add = accumulate || pc > 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packBlockA(transA, a, lda, ic, pc, mc, kc, packA);
        for (let jr = 0; jr < nc; jr += NR) {
          const bPanel = packB + ((<usize>(jr * kc)) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const cTile = c + ((<usize>(ic + ir) * ldc + jc + jr) << 2);
            microKernel(
              kc,
              packA + ((<usize>(ir * kc)) << 2),
              bPanel,
              cTile,
              ldc,
              min(MR, mc - ir),
              min(NR, nc - jr),
              add,
              tile,
            );
          }
        }
      }
    }
  }
}

/** C[rows x cols tile] (+)= A micro-panel (MR x kc) times B micro-panel (kc x NR). */
function microKernel(
  kc: i32,
  pa: usize,
  pb: usize,
  c: usize,
  ldc: i32,
  rows: i32,
  cols: i32,
  add: bool,
  tile: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    const a1 = v128.load32_splat(pa, 4);
    const a2 = v128.load32_splat(pa, 8);
    const a3 = v128.load32_splat(pa, 12);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    c10 = madd(a1, b0, c10);
    c11 = madd(a1, b1, c11);
    c20 = madd(a2, b0, c20);
    c21 = madd(a2, b1, c21);
    c30 = madd(a3, b0, c30);
    c31 = madd(a3, b1, c31);
    pa += MR << 2;
    pb += NR << 2;
  }
  if (rows == MR && cols == NR) {
    const row = (<usize>ldc) << 2;
    storeRow(c, c00, c01, add);
    storeRow(c + row, c10, c11, add);
    storeRow(c + 2 * row, c20, c21, add);
    storeRow(c + 3 * row, c30, c31, add);
    return;
  }
  v128.store(tile, c00);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const target = c + ((<usize>i * ldc + j) << 2);
      const value = load<f32>(tile + ((<usize>(i * NR + j)) << 2));
      store<f32>(target, add ? load<f32>(target) + value : value);
    }
  }
}

function storeRow(target: usize, low: v128, high: v128, add: bool): void {
  if (add) {
    low = f32x4.add(low, v128.load(target));
    high = f32x4.add(high, v128.load(target, 16));
  }
  v128.store(target, low);
  v128.store(target, high, 16);
}

/**
 * One worker's share of C = op(A) op(B) (+ C): the columns of C split in multiples of NR, each worker with its own
 * scratch at work + thread workStride.
 */
export function sgemmShare(
  transA: bool,
  transB: bool,
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  accumulate: bool,
  c: usize,
  ldc: i32,
  work: usize,
  workStride: i32,
  thread: i32,
  threads: i32,
): void {
  const panels = (n + NR - 1) / NR;
  const j0 = min(n, shareLo(panels, thread, threads) * NR);
  const j1 = min(n, shareLo(panels, thread + 1, threads) * NR);
  if (j0 >= j1) return;
  const bShare = transB ? b + ((<usize>j0 * ldb) << 2) : b + ((<usize>j0) << 2);
  sgemm(
    transA,
    transB,
    m,
    j1 - j0,
    k,
    a,
    lda,
    bShare,
    ldb,
    accumulate,
    c + ((<usize>j0) << 2),
    ldc,
    work + <usize>thread * workStride,
  );
}
