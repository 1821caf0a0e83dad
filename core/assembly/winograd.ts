/**
 * 3 x 3 convolutions with stride 1 by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast algorithms for
 * convolutional neural networks", 2016): each 2 x 2 block of outputs of map o is
 *
 *   Y = A^T [ sum_c (G g_oc G^T) .* (B^T d_c B) ] A
 *
 * with d_c the 4 x 4 input tile of channel c under the block, g_oc the 3 x 3 kernel, and
 *
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1],
 *   A^T = [1 1 1 0; 0 1 -1 -1].
 *
 * The sum over c at each of the 16 tile positions xi is a product of matrices, M_xi = U_xi V_xi with U_xi (O x C) the
 * transformed kernels and V_xi (C x T) the transformed tiles, so the work is 16 GEMMs of O x C x T: 16 multiply-adds
 * per tile, channel and map instead of the 36 of the direct sum (seed 004 eq. 61), 2.25 times fewer.
 *
 * The same kernel runs the input delta of a 3 x 3, stride-1 layer (seed 004 eq. 74): dX is the convolution of dY,
 * padded by 2 - p, with the kernels rotated by 180 degrees and their maps and channels swapped. `transposed` says
 * that the geometry at g is that convolution and that weightsT is the forward layer's (whose O is this C).
 *
 * Workers split the tiles; each transforms the kernels into its own scratch, then runs its tiles in chunks: input
 * transform, 16 GEMMs on one thread, output transform.
 */
import { GEMM_WORK_FLOATS, sgemm } from "./gemm";
import { C, H, N, O, OH, OW, PH, PW, W, field } from "./geometry";
import { shareLo, sum } from "./simd";

/** Tiles per chunk: V (16 C T) and M (16 O T) together about 2^17 floats, a multiple of 8, at least 8. */
function chunkTiles(g: usize): i32 {
  const perTile = 16 * (field(g, C) + field(g, O));
  return max(8, (((1 << 18) / perTile) >> 3) << 3);
}

/** One worker's scratch: GEMM packing, U (16 O C), V (16 C T), M (16 O T) and one padded sample. */
export function winogradWorkFloats(g: usize): i32 {
  const t = chunkTiles(g);
  const c = field(g, C);
  const o = field(g, O);
  return (
    GEMM_WORK_FLOATS +
    16 * o * c +
    16 * tilePlane(c, t) +
    16 * tilePlane(o, t) +
    c * paddedHeight(g) * paddedWidth(g)
  );
}

/**
 * The floats from one position's plane of V (or M) to the next: rows x chunk and one cache line more. Planes a power
 * of two apart (64 x 128 floats, 32 KiB) fall in the same cache set, and the 16 stores of a tile's transform then
 * evict each other (the transforms took 10.4 of 37.7 ms, one thread, the bench's 64->64 3x3).
 */
function tilePlane(rows: i32, chunk: i32): i32 {
  return rows * chunk + 16;
}

/** The padded sample's rows: two per row of tiles, and two more for the last tiles' reach. */
function paddedHeight(g: usize): i32 {
  return 2 * ((field(g, OH) + 1) >> 1) + 2;
}

/** The padded sample's row length: two per tile, and two more for the last four tiles' vector loads. */
function paddedWidth(g: usize): i32 {
  return 2 * ((field(g, OW) + 1) >> 1) + 2;
}

