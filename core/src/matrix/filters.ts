/**
 * The classic 3x3 image filters of seed 003's table ("Convolution of images"), applied there as
 * (I * K)(i, j) = sum_m sum_n I(i + m, j + n) K(m, n) — the correlation of seed 004 eq. 61.
 */

export interface ClassicFilter {
  readonly name: string;
  /** The operation the filter performs, as seed 003's table names it. */
  readonly operation: "edge detection" | "sharpen" | "box blur" | "Gaussian blur";
  /** K, 3x3, row-major: kernel[3 m + n] = K(m, n). */
  readonly kernel: readonly number[];
}

export const CLASSIC_FILTERS: readonly ClassicFilter[] = [
  { name: "edge-diagonal", operation: "edge detection", kernel: [1, 0, -1, 0, 0, 0, -1, 0, 1] },
  { name: "edge-laplacian-4", operation: "edge detection", kernel: [0, 1, 0, 1, -4, 1, 0, 1, 0] },
  { name: "edge-laplacian-8", operation: "edge detection", kernel: [-1, -1, -1, -1, 8, -1, -1, -1, -1] },
  { name: "sharpen", operation: "sharpen", kernel: [0, -1, 0, -1, 5, -1, 0, -1, 0] },
  { name: "box-blur", operation: "box blur", kernel: [1, 1, 1, 1, 1, 1, 1, 1, 1].map((k) => k / 9) },
  {
    name: "gaussian-blur",
    operation: "Gaussian blur",
    kernel: [1, 2, 1, 2, 4, 2, 1, 2, 1].map((k) => k / 16),
  },
];

/**
 * A filter as the parameters [vec(W); b] of a one-filter, one-channel convolution: W is 1 x 9 with column
 * u + 3 v holding K(u, v) (seed 001's order), and b = 0.
 */
export function filterParams(filter: ClassicFilter): Float64Array {
  const params = new Float64Array(10);
  for (let u = 0; u < 3; u++) {
    for (let v = 0; v < 3; v++) params[u + 3 * v] = filter.kernel[3 * u + v];
  }
  return params;
}
