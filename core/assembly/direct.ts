/**
 * Direct convolution forward for stride 1 and small patches (LeNet-5's C1: one input map, 5 x 5 kernels), where
 * im2col would copy every input value kh kw times for a GEMM with few rows (seed 004 eq. 61):
 *
 *   y[n, o, i, j] = b_o + sum_{c, u, v} w[o, c, u, v] xpad[n, c, i + u, j + v]
 *
 * Each sample is copied once into a zero-padded buffer (the padding of eq. 61 and room for whole vectors), then a
 * register block of M output maps by V vectors of four output columns (at most twelve f32x4 accumulators) runs over
 * (c, u, v). M is 4 (V up to 3: a row is cut into blocks of three vectors, the last sixteen columns as two blocks of
 * two, so a row of ten outputs, C3's, computes twelve columns, not sixteen) or 6 (V up to 2), which the caller picks
 * so that the maps divide evenly: C1's six maps in one block, not two blocks of four with two empty maps. Weights
 * come repacked as R x OM (O rounded up to M, zeros after O) so that the maps of a block lie side by side. Workers
 * split the (sample, block of maps) pairs.
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
  maps: i32,
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
  const blocks = (o + maps - 1) / maps;
  const rowFloats = directRowFloats(g);
  const paddedHeight = height + 2 * ph;
  const padded = scratch;
  const tile = scratch + ((<usize>(channels * paddedHeight * rowFloats)) << 2);
  const end = shareLo(field(g, N) * blocks, thread + 1, threads);
  let current = -1;
  for (let unit = shareLo(field(g, N) * blocks, thread, threads); unit < end; unit++) {
    const n = unit / blocks;
    const o0 = (unit - n * blocks) * maps;
    if (n != current) {
      padSample(x, n, channels, height, width, ph, pw, paddedHeight, rowFloats, padded);
      current = n;
    }
    const out = y + ((<usize>((n * o + o0) * outHeight * outWidth)) << 2);
    for (let i = 0; i < outHeight; i++) {
      let j = 0;
      let left = (outWidth + 3) >> 2;
      while (left > 0) {
        if (maps == 6) {
          // Six maps by up to two vectors: twelve accumulators.
          const group = min(2, left);
          if (group == 2) block(6, 2, g, padded, packedWeights, bias, out, o0, i, j, tile);
          else block(6, 1, g, padded, packedWeights, bias, out, o0, i, j, tile);
          j += group << 2;
          left -= group;
          continue;
        }
        // Four maps by up to three vectors, a last four vectors as two twos.
        const group = left == 4 ? 2 : min(3, left);
        if (group == 3) block(4, 3, g, padded, packedWeights, bias, out, o0, i, j, tile);
        else if (group == 2) block(4, 2, g, padded, packedWeights, bias, out, o0, i, j, tile);
        else block(4, 1, g, padded, packedWeights, bias, out, o0, i, j, tile);
        j += group << 2;
        left -= group;
      }
    }
  }
}

/**
 * Outputs (o0..o0+M-1, i, j..j+4V-1) of one sample: M maps by V vectors of four columns, M V accumulators, while the
 * loops run over (c, u, v). Inlined with M and V constants, so each pair is its own loop with no dead accumulators.
 */
@inline
function block(
  M: i32,
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
  const om = ((o + M - 1) / M) * M;
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
  let e0 = f32x4.splat(0);
  let e1 = f32x4.splat(0);
  let e2 = f32x4.splat(0);
  let f0 = f32x4.splat(0);
  let f1 = f32x4.splat(0);
  let f2 = f32x4.splat(0);
  // Weights of tap (c, u, v) sit at ((u + kh (v + kw c)) OM + o0): v steps kh OM floats, u steps OM.
  const vStep = (<usize>(kh * om)) << 2;
  for (let c = 0; c < channels; c++) {
    for (let u = 0; u < kh; u++) {
      let xs = padded + ((<usize>((c * paddedHeight + i + u) * rowFloats + j)) << 2);
      let ws = packedWeights + ((<usize>((u + kh * kw * c) * om + o0)) << 2);
      for (let v = 0; v < kw; v++) {
        const x0 = v128.load(xs);
        const x1 = V > 1 ? v128.load(xs, 16) : x0;
        const x2 = V > 2 ? v128.load(xs, 32) : x0;
        const w0 = v128.load32_splat(ws, 0);
        a0 = madd(w0, x0, a0);
        if (V > 1) a1 = madd(w0, x1, a1);
        if (V > 2) a2 = madd(w0, x2, a2);
        const w1 = v128.load32_splat(ws, 4);
        b0 = madd(w1, x0, b0);
        if (V > 1) b1 = madd(w1, x1, b1);
        if (V > 2) b2 = madd(w1, x2, b2);
        const w2 = v128.load32_splat(ws, 8);
        c0 = madd(w2, x0, c0);
        if (V > 1) c1 = madd(w2, x1, c1);
        if (V > 2) c2 = madd(w2, x2, c2);
        const w3 = v128.load32_splat(ws, 12);
        d0 = madd(w3, x0, d0);
        if (V > 1) d1 = madd(w3, x1, d1);
        if (V > 2) d2 = madd(w3, x2, d2);
        if (M > 4) {
          const w4 = v128.load32_splat(ws, 16);
          e0 = madd(w4, x0, e0);
          if (V > 1) e1 = madd(w4, x1, e1);
          if (V > 2) e2 = madd(w4, x2, e2);
        }
        if (M > 5) {
          const w5 = v128.load32_splat(ws, 20);
          f0 = madd(w5, x0, f0);
          if (V > 1) f1 = madd(w5, x1, f1);
          if (V > 2) f2 = madd(w5, x2, f2);
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
  storeMap(V, target + 0 * plane, a0, a1, a2, load<f32>(bias + ((<usize>(o0 + 0)) << 2)), outWidth - j, tile);
  if (o0 + 1 < o) {
    storeMap(V, target + 1 * plane, b0, b1, b2, load<f32>(bias + ((<usize>(o0 + 1)) << 2)), outWidth - j, tile);
  }
  if (o0 + 2 < o) {
    storeMap(V, target + 2 * plane, c0, c1, c2, load<f32>(bias + ((<usize>(o0 + 2)) << 2)), outWidth - j, tile);
  }
  if (o0 + 3 < o) {
    storeMap(V, target + 3 * plane, d0, d1, d2, load<f32>(bias + ((<usize>(o0 + 3)) << 2)), outWidth - j, tile);
  }
  if (M > 4 && o0 + 4 < o) {
    storeMap(V, target + 4 * plane, e0, e1, e2, load<f32>(bias + ((<usize>(o0 + 4)) << 2)), outWidth - j, tile);
  }
  if (M > 5 && o0 + 5 < o) {
    storeMap(V, target + 5 * plane, f0, f1, f2, load<f32>(bias + ((<usize>(o0 + 5)) << 2)), outWidth - j, tile);
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