export function convWinograd(
  g: usize,
  x: usize,
  weightsT: usize,
  bias: usize,
  transposed: bool,
  y: usize,
  work: usize,
  workStride: i32,
  thread: i32,
  threads: i32,
): void {
  const scratch = work + <usize>thread * workStride;
  const channels = field(g, C);
  const o = field(g, O);
  const outHeight = field(g, OH);
  const outWidth = field(g, OW);
  const tilesHigh = (outHeight + 1) >> 1;
  const tilesWide = (outWidth + 1) >> 1;
  const perImage = tilesHigh * tilesWide;
  const total = field(g, N) * perImage;
  const chunk = chunkTiles(g);
  const u = scratch + ((<usize>GEMM_WORK_FLOATS) << 2);
  const v = u + ((<usize>(16 * o * channels)) << 2);
  const m = v + ((<usize>(16 * tilePlane(channels, chunk))) << 2);
  const padded = m + ((<usize>(16 * tilePlane(o, chunk))) << 2);
  const first = shareLo(total, thread, threads);
  const end = shareLo(total, thread + 1, threads);
  if (first >= end) return;
  transformKernels(weightsT, o, channels, transposed, u);
  for (let t0 = first; t0 < end; t0 += chunk) {
    const count = min(chunk, end - t0);
    transformTiles(g, x, padded, t0, count, chunk, tilesWide, perImage, v);
    for (let xi = 0; xi < 16; xi++) {
      sgemm(
        false,
        false,
        o,
        count,
        channels,
        u + ((<usize>(xi * o * channels)) << 2),
        channels,
        v + ((<usize>(xi * tilePlane(channels, chunk))) << 2),
        chunk,
        false,
        m + ((<usize>(xi * tilePlane(o, chunk))) << 2),
        chunk,
        scratch,
      );
    }
    transformOutputs(g, m, bias, t0, count, chunk, tilesWide, perImage, y);
  }
}

/**
 * U_xi[o, c] = (G g_oc G^T)[xi] for the O x C kernels of the convolution. weightsT is R x O' row-major with row
 * r = u + 3 (v + 3 c') and entry (r, o') = w[o', c', u, v]; `transposed`: this convolution's (o, c) is the layer's
 * (o' = c, c' = o) with the kernel rotated, g_oc[u, v] = w[c, o, 2 - u, 2 - v].
 */
function transformKernels(weightsT: usize, o: i32, channels: i32, transposed: bool, u: usize): void {
  const columns = transposed ? channels : o;
  const plane = <usize>(o * channels);
  for (let map = 0; map < o; map++) {
    for (let c = 0; c < channels; c++) {
      // g[a][b] for a, b in 0..2: the kernel entry at row a, column b.
      const g00 = kernelAt(weightsT, columns, transposed, map, c, 0, 0);
      const g01 = kernelAt(weightsT, columns, transposed, map, c, 0, 1);
      const g02 = kernelAt(weightsT, columns, transposed, map, c, 0, 2);
      const g10 = kernelAt(weightsT, columns, transposed, map, c, 1, 0);
      const g11 = kernelAt(weightsT, columns, transposed, map, c, 1, 1);
      const g12 = kernelAt(weightsT, columns, transposed, map, c, 1, 2);
      const g20 = kernelAt(weightsT, columns, transposed, map, c, 2, 0);
      const g21 = kernelAt(weightsT, columns, transposed, map, c, 2, 1);
      const g22 = kernelAt(weightsT, columns, transposed, map, c, 2, 2);
      // T = G g (4 x 3), one column b at a time.
      const t00 = g00;
      const t10: f32 = 0.5 * (g00 + g10 + g20);
      const t20: f32 = 0.5 * (g00 - g10 + g20);
      const t30 = g20;
      const t01 = g01;
      const t11: f32 = 0.5 * (g01 + g11 + g21);
      const t21: f32 = 0.5 * (g01 - g11 + g21);
      const t31 = g21;
      const t02 = g02;
      const t12: f32 = 0.5 * (g02 + g12 + g22);
      const t22: f32 = 0.5 * (g02 - g12 + g22);
      const t32 = g22;
      // U = T G^T (4 x 4), row by row.
      const at = u + ((<usize>(map * channels + c)) << 2);
      kernelRow(at, plane, 0, t00, t01, t02);
      kernelRow(at, plane, 4, t10, t11, t12);
      kernelRow(at, plane, 8, t20, t21, t22);
      kernelRow(at, plane, 12, t30, t31, t32);
    }
  }
}

function kernelAt(
  weightsT: usize,
  columns: i32,
  transposed: bool,
  map: i32,
  c: i32,
  row: i32,
  column: i32,
): f32 {
  const r = transposed ? 2 - row + 3 * (2 - column + 3 * map) : row + 3 * (column + 3 * c);
  return load<f32>(weightsT + ((<usize>(r * columns + (transposed ? c : map))) << 2));
}

