/**
 * Direct convolution forward for stride 1 and small patches (LeNet-5's C1: one input map, 5 x 5 kernels), where
 * im2col would copy every input value kh kw times for a GEMM with few rows (seed 004 eq. 61):
 *
 *   y[n, o, i, j] = b_o + sum_{c, u, v} w[o, c, u, v] xpad[n, c, i + u, j + v]
 *
 * Each sample is copied once into a zero-padded buffer (the padding of eq. 61 and room for whole vectors), then a
 * 4 x 8 register block (four output maps, eight output columns) accumulates in eight f32x4 while the loops run over
 * (c, u, v). Weights come repacked as R x O4 (O rounded up to four, zeros after O) so that the four maps of a block
 * lie side by side. Workers split the (sample, block of four maps) pairs.
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
  const kh = field(g, KH);
  const kw = field(g, KW);
  const ph = field(g, PH);
  const pw = field(g, PW);
  const outHeight = field(g, OH);
  const outWidth = field(g, OW);
  const blocks = (o + 3) >> 2;
  const o4 = blocks << 2;
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
    for (let i = 0; i < outHeight; i++) {
      for (let j = 0; j < outWidth; j += 8) {
        let a0 = f32x4.splat(0);
        let a1 = f32x4.splat(0);
        let b0 = f32x4.splat(0);
        let b1 = f32x4.splat(0);
        let c0 = f32x4.splat(0);
        let c1 = f32x4.splat(0);
        let d0 = f32x4.splat(0);
        let d1 = f32x4.splat(0);
        for (let c = 0; c < channels; c++) {
          for (let u = 0; u < kh; u++) {
            const row = padded + ((<usize>((c * paddedHeight + i + u) * rowFloats + j)) << 2);
            for (let v = 0; v < kw; v++) {
              const weights = packedWeights + ((<usize>((u + kh * (v + kw * c)) * o4 + o0)) << 2);
              const x0 = v128.load(row + ((<usize>v) << 2));
              const x1 = v128.load(row + ((<usize>v) << 2), 16);
              const w0 = v128.load32_splat(weights);
              const w1 = v128.load32_splat(weights, 4);
              const w2 = v128.load32_splat(weights, 8);
              const w3 = v128.load32_splat(weights, 12);
              a0 = madd(w0, x0, a0);
              a1 = madd(w0, x1, a1);
              b0 = madd(w1, x0, b0);
              b1 = madd(w1, x1, b1);
              c0 = madd(w2, x0, c0);
              c1 = madd(w2, x1, c1);
              d0 = madd(w3, x0, d0);
              d1 = madd(w3, x1, d1);
            }
          }
        }
        const count = min(8, outWidth - j);
        const target = y + ((<usize>(((n * o + o0) * outHeight + i) * outWidth + j)) << 2);
        const plane = (<usize>(outHeight * outWidth)) << 2;
        storeBlock(target, a0, a1, load<f32>(bias + ((<usize>o0) << 2)), count, tile);
        if (o0 + 1 < o)
          storeBlock(target + plane, b0, b1, load<f32>(bias + ((<usize>(o0 + 1)) << 2)), count, tile);
        if (o0 + 2 < o) {
          storeBlock(target + 2 * plane, c0, c1, load<f32>(bias + ((<usize>(o0 + 2)) << 2)), count, tile);
        }
        if (o0 + 3 < o) {
          storeBlock(target + 3 * plane, d0, d1, load<f32>(bias + ((<usize>(o0 + 3)) << 2)), count, tile);
        }
      }
    }
  }
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

/** Stores count (up to eight) outputs of one map with the bias added; a partial block goes through `tile`. */
function storeBlock(target: usize, low: v128, high: v128, bias: f32, count: i32, tile: usize): void {
  const b = f32x4.splat(bias);
  low = f32x4.add(low, b);
  high = f32x4.add(high, b);
  if (count == 8) {
    v128.store(target, low);
    v128.store(target, high, 16);
    return;
  }
  v128.store(tile, low);
  v128.store(tile, high, 16);
  for (let k = 0; k < count; k++) store<f32>(target + ((<usize>k) << 2), load<f32>(tile + ((<usize>k) << 2)));
}
