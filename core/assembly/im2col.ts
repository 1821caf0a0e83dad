/**
 * im2col over a range of "global" output rows g = n OH + i (sample n, output row i): cols is R x Q row-major with
 * Q = (g1 - g0) OW columns, column (g - g0) OW + j holding output position (i, j) of sample n, and row
 * r = u + kh (v + kw c) (seed 001's phi(pad(Z)); core/src/matrix/im2col.ts is the reference). col2im is its adjoint.
 */
import { C, H, KH, KW, OH, OW, PH, PW, SH, SW, W, field, firstColumn, lastColumn } from "./geometry";

export function im2colRows(g: usize, x: usize, g0: i32, g1: i32, cols: usize): void {
  const channels = field(g, C);
  const height = field(g, H);
  const width = field(g, W);
  const kh = field(g, KH);
  const kw = field(g, KW);
  const sh = field(g, SH);
  const sw = field(g, SW);
  const ph = field(g, PH);
  const pw = field(g, PW);
  const outHeight = field(g, OH);
  const outWidth = field(g, OW);
  const q = (g1 - g0) * outWidth;
  const plane = height * width;
  for (let c = 0; c < channels; c++) {
    for (let v = 0; v < kw; v++) {
      const j0 = firstColumn(v, pw, sw, outWidth);
      const j1 = lastColumn(v, pw, sw, width, outWidth, j0);
      for (let u = 0; u < kh; u++) {
        // Walk the output rows as (sample n, row i) pairs, without a division per row.
        const n = g0 / outHeight;
        let i = g0 - n * outHeight;
        let channelPlane = x + ((<usize>((n * channels + c) * plane)) << 2);
        let out = cols + ((<usize>((u + kh * (v + kw * c)) * q)) << 2);
        for (let row = g0; row < g1; row++) {
          const sourceRow = i * sh + u - ph;
          if (sourceRow < 0 || sourceRow >= height) {
            zero(out, 0, outWidth);
          } else {
            zero(out, 0, j0);
            const source = channelPlane + ((<usize>(sourceRow * width + j0 * sw + v - pw)) << 2);
            if (sw == 1) {
              copy(out + ((<usize>j0) << 2), source, j1 - j0);
            } else {
              for (let j = j0; j < j1; j++) {
                store<f32>(out + ((<usize>j) << 2), load<f32>(source + ((<usize>((j - j0) * sw)) << 2)));
              }
            }
            zero(out, j1, outWidth);
          }
          out += (<usize>outWidth) << 2;
          if (++i == outHeight) {
            i = 0;
            channelPlane += (<usize>(channels * plane)) << 2;
          }
        }
      }
    }
  }
}

/**
 * dx += phi^T(dcols) for channels c0..c1-1: dcols holds only those channels' rows (row r - c0 kh kw), with the
 * column layout of im2colRows.
 */
export function col2imRows(g: usize, dcols: usize, g0: i32, g1: i32, c0: i32, c1: i32, dx: usize): void {
  const channels = field(g, C);
  const height = field(g, H);
  const width = field(g, W);
  const kh = field(g, KH);
  const kw = field(g, KW);
  const sh = field(g, SH);
  const sw = field(g, SW);
  const ph = field(g, PH);
  const pw = field(g, PW);
  const outHeight = field(g, OH);
  const outWidth = field(g, OW);
  const q = (g1 - g0) * outWidth;
  const plane = height * width;
  for (let c = c0; c < c1; c++) {
    for (let v = 0; v < kw; v++) {
      const j0 = firstColumn(v, pw, sw, outWidth);
      const j1 = lastColumn(v, pw, sw, width, outWidth, j0);
      for (let u = 0; u < kh; u++) {
        const n0 = g0 / outHeight;
        let i = g0 - n0 * outHeight;
        let channelPlane = dx + ((<usize>((n0 * channels + c) * plane)) << 2);
        let from = dcols + ((<usize>((u + kh * (v + kw * (c - c0))) * q)) << 2);
        for (let row = g0; row < g1; row++, from += (<usize>outWidth) << 2) {
          const sourceRow = i * sh + u - ph;
          const plane0 = channelPlane;
          if (++i == outHeight) {
            i = 0;
            channelPlane += (<usize>(channels * plane)) << 2;
          }
          if (sourceRow < 0 || sourceRow >= height) continue;
          const target = plane0 + ((<usize>(sourceRow * width + j0 * sw + v - pw)) << 2);
          if (sw == 1) {
            let j = j0;
            for (; j + 4 <= j1; j += 4) {
              const t = target + ((<usize>(j - j0)) << 2);
              v128.store(t, f32x4.add(v128.load(t), v128.load(from + ((<usize>j) << 2))));
            }
            for (; j < j1; j++) {
              const t = target + ((<usize>(j - j0)) << 2);
              store<f32>(t, load<f32>(t) + load<f32>(from + ((<usize>j) << 2)));
            }
          } else {
            for (let j = j0; j < j1; j++) {
              const t = target + ((<usize>((j - j0) * sw)) << 2);
              store<f32>(t, load<f32>(t) + load<f32>(from + ((<usize>j) << 2)));
            }
          }
        }
      }
    }
  }
}

/** Zeroes floats from..to-1 at `row` (rows are short: plain stores beat a bulk-memory call). */
function zero(row: usize, from: i32, to: i32): void {
  let j = from;
  for (; j + 4 <= to; j += 4) v128.store(row + ((<usize>j) << 2), f32x4.splat(0));
  for (; j < to; j++) store<f32>(row + ((<usize>j) << 2), 0);
}

/** Copies `count` floats. */
export function copy(target: usize, source: usize, count: i32): void {
  let j = 0;
  for (; j + 4 <= count; j += 4) {
    const offset = (<usize>j) << 2;
    v128.store(target + offset, v128.load(source + offset));
  }
  for (; j < count; j++) {
    const offset = (<usize>j) << 2;
    store<f32>(target + offset, load<f32>(source + offset));
  }
}