/** Row a of U = T G^T from row a of T: positions xi = 4a .. 4a + 3, each plane `plane` floats apart. */
function kernelRow(at: usize, plane: usize, xi: i32, a: f32, b: f32, c: f32): void {
  const step = plane << 2;
  const base = at + <usize>xi * step;
  store<f32>(base, a);
  store<f32>(base + step, 0.5 * (a + b + c));
  store<f32>(base + 2 * step, 0.5 * (a - b + c));
  store<f32>(base + 3 * step, c);
}

/**
 * V_xi[c, k] = (B^T d B)[xi] for tiles t0 .. t0 + count - 1 (column k = t - t0 of V, `chunk` columns a row). Each
 * sample is first copied into `padded` with its zero padding, so that no tile needs a bounds check.
 */
function transformTiles(
  g: usize,
  x: usize,
  padded: usize,
  t0: i32,
  count: i32,
  chunk: i32,
  tilesWide: i32,
  perImage: i32,
  v: usize,
): void {
  const channels = field(g, C);
  const rows = paddedHeight(g);
  const width = paddedWidth(g);
  const plane = (<usize>(rows * width)) << 2;
  const next = (<usize>width) << 2;
  const step = (<usize>tilePlane(channels, chunk)) << 2;
  let current = -1;
  for (let k = 0; k < count; k++) {
    const t = t0 + k;
    const n = t / perImage;
    if (n != current) {
      padSample(g, x, n, rows, width, padded);
      current = n;
    }
    const within = t - n * perImage;
    const ty = within / tilesWide;
    const tx = within - ty * tilesWide;
    const corner = padded + ((<usize>(2 * ty * width + 2 * tx)) << 2);
    // Four tiles side by side: one vector per tile entry, lanes over the four tiles.
    if (k + 4 <= count && tx + 4 <= tilesWide) {
      transformFourTiles(corner, plane, next, channels, chunk, v + ((<usize>k) << 2), step);
      k += 3;
      continue;
    }
    for (let c = 0; c < channels; c++) {
      const row = corner + <usize>c * plane;
      const r1 = row + next;
      const r2 = row + 2 * next;
      const r3 = row + 3 * next;
      // The tile's rows times B^T on the left: d0 - d2, d1 + d2, d2 - d1, d1 - d3; then B on the right.
      const d00 = load<f32>(row);
      const d01 = load<f32>(row, 4);
      const d02 = load<f32>(row, 8);
      const d03 = load<f32>(row, 12);
      const d10 = load<f32>(r1);
      const d11 = load<f32>(r1, 4);
      const d12 = load<f32>(r1, 8);
      const d13 = load<f32>(r1, 12);
      const d20 = load<f32>(r2);
      const d21 = load<f32>(r2, 4);
      const d22 = load<f32>(r2, 8);
      const d23 = load<f32>(r2, 12);
      const d30 = load<f32>(r3);
      const d31 = load<f32>(r3, 4);
      const d32 = load<f32>(r3, 8);
      const d33 = load<f32>(r3, 12);
      const at = v + ((<usize>(c * chunk + k)) << 2);
      tileRow(at, step, 0, d00 - d20, d01 - d21, d02 - d22, d03 - d23);
      tileRow(at, step, 4, d10 + d20, d11 + d21, d12 + d22, d13 + d23);
      tileRow(at, step, 8, d20 - d10, d21 - d11, d22 - d12, d23 - d13);
      tileRow(at, step, 12, d10 - d30, d11 - d31, d12 - d32, d13 - d33);
    }
  }
}

/** Sample n of x into `padded` (rows x width per channel): x[c, i, j] at (i + ph, j + pw), zeros elsewhere. */
function padSample(g: usize, x: usize, n: i32, rows: i32, width: i32, padded: usize): void {
  const channels = field(g, C);
  const height = field(g, H);
  const inWidth = field(g, W);
  const ph = field(g, PH);
  const pw = field(g, PW);
  memory.fill(padded, 0, (<usize>(channels * rows * width)) << 2);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < height; i++) {
      memory.copy(
        padded + ((<usize>((c * rows + i + ph) * width + pw)) << 2),
        x + ((<usize>(((n * channels + c) * height + i) * inWidth)) << 2),
        (<usize>inWidth) << 2,
      );
    }
  }
}

