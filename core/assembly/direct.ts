/**
 * Direct convolution forward for stride 1 and small patches (LeNet-5's C1: one input map, 5 x 5 kernels), where
 * im2col would copy every input value kh kw times for a GEMM with few rows (seed 004 eq. 61):
 *
 *   y[n, o, i, j] = b_o + sum_{c, u, v} w[o, c, u, v] xpad[n, c, i + u, j + v]
 *
 * Each sample is copied once into a zero-padded buffer (the padding of eq. 61 and room for whole vectors), then a
 * register block of four output maps by up to twelve output columns (twelve f32x4 accumulators) runs over (c, u, v).
 * A row is cut into blocks of three vectors (twelve columns), the last sixteen as two blocks of two vectors, so a row
 * of ten outputs (C3) computes twelve columns, not sixteen, and one of 28 (C1) exactly 28. Weights come repacked as R x O4 (O rounded up to four,
 * zeros after O) so that the four maps of a block lie side by side. Workers split the (sample, block of four maps)
 * pairs.
 */
import { C, H, KH, KW, N, O, OH, OW, PH, PW, W, field } from "./geometry";
import { madd, shareLo } from "./simd";

/** The padded row length: the output width rounded up to eight, plus kw - 1. */
export function directRowFloats(g: usize): i32 {
  return ((field(g, OW) + 7) & ~7) + field(g, KW) - 1;
}

/** The scratch floats one worker needs: one padded sample and an eight-float tile. */
export function directWorkFloats(g: usize): i32 {
  return field(g, C) * (field(g, H) + 2 * field(g, PH)) * directRowFloats(g) + 8;
}

export function convForwardDirect(
  g: usize,
  x: usize,
  packedWeights: usize,
  bias: usize,
  y: usize,
  work: usize,
  workStride: i32,
  thread: i32,
  threads: i32,
): void {
  const scratch = work + <usize>thread * workStride;
  const channels = field(g, C);
  const height = field(g, H);
  const width = field(g, W);
  const o = field(g, O);
  const ph = field(g, PH);
  const pw = field(g, PW);
  const outHeight = field(g, OH);
  const outWidth = field(g, OW);
  const blocks = (o + 3) >> 2;
  const rowFloats = directRowFloats(g);
  const paddedHeight = height + 2 * ph;
  const padded = scratch;
  const tile = scratch + ((<usize>(channels * paddedHeight * rowFloats)) << 2);
  const end = shareLo(field(g, N) * blocks, thread + 1, threads);
  let current = -1;
  for (let unit = shareLo(field(g, N) * blocks, thread, threads); unit < end; unit++) {
    const n = unit / blocks;
    const o0 = (unit - n * blocks) << 2;
    if (n != current) {
      padSample(x, n, channels, height, width, ph, pw, paddedHeight, rowFloats, padded);
      current = n;
    }
    const out = y + ((<usize>((n * o + o0) * outHeight * outWidth)) << 2);
    for (let i = 0; i < outHeight; i++) {
      // The row's vectors of four outputs in groups of three (twelve accumulators), a last four as two twos.
      let j = 0;
      let left = (outWidth + 3) >> 2;
      while (left > 0) {
        const group = left == 4 ? 2 : min(3, left);
        if (group == 3) block(3, g, padded, packedWeights, bias, out, o0, i, j, tile);
        else if (group == 2) block(2, g, padded, packedWeights, bias, out, o0, i, j, tile);
        else block(1, g, padded, packedWeights, bias, out, o0, i, j, tile);
        j += group << 2;
        left -= group;
      }
    }
  }
}

/**
 * Outputs (o0..o0+3, i, j..j+4V-1) of one sample: four maps by V vectors of four columns, 4V accumulators, while the
 * loops run over (c, u, v). Inlined with V a constant, so each V is its own loop with no dead accumulators.
 */
