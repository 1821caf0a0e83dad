/**
 * Tensors: typed-array storage with a shape.
 *
 * Memory layout. Batches are batch-major NCHW and row-major inside an image: element (n, c, h, w) of a tensor of
 * shape [N, C, H, W] lives at ((n * C + c) * H + h) * W + w, so the width index is fastest. A flat tensor [N, D]
 * keeps sample n at n * D .. n * D + D - 1. Per-sample shapes (the `Shape` of a layer's input or output) leave out N.
 *
 * The documents use another convention (seed 001): the input of a layer for sample i is the matrix
 * Z^{in,i} in R^{d x ab} whose column index runs over the a*b spatial positions with the first spatial index
 * (the row, of a rows) fastest, and vec(M) stacks the columns of M. So entry (c, h, w) of our image is
 * Z^{in,i}[c, h + a * w] and vec(Z^{in,i})[c + d * (h + a * w)]. `toDocumentVec` and `fromDocumentVec` convert
 * exactly between the two.
 */

/** Float32 for speed, Float64 for derivations and gradient checks; a model picks one. */
export type DType = "float32" | "float64";

export type FloatArray = Float32Array | Float64Array;

/** A per-sample shape: [C, H, W] for images, [D] for vectors. */
export type Shape = readonly number[];

/** Allocates a zeroed array of the given element type. */
export function allocate(dtype: DType, length: number): FloatArray {
  return dtype === "float32" ? new Float32Array(length) : new Float64Array(length);
}

/** The element type of an array. */
export function dtypeOf(array: FloatArray): DType {
  return array instanceof Float32Array ? "float32" : "float64";
}

/** The number of elements of a shape (1 for the empty shape). */
export function shapeSize(shape: Shape): number {
  let size = 1;
  for (const extent of shape) size *= extent;
  return size;
}

/** "[6, 28, 28]". */
export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((extent, i) => extent === b[i]);
}

/** True when every extent is a positive integer. */
export function isValidShape(shape: Shape): boolean {
  return shape.length > 0 && shape.every((extent) => Number.isInteger(extent) && extent > 0);
}

/** A batch of samples: `data` holds shape[0] samples of the per-sample shape shape.slice(1), NCHW. */
export class Tensor {
  readonly shape: Shape;
  readonly data: FloatArray;

  constructor(shape: Shape, data: FloatArray) {
    if (!isValidShape(shape)) {
      throw new RangeError(`Tensor: every extent must be a positive integer, got ${formatShape(shape)}`);
    }
    const size = shapeSize(shape);
    if (data.length !== size) {
      throw new RangeError(
        `Tensor: shape ${formatShape(shape)} needs ${size} elements, data has ${data.length}`,
      );
    }
    this.shape = [...shape];
    this.data = data;
  }

  static zeros(shape: Shape, dtype: DType = "float64"): Tensor {
    return new Tensor(shape, allocate(dtype, shapeSize(shape)));
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  get size(): number {
    return this.data.length;
  }

  /** The flat offset of a multi-index (row-major, last index fastest). */
  offset(...index: number[]): number {
    if (index.length !== this.shape.length) {
      throw new RangeError(`Tensor.offset: ${index.length} indices for shape ${formatShape(this.shape)}`);
    }
    let offset = 0;
    for (let k = 0; k < index.length; k++) {
      const i = index[k];
      if (!Number.isInteger(i) || i < 0 || i >= this.shape[k]) {
        throw new RangeError(`Tensor.offset: index ${i} on axis ${k} is outside 0..${this.shape[k] - 1}`);
      }
      offset = offset * this.shape[k] + i;
    }
    return offset;
  }

  get(...index: number[]): number {
    return this.data[this.offset(...index)];
  }

  set(value: number, ...index: number[]): void {
    this.data[this.offset(...index)] = value;
  }
}

function imageDims(sampleShape: Shape): [number, number, number] {
  if (sampleShape.length === 3) return [sampleShape[0], sampleShape[1], sampleShape[2]];
  if (sampleShape.length === 1) return [sampleShape[0], 1, 1];
  throw new RangeError(`expected a sample shape [C, H, W] or [D], got ${formatShape(sampleShape)}`);
}

/**
 * vec(Z^{in,i}) of seed 001 for sample `n` of a batch in our NCHW layout: Z^{in,i} is d x (a b) with d = C,
 * a = H, b = W, columns ordered with the row index h fastest, and vec stacks the columns, so
 * out[c + C * (h + H * w)] = x[n, c, h, w]. A flat sample [D] is treated as [D, 1, 1].
 */
export function toDocumentVec(batch: FloatArray, sampleShape: Shape, n: number): Float64Array {
  const [C, H, W] = imageDims(sampleShape);
  const size = C * H * W;
  const out = new Float64Array(size);
  const base = n * size;
  for (let c = 0; c < C; c++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        out[c + C * (h + H * w)] = batch[base + (c * H + h) * W + w];
      }
    }
  }
  return out;
}

/** The inverse of {@link toDocumentVec}: writes vec(Z^{in,i}) into sample `n` of an NCHW batch. */
export function fromDocumentVec(
  vec: ArrayLike<number>,
  sampleShape: Shape,
  batch: FloatArray,
  n: number,
): void {
  const [C, H, W] = imageDims(sampleShape);
  const size = C * H * W;
  if (vec.length !== size) {
    throw new RangeError(
      `fromDocumentVec: shape ${formatShape(sampleShape)} needs ${size} values, got ${vec.length}`,
    );
  }
  const base = n * size;
  for (let c = 0; c < C; c++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        batch[base + (c * H + h) * W + w] = vec[c + C * (h + H * w)];
      }
    }
  }
}

/** vec(M) of seed 001 eq. 5 for a row-major rows x cols matrix: the columns stacked, out[i + rows * j] = M[i][j]. */
export function vec(rowMajor: ArrayLike<number>, rows: number, cols: number): Float64Array {
  if (rowMajor.length !== rows * cols) {
    throw new RangeError(
      `vec: a ${rows} x ${cols} matrix has ${rows * cols} entries, got ${rowMajor.length}`,
    );
  }
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[i + rows * j] = rowMajor[i * cols + j];
  }
  return out;
}

/** mat(v)_{rows x cols} of seed 001 eq. 5, the inverse of vec, returned row-major: out[i * cols + j] = v[i + rows * j]. */
export function mat(v: ArrayLike<number>, rows: number, cols: number): Float64Array {
  if (v.length !== rows * cols) {
    throw new RangeError(`mat: a ${rows} x ${cols} matrix has ${rows * cols} entries, got ${v.length}`);
  }
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[i * cols + j] = v[i + rows * j];
  }
  return out;
}