/**
 * transformTiles for four tiles side by side, every channel: `row` is the first tile's top-left input of channel 0,
 * channels `plane` bytes apart, rows `next` bytes apart; the results go to V at `at`, lanes over the four tiles.
 */
function transformFourTiles(
  row: usize,
  plane: usize,
  next: usize,
  channels: i32,
  chunk: i32,
  at: usize,
  step: usize,
): void {
  const channelStep = (<usize>chunk) << 2;
  for (let c = 0; c < channels; c++) {
    // Entry (r, k) of tile q is x[r, 2q + k]: the even and odd lanes of two loads from column 0 (k = 0, 1), and of
    // two from column 2 (k = 2, 3).
    const r1 = row + next;
    const r2 = row + 2 * next;
    const r3 = row + 3 * next;
    const a0 = evens(row);
    const b0 = odds(row);
    const c0 = evens(row + 8);
    const d0 = odds(row + 8);
    const a1 = evens(r1);
    const b1 = odds(r1);
    const c1 = evens(r1 + 8);
    const d1 = odds(r1 + 8);
    const a2 = evens(r2);
    const b2 = odds(r2);
    const c2 = evens(r2 + 8);
    const d2 = odds(r2 + 8);
    const a3 = evens(r3);
    const b3 = odds(r3);
    const c3 = evens(r3 + 8);
    const d3 = odds(r3 + 8);
    row += plane;
    const target = at + <usize>c * channelStep;
    vectorTileRow(
      target,
      step,
      0,
      f32x4.sub(a0, a2),
      f32x4.sub(b0, b2),
      f32x4.sub(c0, c2),
      f32x4.sub(d0, d2),
    );
    vectorTileRow(
      target,
      step,
      4,
      f32x4.add(a1, a2),
      f32x4.add(b1, b2),
      f32x4.add(c1, c2),
      f32x4.add(d1, d2),
    );
    vectorTileRow(
      target,
      step,
      8,
      f32x4.sub(a2, a1),
      f32x4.sub(b2, b1),
      f32x4.sub(c2, c1),
      f32x4.sub(d2, d1),
    );
    vectorTileRow(
      target,
      step,
      12,
      f32x4.sub(a1, a3),
      f32x4.sub(b1, b3),
      f32x4.sub(c1, c3),
      f32x4.sub(d1, d3),
    );
  }
}

/** The floats at byte offsets 0, 8, 16 and 24 from `at`: every second float of eight. */
function evens(at: usize): v128 {
  return i32x4.shuffle(v128.load(at), v128.load(at, 16), 0, 2, 4, 6);
}

/** The floats at byte offsets 4, 12, 20 and 28 from `at`. */
function odds(at: usize): v128 {
  return i32x4.shuffle(v128.load(at), v128.load(at, 16), 1, 3, 5, 7);
}

/** tileRow with lanes over four tiles. */
function vectorTileRow(at: usize, step: usize, xi: i32, a: v128, b: v128, c: v128, d: v128): void {
  const base = at + <usize>xi * step;
  v128.store(base, f32x4.sub(a, c));
  v128.store(base + step, f32x4.add(b, c));
  v128.store(base + 2 * step, f32x4.sub(c, b));
  v128.store(base + 3 * step, f32x4.sub(b, d));
}

/** Row a of B^T d B from row a of B^T d, times B on the right: positions xi .. xi + 3, `step` bytes apart. */
function tileRow(at: usize, step: usize, xi: i32, a: f32, b: f32, c: f32, d: f32): void {
  const base = at + <usize>xi * step;
  store<f32>(base, a - c);
  store<f32>(base + step, b + c);
  store<f32>(base + 2 * step, c - b);
  store<f32>(base + 3 * step, b - d);
}