@inline
function block(
  V: i32,
  g: usize,
  padded: usize,
  packedWeights: usize,
  bias: usize,
  out: usize,
  o0: i32,
  i: i32,
  j: i32,
  tile: usize,
): void {
  const channels = field(g, C);
  const kh = field(g, KH);
  const kw = field(g, KW);
  const o = field(g, O);
  const o4 = ((o + 3) >> 2) << 2;
  const rowFloats = directRowFloats(g);
  const paddedHeight = field(g, H) + 2 * field(g, PH);
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let b0 = f32x4.splat(0);
  let b1 = f32x4.splat(0);
  let b2 = f32x4.splat(0);
  let c0 = f32x4.splat(0);
  let c1 = f32x4.splat(0);
  let c2 = f32x4.splat(0);
  let d0 = f32x4.splat(0);
  let d1 = f32x4.splat(0);
  let d2 = f32x4.splat(0);
  // Weights of tap (c, u, v) sit at ((u + kh (v + kw c)) o4 + o0): v steps kh o4 floats, u steps o4.
  const vStep = (<usize>(kh * o4)) << 2;
  for (let c = 0; c < channels; c++) {
    for (let u = 0; u < kh; u++) {
      let xs = padded + ((<usize>((c * paddedHeight + i + u) * rowFloats + j)) << 2);
      let ws = packedWeights + ((<usize>((u + kh * kw * c) * o4 + o0)) << 2);
      for (let v = 0; v < kw; v++) {
        const w0 = v128.load32_splat(ws);
        const w1 = v128.load32_splat(ws, 4);
        const w2 = v128.load32_splat(ws, 8);
        const w3 = v128.load32_splat(ws, 12);
        const x0 = v128.load(xs);
        a0 = madd(w0, x0, a0);
        b0 = madd(w1, x0, b0);
        c0 = madd(w2, x0, c0);
        d0 = madd(w3, x0, d0);
        if (V > 1) {
          const x1 = v128.load(xs, 16);
          a1 = madd(w0, x1, a1);
          b1 = madd(w1, x1, b1);
          c1 = madd(w2, x1, c1);
          d1 = madd(w3, x1, d1);
        }
        if (V > 2) {
          const x2 = v128.load(xs, 32);
          a2 = madd(w0, x2, a2);
          b2 = madd(w1, x2, b2);
          c2 = madd(w2, x2, c2);
          d2 = madd(w3, x2, d2);
        }
        xs += 4;
        ws += vStep;
      }
    }
  }
  const outHeight = field(g, OH);
  const outWidth = field(g, OW);
  const plane = (<usize>(outHeight * outWidth)) << 2;
  const target = out + ((<usize>(i * outWidth + j)) << 2);
  storeMap(V, target, a0, a1, a2, load<f32>(bias + ((<usize>o0) << 2)), outWidth - j, tile);
  if (o0 + 1 < o)
    storeMap(V, target + plane, b0, b1, b2, load<f32>(bias + ((<usize>(o0 + 1)) << 2)), outWidth - j, tile);
  if (o0 + 2 < o) {
    storeMap(
      V,
      target + 2 * plane,
      c0,
      c1,
      c2,
      load<f32>(bias + ((<usize>(o0 + 2)) << 2)),
      outWidth - j,
      tile,
    );
  }
  if (o0 + 3 < o) {
    storeMap(
      V,
      target + 3 * plane,
      d0,
      d1,
      d2,
      load<f32>(bias + ((<usize>(o0 + 3)) << 2)),
      outWidth - j,
      tile,
    );
  }
}

/** Stores the first V vectors of one map's outputs with the bias added, at most `count` floats of them. */
@inline
function storeMap(
  V: i32,
  target: usize,
  v0: v128,
  v1: v128,
  v2: v128,
  bias: f32,
  count: i32,
  tile: usize,
): void {
  const b = f32x4.splat(bias);
  storeVector(target, f32x4.add(v0, b), count, tile);
  if (V > 1) storeVector(target + 16, f32x4.add(v1, b), count - 4, tile);
  if (V > 2) storeVector(target + 32, f32x4.add(v2, b), count - 8, tile);
}

/** Stores min(count, 4) floats of `value`; a partial vector goes through `tile`. */
@inline
function storeVector(target: usize, value: v128, count: i32, tile: usize): void {
  if (count >= 4) {
    v128.store(target, value);
    return;
  }
  v128.store(tile, value);
  for (let k = 0; k < count; k++) store<f32>(target + ((<usize>k) << 2), load<f32>(tile + ((<usize>k) << 2)));
}

/** Copies sample n into the zero-padded buffer: row i + ph, column j + pw of channel c holds x[n, c, i, j]. */
export function padSample(
  x: usize,
  n: i32,
  channels: i32,
  height: i32,
  width: i32,
  ph: i32,
  pw: i32,
  paddedHeight: i32,
  rowFloats: i32,
  padded: usize,
): void {
  memory.fill(padded, 0, (<usize>(channels * paddedHeight * rowFloats)) << 2);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < height; i++) {
      memory.copy(
        padded + ((<usize>((c * paddedHeight + i + ph) * rowFloats + pw)) << 2),
        x + ((<usize>(((n * channels + c) * height + i) * width)) << 2),
        (<usize>width) << 2,
      );
    }
  }
}
