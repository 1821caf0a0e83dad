/**
 * Packing for gemm.ts: op(A) into MR-tall and op(B) into NR-wide micro-panels, zero-padded at the edges. Where the
 * stored matrix runs the other way (A row-major, B transposed), 4 x 4 blocks are loaded as four vectors and
 * transposed in registers instead of being gathered one float at a time.
 */
import { MR, NR } from "./gemm";

/** Entry (p, j) of op(B)'s kc x nc block at (pc, jc) goes to packB[(j - j % NR) kc + p NR + j % NR]. */
export function packPanelB(
  transB: bool,
  b: usize,
  ldb: i32,
  pc: i32,
  jc: i32,
  kc: i32,
  nc: i32,
  packB: usize,
): void {
  for (let jp = 0; jp < nc; jp += NR) {
    const panel = packB + ((<usize>(jp * kc)) << 2);
    const width = min(NR, nc - jp);
    if (!transB && width == NR) {
      for (let p = 0; p < kc; p++) {
        const source = b + ((<usize>(pc + p) * ldb + jc + jp) << 2);
        const target = panel + ((<usize>(p * NR)) << 2);
        v128.store(target, v128.load(source));
        v128.store(target, v128.load(source, 16), 16);
      }
      continue;
    }
    let p0 = 0;
    if (transB && width == NR) {
      // Rows of the stored B are columns of op(B): transpose 4 x 4 blocks, two per group of four p.
      const first = b + ((<usize>(jc + jp) * ldb + pc) << 2);
      const second = first + ((<usize>4 * ldb) << 2);
      for (; p0 + 4 <= kc; p0 += 4) {
        const offset = (<usize>p0) << 2;
        const target = panel + ((<usize>(p0 * NR)) << 2);
        transpose4(first + offset, (<usize>ldb) << 2, target, NR << 2);
        transpose4(second + offset, (<usize>ldb) << 2, target + 16, NR << 2);
      }
    }
    for (let p = p0; p < kc; p++) {
      const target = panel + ((<usize>(p * NR)) << 2);
      for (let jj = 0; jj < NR; jj++) {
        let value: f32 = 0;
        if (jj < width) {
          const j = jc + jp + jj;
          const row = pc + p;
          value = transB
            ? load<f32>(b + ((<usize>j * ldb + row) << 2))
            : load<f32>(b + ((<usize>row * ldb + j) << 2));
        }
        store<f32>(target + ((<usize>jj) << 2), value);
      }
    }
  }
}

/** Entry (i, p) of op(A)'s mc x kc block at (ic, pc) goes to packA[(i - i % MR) kc + p MR + i % MR]. */
export function packBlockA(
  transA: bool,
  a: usize,
  lda: i32,
  ic: i32,
  pc: i32,
  mc: i32,
  kc: i32,
  packA: usize,
): void {
  for (let ip = 0; ip < mc; ip += MR) {
    const panel = packA + ((<usize>(ip * kc)) << 2);
    const height = min(MR, mc - ip);
    if (transA && height == MR) {
      for (let p = 0; p < kc; p++) {
        v128.store(panel + ((<usize>(p * MR)) << 2), v128.load(a + ((<usize>(pc + p) * lda + ic + ip) << 2)));
      }
      continue;
    }
    let p0 = 0;
    if (!transA && height == MR) {
      const first = a + ((<usize>(ic + ip) * lda + pc) << 2);
      for (; p0 + 4 <= kc; p0 += 4) {
        transpose4(first + ((<usize>p0) << 2), (<usize>lda) << 2, panel + ((<usize>(p0 * MR)) << 2), MR << 2);
      }
    }
    for (let ii = 0; ii < MR; ii++) {
      const i = ic + ip + ii;
      for (let p = p0; p < kc; p++) {
        let value: f32 = 0;
        if (ii < height) {
          const col = pc + p;
          value = transA
            ? load<f32>(a + ((<usize>col * lda + i) << 2))
            : load<f32>(a + ((<usize>i * lda + col) << 2));
        }
        store<f32>(panel + ((<usize>(p * MR + ii)) << 2), value);
      }
    }
  }
}

/** Loads four rows of four floats (rows `stride` bytes apart) and stores the four columns, `targetStride` apart. */
function transpose4(source: usize, stride: usize, target: usize, targetStride: i32): void {
  const r0 = v128.load(source);
  const r1 = v128.load(source + stride);
  const r2 = v128.load(source + 2 * stride);
  const r3 = v128.load(source + 3 * stride);
  const low01 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const low23 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const high01 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const high23 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  const step = <usize>targetStride;
  v128.store(target, i32x4.shuffle(low01, low23, 0, 1, 4, 5));
  v128.store(target + step, i32x4.shuffle(low01, low23, 2, 3, 6, 7));
  v128.store(target + 2 * step, i32x4.shuffle(high01, high23, 0, 1, 4, 5));
  v128.store(target + 3 * step, i32x4.shuffle(high01, high23, 2, 3, 6, 7));
}