/** y's 2 x 2 blocks under tiles t0 .. t0 + count - 1: A^T M A plus the bias (none when bias is 0). */
function transformOutputs(
  g: usize,
  mm: usize,
  bias: usize,
  t0: i32,
  count: i32,
  chunk: i32,
  tilesWide: i32,
  perImage: i32,
  y: usize,
): void {
  const o = field(g, O);
  const outHeight = field(g, OH);
  const outWidth = field(g, OW);
  const step = (<usize>tilePlane(o, chunk)) << 2;
  for (let map = 0; map < o; map++) {
    const b: f32 = bias == 0 ? 0 : load<f32>(bias + ((<usize>map) << 2));
    const bv = f32x4.splat(b);
    for (let k = 0; k < count; k++) {
      const t = t0 + k;
      const n = t / perImage;
      const within = t - n * perImage;
      const ty = within / tilesWide;
      const tx = within - ty * tilesWide;
      const i = 2 * ty;
      const j = 2 * tx;
      if (k + 4 <= count && tx + 4 <= tilesWide && j + 8 <= outWidth && i + 2 <= outHeight) {
        const out = y + ((<usize>(((n * o + map) * outHeight + i) * outWidth + j)) << 2);
        fourOutputs(mm + ((<usize>(map * chunk + k)) << 2), step, bv, out, (<usize>outWidth) << 2);
        k += 3;
        continue;
      }
      const at = mm + ((<usize>(map * chunk + k)) << 2);
      // A^T M: rows s0 = m0 + m1 + m2, s1 = m1 - m2 - m3 of each column.
      const m00 = load<f32>(at);
      const m01 = load<f32>(at + step);
      const m02 = load<f32>(at + 2 * step);
      const m03 = load<f32>(at + 3 * step);
      const m10 = load<f32>(at + 4 * step);
      const m11 = load<f32>(at + 5 * step);
      const m12 = load<f32>(at + 6 * step);
      const m13 = load<f32>(at + 7 * step);
      const m20 = load<f32>(at + 8 * step);
      const m21 = load<f32>(at + 9 * step);
      const m22 = load<f32>(at + 10 * step);
      const m23 = load<f32>(at + 11 * step);
      const m30 = load<f32>(at + 12 * step);
      const m31 = load<f32>(at + 13 * step);
      const m32 = load<f32>(at + 14 * step);
      const m33 = load<f32>(at + 15 * step);
      const s00 = m00 + m10 + m20;
      const s01 = m01 + m11 + m21;
      const s02 = m02 + m12 + m22;
      const s03 = m03 + m13 + m23;
      const s10 = m10 - m20 - m30;
      const s11 = m11 - m21 - m31;
      const s12 = m12 - m22 - m32;
      const s13 = m13 - m23 - m33;
      const out = y + ((<usize>(((n * o + map) * outHeight + i) * outWidth + j)) << 2);
      const right = j + 1 < outWidth;
      store<f32>(out, s00 + s01 + s02 + b);
      if (right) store<f32>(out, s01 - s02 - s03 + b, 4);
      if (i + 1 < outHeight) {
        const below = out + ((<usize>outWidth) << 2);
        store<f32>(below, s10 + s11 + s12 + b);
        if (right) store<f32>(below, s11 - s12 - s13 + b, 4);
      }
    }
  }
}

