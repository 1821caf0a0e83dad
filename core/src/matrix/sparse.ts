/**
 * Sparse matrices in compressed sparse row (CSR) form, for the 0/1 matrices P_pad, P_phi and P_pool of the matrix
 * form of a convolutional layer (seed 000 eq. 2, seed 001 eq. 4): small enough to build for a real layer, and
 * still the very matrices of the documents, so a notebook can print their sizes and non-zero counts, multiply by
 * them, or expand a small one into a dense table.
 */
export class SparseMatrix {
  /**
   * Row i holds the entries k in rowStart[i] .. rowStart[i+1]-1: value values[k] in column columnIndex[k], with
   * columns increasing within a row.
   */
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly rowStart: Int32Array,
    readonly columnIndex: Int32Array,
    readonly values: Float64Array,
  ) {
    if (rowStart.length !== rows + 1) {
      throw new RangeError(
        `SparseMatrix: rowStart needs rows + 1 = ${rows + 1} entries, got ${rowStart.length}`,
      );
    }
    const nnz = rowStart[rows];
    if (columnIndex.length !== nnz || values.length !== nnz) {
      throw new RangeError(
        `SparseMatrix: rowStart declares ${nnz} entries, columnIndex has ${columnIndex.length}, values ${values.length}`,
      );
    }
  }

  /** A 0/1 matrix with at most one 1 per row: row i has its 1 in column columnOfRow[i], or none when that is -1. */
  static selection(rows: number, cols: number, columnOfRow: Int32Array): SparseMatrix {
    if (columnOfRow.length !== rows) {
      throw new RangeError(
        `SparseMatrix.selection: ${rows} rows need ${rows} column indices, got ${columnOfRow.length}`,
      );
    }
    const rowStart = new Int32Array(rows + 1);
    let nnz = 0;
    for (let i = 0; i < rows; i++) {
      const column = columnOfRow[i];
      if (column >= cols || column < -1) {
        throw new RangeError(
          `SparseMatrix.selection: row ${i} selects column ${column}, outside 0..${cols - 1}`,
        );
      }
      if (column >= 0) nnz++;
      rowStart[i + 1] = nnz;
    }
    const columnIndex = new Int32Array(nnz);
    let k = 0;
    for (let i = 0; i < rows; i++) {
      if (columnOfRow[i] >= 0) columnIndex[k++] = columnOfRow[i];
    }
    return new SparseMatrix(rows, cols, rowStart, columnIndex, new Float64Array(nnz).fill(1));
  }

  /** The number of stored (non-zero) entries. */
  get nnz(): number {
    return this.rowStart[this.rows];
  }

  /** "1,728 x 1,024, 1,728 non-zeros (density 0.098%)". */
  describe(): string {
    const density = (100 * this.nnz) / Math.max(1, this.rows * this.cols);
    const format = (x: number) => x.toLocaleString("en-US");
    return `${format(this.rows)} x ${format(this.cols)}, ${format(this.nnz)} non-zeros (density ${density.toPrecision(3)}%)`;
  }

  /** y = A x. */
  multiply(x: ArrayLike<number>, y: Float64Array = new Float64Array(this.rows)): Float64Array {
    checkLength("multiply", "x", x.length, this.cols);
    checkLength("multiply", "y", y.length, this.rows);
    for (let i = 0; i < this.rows; i++) {
      let sum = 0;
      for (let k = this.rowStart[i]; k < this.rowStart[i + 1]; k++)
        sum += this.values[k] * x[this.columnIndex[k]];
      y[i] = sum;
    }
    return y;
  }

  /** x = A^T y. */
  transposeMultiply(y: ArrayLike<number>, x: Float64Array = new Float64Array(this.cols)): Float64Array {
    checkLength("transposeMultiply", "y", y.length, this.rows);
    checkLength("transposeMultiply", "x", x.length, this.cols);
    x.fill(0);
    for (let i = 0; i < this.rows; i++) {
      const yi = y[i];
      for (let k = this.rowStart[i]; k < this.rowStart[i + 1]; k++)
        x[this.columnIndex[k]] += this.values[k] * yi;
    }
    return x;
  }

  /** The product A B as a sparse matrix (e.g. P_phi P_pad). */
  times(other: SparseMatrix): SparseMatrix {
    if (this.cols !== other.rows) {
      throw new RangeError(
        `SparseMatrix.times: ${this.rows} x ${this.cols} times ${other.rows} x ${other.cols}`,
      );
    }
    const rowStart = new Int32Array(this.rows + 1);
    const columns: number[] = [];
    const values: number[] = [];
    const accumulator = new Float64Array(other.cols);
    const touched = new Int32Array(other.cols).fill(-1);
    for (let i = 0; i < this.rows; i++) {
      const rowColumns: number[] = [];
      for (let k = this.rowStart[i]; k < this.rowStart[i + 1]; k++) {
        const middle = this.columnIndex[k];
        for (let l = other.rowStart[middle]; l < other.rowStart[middle + 1]; l++) {
          const column = other.columnIndex[l];
          if (touched[column] !== i) {
            touched[column] = i;
            accumulator[column] = 0;
            rowColumns.push(column);
          }
          accumulator[column] += this.values[k] * other.values[l];
        }
      }
      rowColumns.sort((p, q) => p - q);
      for (const column of rowColumns) {
        columns.push(column);
        values.push(accumulator[column]);
      }
      rowStart[i + 1] = columns.length;
    }
    return new SparseMatrix(
      this.rows,
      other.cols,
      rowStart,
      Int32Array.from(columns),
      Float64Array.from(values),
    );
  }

  /** The transpose, as a new CSR matrix. */
  transpose(): SparseMatrix {
    const rowStart = new Int32Array(this.cols + 1);
    for (let k = 0; k < this.nnz; k++) rowStart[this.columnIndex[k] + 1]++;
    for (let j = 0; j < this.cols; j++) rowStart[j + 1] += rowStart[j];
    const next = rowStart.slice(0, this.cols);
    const columnIndex = new Int32Array(this.nnz);
    const values = new Float64Array(this.nnz);
    for (let i = 0; i < this.rows; i++) {
      for (let k = this.rowStart[i]; k < this.rowStart[i + 1]; k++) {
        const slot = next[this.columnIndex[k]]++;
        columnIndex[slot] = i;
        values[slot] = this.values[k];
      }
    }
    return new SparseMatrix(this.cols, this.rows, rowStart, columnIndex, values);
  }

  /** The dense matrix, row-major: out[i * cols + j]. Meant for small examples. */
  toDense(): Float64Array {
    const size = this.rows * this.cols;
    if (size > 2 ** 26) {
      throw new RangeError(
        `SparseMatrix.toDense: ${this.describe()} is too large to expand (over 2^26 entries)`,
      );
    }
    const out = new Float64Array(size);
    for (let i = 0; i < this.rows; i++) {
      for (let k = this.rowStart[i]; k < this.rowStart[i + 1]; k++)
        out[i * this.cols + this.columnIndex[k]] = this.values[k];
    }
    return out;
  }

  /** The value at (i, j) (0 when not stored). */
  get(i: number, j: number): number {
    for (let k = this.rowStart[i]; k < this.rowStart[i + 1]; k++) {
      if (this.columnIndex[k] === j) return this.values[k];
    }
    return 0;
  }
}

function checkLength(method: string, name: string, actual: number, expected: number): void {
  if (actual !== expected) {
    throw new RangeError(`SparseMatrix.${method}: ${name} must have length ${expected}, got ${actual}`);
  }
}
