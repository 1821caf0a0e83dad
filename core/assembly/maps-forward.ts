/**
 * Direct convolution forward for stride 1 with lanes over the output maps (seed 004 eq. 61), for layers whose maps
 * come in groups of eight (LeNet-5's C3, whose rows of ten outputs direct.ts's lanes over columns compute as twelve):
 *
 *   y[n, o, p] = b_o + sum_r W^T[r, o] xpad[n, c, i + u, j + v],   p = i OW + j,   r = u + kh (v + kw c)
 *
 * The output positions of a sample are taken four at a time in flat order (a block may run over the end of a row),
 * and a register block of four positions by eight maps holds eight f32x4 accumulators: for each patch row r, two
 * vectors of W^T's row (the maps lie side by side there already, so the weights need no repacking) and four
 * broadcast inputs make eight multiply-adds. Each position's input address is its own, so no column is wasted; the
 * block's results are transposed into the maps' planes through a small tile. Workers split the (sample, group of
 * eight maps) pairs.
 *
 * Five positions (ten accumulators) spilled two of them to the stack in V8's code, a chain through memory that made
 * the kernel 1.4 times slower.
 */
import { C, H, KH, KW, N, O, OH, OW, PH, PW, W, field } from "./geometry";
import { directRowFloats, padSample } from "./direct";
import { madd, shareLo } from "./simd";

/** Positions per register block. */
const POSITIONS = 4;

/** The floats of one sample padded as padSample pads it (direct.ts's rows). */
export function paddedFloats(g: usize): i32 {
  return field(g, C) * (field(g, H) + 2 * field(g, PH)) * directRowFloats(g);
}

/**
 * For each patch row r = u + kh (v + kw c), the byte offset of its window's first input in the padded sample,
 * ((c paddedHeight + u) rowFloats + v) 4, stored as i32 at `offsets`.
 */
export function writePatchOffsets(g: usize, offsets: usize): void {
  const kh = field(g, KH);
  const kw = field(g, KW);
  const paddedHeight = field(g, H) + 2 * field(g, PH);
  const rowFloats = directRowFloats(g);
  const rows = kh * kw * field(g, C);
  for (let r = 0; r < rows; r++) {
    const c = r / (kh * kw);
    const v = (r - c * kh * kw) / kh;
    const u = r - c * kh * kw - v * kh;
    store<i32>(offsets + ((<usize>r) << 2), ((c * paddedHeight + u) * rowFloats + v) << 2);
  }
}

/** Floats of one worker's scratch: a padded sample, the patch rows' offsets, a 5 x 8 tile of results. */
export function mapsForwardWorkFloats(g: usize): i32 {
  return paddedFloats(g) + field(g, KH) * field(g, KW) * field(g, C) + POSITIONS * 8;
}

export function convForwardMaps(
  g: usize,
  x: usize,
  weightsT: usize,
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
  const o = field(g, O);
  const kh = field(g, KH);
  const kw = field(g, KW);
  const ph = field(g, PH);
  const outHeight = field(g, OH);
  const outWidth = field(g, OW);
  const rowFloats = directRowFloats(g);
  const paddedHeight = height + 2 * ph;
  const rows = kh * kw * channels;
  const positions = outHeight * outWidth;
  const padded = scratch;
  const offsets = padded + ((<usize>paddedFloats(g)) << 2);
  const tile = offsets + ((<usize>rows) << 2);
  writePatchOffsets(g, offsets);
  const groups = (o + 7) >> 3;
  const weightRow = (<usize>o) << 2;
  const planeBytes = (<usize>positions) << 2;
  const end = shareLo(field(g, N) * groups, thread + 1, threads);
  let current = -1;
  for (let unit = shareLo(field(g, N) * groups, thread, threads); unit < end; unit++) {
    const n = unit / groups;
    const o0 = (unit - n * groups) << 3;
    if (n != current) {
      padSample(x, n, channels, height, field(g, W), ph, field(g, PW), paddedHeight, rowFloats, padded);
      current = n;
    }
    const maps = min(8, o - o0);
    const out = y + ((<usize>((n * o + o0) * positions)) << 2);
    // The block's first position (i, j), moved along without divisions: the optimizer sinks the offsets into the
    // loop below, where a division per tap cost more than the multiply-adds.
    let i = 0;
    let j = 0;
    for (let p0 = 0; p0 < positions; p0 += POSITIONS) {
      // Positions past the plane repeat the last one and are not stored.
      const x0 = padded + ((<usize>(i * rowFloats + j)) << 2);
      if (++j == outWidth) {
        j = 0;
        i++;
      }
      const x1 = p0 + 1 < positions ? padded + ((<usize>(i * rowFloats + j)) << 2) : x0;
      if (++j == outWidth) {
        j = 0;
        i++;
      }
      const x2 = p0 + 2 < positions ? padded + ((<usize>(i * rowFloats + j)) << 2) : x1;
      if (++j == outWidth) {
        j = 0;
        i++;
      }
      const x3 = p0 + 3 < positions ? padded + ((<usize>(i * rowFloats + j)) << 2) : x2;
      if (++j == outWidth) {
        j = 0;
        i++;
      }
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      let b0 = f32x4.splat(0);
      let b1 = f32x4.splat(0);
      let c0 = f32x4.splat(0);
      let c1 = f32x4.splat(0);
      let d0 = f32x4.splat(0);
      let d1 = f32x4.splat(0);
      let w = weightsT + ((<usize>o0) << 2);
      let next = offsets;
      const last = offsets + ((<usize>rows) << 2);
      for (; next < last; next += 4) {
        const at = <usize>load<i32>(next);
        const low = v128.load(w);
        const high = v128.load(w, 16);
        const s0 = v128.load32_splat(x0 + at);
        a0 = madd(s0, low, a0);
        a1 = madd(s0, high, a1);
        const s1 = v128.load32_splat(x1 + at);
        b0 = madd(s1, low, b0);
        b1 = madd(s1, high, b1);
        const s2 = v128.load32_splat(x2 + at);
        c0 = madd(s2, low, c0);
        c1 = madd(s2, high, c1);
        const s3 = v128.load32_splat(x3 + at);
        d0 = madd(s3, low, d0);
        d1 = madd(s3, high, d1);
        w += weightRow;
      }
      // The tile holds position k's eight maps at k * 8; each map's four positions go to its plane.
      v128.store(tile, a0);
      v128.store(tile, a1, 16);
      v128.store(tile, b0, 32);
      v128.store(tile, b1, 48);
      v128.store(tile, c0, 64);
      v128.store(tile, c1, 80);
      v128.store(tile, d0, 96);
      v128.store(tile, d1, 112);
      const count = min(POSITIONS, positions - p0);
      for (let m = 0; m < maps; m++) {
        const b = load<f32>(bias + ((<usize>(o0 + m)) << 2));
        const target = out + <usize>m * planeBytes + ((<usize>p0) << 2);
        for (let k = 0; k < count; k++) {
          store<f32>(target + ((<usize>k) << 2), load<f32>(tile + ((<usize>(k * 8 + m)) << 2)) + b);
        }
      }
    }
  }
}