/** transformOutputs for four tiles side by side (lanes over the tiles): two rows of eight outputs at `out`. */
function fourOutputs(at: usize, step: usize, bias: v128, out: usize, next: usize): void {
  const m00 = v128.load(at);
  const m01 = v128.load(at + step);
  const m02 = v128.load(at + 2 * step);
  const m03 = v128.load(at + 3 * step);
  const m10 = v128.load(at + 4 * step);
  const m11 = v128.load(at + 5 * step);
  const m12 = v128.load(at + 6 * step);
  const m13 = v128.load(at + 7 * step);
  const m20 = v128.load(at + 8 * step);
  const m21 = v128.load(at + 9 * step);
  const m22 = v128.load(at + 10 * step);
  const m23 = v128.load(at + 11 * step);
  const m30 = v128.load(at + 12 * step);
  const m31 = v128.load(at + 13 * step);
  const m32 = v128.load(at + 14 * step);
  const m33 = v128.load(at + 15 * step);
  const s00 = f32x4.add(f32x4.add(m00, m10), m20);
  const s01 = f32x4.add(f32x4.add(m01, m11), m21);
  const s02 = f32x4.add(f32x4.add(m02, m12), m22);
  const s03 = f32x4.add(f32x4.add(m03, m13), m23);
  const s10 = f32x4.sub(f32x4.sub(m10, m20), m30);
  const s11 = f32x4.sub(f32x4.sub(m11, m21), m31);
  const s12 = f32x4.sub(f32x4.sub(m12, m22), m32);
  const s13 = f32x4.sub(f32x4.sub(m13, m23), m33);
  // Left and right outputs of each tile, interleaved into the row: tile q's pair lands at 2q, 2q + 1.
  const left0 = f32x4.add(f32x4.add(f32x4.add(s00, s01), s02), bias);
  const right0 = f32x4.add(f32x4.sub(f32x4.sub(s01, s02), s03), bias);
  const left1 = f32x4.add(f32x4.add(f32x4.add(s10, s11), s12), bias);
  const right1 = f32x4.add(f32x4.sub(f32x4.sub(s11, s12), s13), bias);
  v128.store(out, i32x4.shuffle(left0, right0, 0, 4, 1, 5));
  v128.store(out, i32x4.shuffle(left0, right0, 2, 6, 3, 7), 16);
  v128.store(out + next, i32x4.shuffle(left1, right1, 0, 4, 1, 5));
  v128.store(out + next, i32x4.shuffle(left1, right1, 2, 6, 3, 7), 16);
}

/**
 * The filter gradient of a 3 x 3, stride-1 layer by F(3x3, 2x2), the transpose of F(2x2, 3x3) (Lavin and Gray): each 2 x 2 block g of dY meets the 4 x 4 input tile d under it, and its part of dW_oc is
 *
 *   G^T [ (A g A^T) .* (B^T d B) ] G,
 *
 * with the matrices of the forward pass (A is 4 x 2, G 4 x 3). Summed over tiles before the last transform, the work is
 * 16 GEMMs M_xi += DY_xi V_xi^T of O x tiles x C, 16 multiply-adds per tile, map and channel instead of 36 (seed 004
 * eq. 79). db_o is the sum of the blocks, position 5 of A g A^T. Each worker sums its tiles into its own M, transforms
 * it into a partial [dW^T as R x O; db] (the layout of conv.ts's partial), and the caller adds the partials.
 */
export function winogradFilterWorkFloats(g: usize): i32 {
  return winogradWorkFloats(g) + 9 * field(g, C) * field(g, O) + field(g, O);
}

/** Where a worker's partial [dW^T; db] starts in its scratch, in bytes. */
export function winogradFilterPartialOffset(g: usize): i32 {
  return winogradWorkFloats(g) << 2;
}

