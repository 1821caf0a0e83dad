/** Data sets as plain typed arrays, so that any engine (CPU or GPU) can take them without copying. */

/**
 * Images in batch-major NCHW layout, row-major within an image (width fastest), with class labels. Fashion-MNIST
 * comes as Float32, the small synthetic sets as Float64; plain `ImageDataset` accepts either.
 */
export interface ImageDataset<Pixels extends Float32Array | Float64Array = Float32Array | Float64Array> {
  /** Pixel values, length N*C*H*W. */
  readonly images: Pixels;
  /** Class indices, length N. */
  readonly labels: Uint8Array;
  /** [N, C, H, W]. */
  readonly shape: readonly [number, number, number, number];
  readonly classNames: readonly string[];
}

/** Points in R^D, row-major [N, D], with class labels and, for regression-style losses, targets. */
export interface VectorDataset {
  /** Length N*D. */
  readonly inputs: Float64Array;
  /** Class indices, length N. */
  readonly labels: Uint8Array;
  /** [N, D]. */
  readonly shape: readonly [number, number];
  readonly classNames: readonly string[];
}

/**
 * One-hot rows [N, classCount]: row i has a 1 in column labels[i]. Float32 by default; pass Float64Array for
 * double precision.
 */
export function oneHot(labels: ArrayLike<number>, classCount: number): Float32Array;
export function oneHot(
  labels: ArrayLike<number>,
  classCount: number,
  ArrayType: Float64ArrayConstructor,
): Float64Array;
export function oneHot(
  labels: ArrayLike<number>,
  classCount: number,
  ArrayType: Float32ArrayConstructor | Float64ArrayConstructor = Float32Array,
): Float32Array | Float64Array {
  if (!Number.isInteger(classCount) || classCount < 1) {
    throw new Error(`oneHot: classCount must be a positive integer, got ${classCount}`);
  }
  const out = new ArrayType(labels.length * classCount);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classCount) {
      throw new Error(`oneHot: label ${label} at index ${i} is outside 0..${classCount - 1}`);
    }
    out[i * classCount + label] = 1;
  }
  return out;
}

/** How many examples of each class: counts[c] = #{i : labels[i] = c}. */
export function classCounts(labels: ArrayLike<number>, classCount: number): number[] {
  const counts = new Array<number>(classCount).fill(0);
  for (let i = 0; i < labels.length; i++) {
    counts[labels[i]]++;
  }
  return counts;
}
