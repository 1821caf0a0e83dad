/**
 * A convolution's geometry, thirteen i32 at address g, written by the loader (core/src/backend/wasm/conv.ts):
 * N, C (d_in), H, W, O (d_out), kh, kw, sh, sw, ph, pw, OH (a_out), OW (b_out). Tensors are NCHW (core/src/tensor.ts);
 * weights are W^T, R x O row-major with patch row r = u + kh (v + kw c), which is vec(W) of seed 001 for a full
 * connection table.
 */

export function field(g: usize, index: i32): i32 {
  return load<i32>(g + ((<usize>index) << 2));
}

export const N = 0;
export const C = 1;
export const H = 2;
export const W = 3;
export const O = 4;
export const KH = 5;
export const KW = 6;
export const SH = 7;
export const SW = 8;
export const PH = 9;
export const PW = 10;
export const OH = 11;
export const OW = 12;

/** R = kh kw C, the rows of phi(pad(Z)) (seed 001). */
export function patchRows(g: usize): i32 {
  return field(g, KH) * field(g, KW) * field(g, C);
}

/** Output rows handled per GEMM: about 256k floats of im2col columns, at least one row. */
export function chunkRows(g: usize): i32 {
  const perRow = patchRows(g) * field(g, OW);
  return max(1, (1 << 18) / perRow);
}

/** The first output column j with 0 <= j s + v - p (clamped to [0, OW]). */
export function firstColumn(v: i32, pad: i32, stride: i32, outWidth: i32): i32 {
  return min(outWidth, max(0, (pad - v + stride - 1) / stride));
}

/** One past the last output column j with j s + v - p < width (at least `lo`). */
export function lastColumn(v: i32, pad: i32, stride: i32, width: i32, outWidth: i32, lo: i32): i32 {
  const reach = width - 1 + pad - v;
  return reach < 0 ? lo : max(lo, min(outWidth, reach / stride + 1));
}