export function convWinogradFilter(
  g: usize,
  x: usize,
  dy: usize,
  work: usize,
  workStride: i32,
  thread: i32,
  threads: i32,
): void {
  const scratch = work + <usize>thread * workStride;
  const channels = field(g, C);
  const o = field(g, O);
  const tilesHigh = (field(g, OH) + 1) >> 1;
  const tilesWide = (field(g, OW) + 1) >> 1;
  const perImage = tilesHigh * tilesWide;
  const total = field(g, N) * perImage;
  const chunk = chunkTiles(g);
  const mm = scratch + ((<usize>GEMM_WORK_FLOATS) << 2);
  const v = mm + ((<usize>(16 * o * channels)) << 2);
  const deltas = v + ((<usize>(16 * tilePlane(channels, chunk))) << 2);
  const padded = deltas + ((<usize>(16 * tilePlane(o, chunk))) << 2);
  const partial = scratch + <usize>winogradFilterPartialOffset(g);
  const biasPartial = partial + ((<usize>(9 * channels * o)) << 2);
  memory.fill(mm, 0, (<usize>(16 * o * channels)) << 2);
  memory.fill(partial, 0, (<usize>(9 * channels * o + o)) << 2);
  const first = shareLo(total, thread, threads);
  const end = shareLo(total, thread + 1, threads);
  const deltaPlane = (<usize>tilePlane(o, chunk)) << 2;
  for (let t0 = first; t0 < end; t0 += chunk) {
    const count = min(chunk, end - t0);
    transformTiles(g, x, padded, t0, count, chunk, tilesWide, perImage, v);
    transformDeltas(g, dy, t0, count, chunk, tilesWide, perImage, deltas);
    for (let map = 0; map < o; map++) {
      const target = biasPartial + ((<usize>map) << 2);
      const blockSums = deltas + 5 * deltaPlane + ((<usize>(map * chunk)) << 2);
      store<f32>(target, load<f32>(target) + sum(blockSums, count));
    }
    for (let xi = 0; xi < 16; xi++) {
      sgemm(
        false,
        true,
        o,
        channels,
        count,
        deltas + <usize>xi * deltaPlane,
        chunk,
        v + ((<usize>(xi * tilePlane(channels, chunk))) << 2),
        chunk,
        true,
        mm + ((<usize>(xi * o * channels)) << 2),
        channels,
        scratch,
      );
    }
  }
  // dW_oc = G^T M_oc G into the partial's row u + 3 (v + 3 c), column o.
  const plane = (<usize>(o * channels)) << 2;
  for (let map = 0; map < o; map++) {
    for (let c = 0; c < channels; c++) {
      const at = mm + ((<usize>(map * channels + c)) << 2);
      // G^T on the left, column by column: r0 = m0 + (m1 + m2) / 2, r1 = (m1 - m2) / 2, r2 = (m1 + m2) / 2 + m3.
      let r00: f32, r01: f32, r02: f32, r03: f32;
      let r10: f32, r11: f32, r12: f32, r13: f32;
      let r20: f32, r21: f32, r22: f32, r23: f32;
      {
        const m0 = load<f32>(at);
        const m1 = load<f32>(at + 4 * plane);
        const m2 = load<f32>(at + 8 * plane);
        const m3 = load<f32>(at + 12 * plane);
        r00 = m0 + 0.5 * (m1 + m2);
        r10 = 0.5 * (m1 - m2);
        r20 = 0.5 * (m1 + m2) + m3;
      }
      {
        const m0 = load<f32>(at + plane);
        const m1 = load<f32>(at + 5 * plane);
        const m2 = load<f32>(at + 9 * plane);
        const m3 = load<f32>(at + 13 * plane);
        r01 = m0 + 0.5 * (m1 + m2);
        r11 = 0.5 * (m1 - m2);
        r21 = 0.5 * (m1 + m2) + m3;
      }
      {
        const m0 = load<f32>(at + 2 * plane);
        const m1 = load<f32>(at + 6 * plane);
        const m2 = load<f32>(at + 10 * plane);
        const m3 = load<f32>(at + 14 * plane);
        r02 = m0 + 0.5 * (m1 + m2);
        r12 = 0.5 * (m1 - m2);
        r22 = 0.5 * (m1 + m2) + m3;
      }
      {
        const m0 = load<f32>(at + 3 * plane);
        const m1 = load<f32>(at + 7 * plane);
        const m2 = load<f32>(at + 11 * plane);
        const m3 = load<f32>(at + 15 * plane);
        r03 = m0 + 0.5 * (m1 + m2);
        r13 = 0.5 * (m1 - m2);
        r23 = 0.5 * (m1 + m2) + m3;
      }
      // Then G on the right, row u by row u.
      filterRow(partial, o, map, c, 0, r00, r01, r02, r03);
      filterRow(partial, o, map, c, 1, r10, r11, r12, r13);
      filterRow(partial, o, map, c, 2, r20, r21, r22, r23);
    }
  }
}

/** Row u of G^T M G from row u of G^T M: dW[map, c, u, v] for v = 0..2, at row u + 3 (v + 3 c) of the partial. */
function filterRow(partial: usize, o: i32, map: i32, c: i32, u: i32, a: f32, b: f32, cc: f32, d: f32): void {
  const half: f32 = 0.5 * (b + cc);
  // Rows r = u + 3 (v + 3 c) for v = 0, 1, 2 lie 3 rows of O apart.
  const at = partial + ((<usize>((u + 9 * c) * o + map)) << 2);
  const step = (<usize>(3 * o)) << 2;
  store<f32>(at, a + half);
  store<f32>(at + step, 0.5 * (b - cc));
  store<f32>(at + 2 * step, half + d);
}

/**
 * DY_xi[o, k] = (A g A^T)[xi] for the 2 x 2 blocks g of dy under tiles t0 .. t0 + count - 1 (zeros past the output's
 * edge): the rows of A g are g0, g0 + g1, g0 - g1, -g1, and each row (p, q) times A^T is (p, p + q, p - q, -q).
 */
function transformDeltas(
  g: usize,
  dy: usize,
  t0: i32,
  count: i32,
  chunk: i32,
  tilesWide: i32,
  perImage: i32,
  deltas: usize,
): void {
  const o = field(g, O);
  const outHeight = field(g, OH);
  const outWidth = field(g, OW);
  const step = (<usize>tilePlane(o, chunk)) << 2;
  const next = (<usize>outWidth) << 2;
  const mapBytes = (<usize>(outHeight * outWidth)) << 2;
  for (let k = 0; k < count; k++) {
    const t = t0 + k;
    const n = t / perImage;
    const within = t - n * perImage;
    const ty = within / tilesWide;
    const tx = within - ty * tilesWide;
    const i = 2 * ty;
    const j = 2 * tx;
    const block = dy + ((<usize>((n * o * outHeight + i) * outWidth + j)) << 2);
    if (k + 4 <= count && tx + 4 <= tilesWide && j + 8 <= outWidth && i + 2 <= outHeight) {
      // Four blocks side by side, lanes over the blocks: the even and odd columns of two rows of eight.
      for (let map = 0; map < o; map++) {
        const row = block + <usize>map * mapBytes;
        const lo0 = v128.load(row);
        const hi0 = v128.load(row, 16);
        const lo1 = v128.load(row + next);
        const hi1 = v128.load(row + next, 16);
        const g00 = i32x4.shuffle(lo0, hi0, 0, 2, 4, 6);
        const g01 = i32x4.shuffle(lo0, hi0, 1, 3, 5, 7);
        const g10 = i32x4.shuffle(lo1, hi1, 0, 2, 4, 6);
        const g11 = i32x4.shuffle(lo1, hi1, 1, 3, 5, 7);
        const at = deltas + ((<usize>(map * chunk + k)) << 2);
        deltaRow(at, step, 0, g00, g01);
        deltaRow(at, step, 4, f32x4.add(g00, g10), f32x4.add(g01, g11));
        deltaRow(at, step, 8, f32x4.sub(g00, g10), f32x4.sub(g01, g11));
        deltaRow(at, step, 12, f32x4.neg(g10), f32x4.neg(g11));
      }
      k += 3;
      continue;
    }
    const right = j + 1 < outWidth;
    const below = i + 1 < outHeight;
    for (let map = 0; map < o; map++) {
      const row = block + <usize>map * mapBytes;
      const g00 = load<f32>(row);
      const g01: f32 = right ? load<f32>(row, 4) : 0;
      const g10: f32 = below ? load<f32>(row + next) : 0;
      const g11: f32 = right && below ? load<f32>(row + next, 4) : 0;
      const at = deltas + ((<usize>(map * chunk + k)) << 2);
      deltaRowScalar(at, step, 0, g00, g01);
      deltaRowScalar(at, step, 4, g00 + g10, g01 + g11);
      deltaRowScalar(at, step, 8, g00 - g10, g01 - g11);
      deltaRowScalar(at, step, 12, -g10, -g11);
    }
  }
}

/** Row a of A g A^T from row a of A g, (p, q): positions xi .. xi + 3, `step` bytes apart; lanes over four blocks. */
function deltaRow(at: usize, step: usize, xi: i32, p: v128, q: v128): void {
  const base = at + <usize>xi * step;
  v128.store(base, p);
  v128.store(base + step, f32x4.add(p, q));
  v128.store(base + 2 * step, f32x4.sub(p, q));
  v128.store(base + 3 * step, f32x4.neg(q));
}

function deltaRowScalar(at: usize, step: usize, xi: i32, p: f32, q: f32): void {
  const base = at + <usize>xi * step;
  store<f32>(base, p);
  store<f32>(base + step, p + q);
  store<f32>(base + 2 * step, p - q);
  store<f32>(base + 3 * step, -q);
}
