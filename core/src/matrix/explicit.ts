/**
 * The explicit 0/1 matrices of the matrix form of a convolutional layer (seed 000 eq. 2, seed 001 eq. 4):
 *
 *   S = W mat(P_phi P_pad vec(Z))_{hhd x a_conv b_conv} + b 1^T,   Z_next = mat(P_pool vec(sigma(S))).
 *
 * Convention (seed 001): an image with d channels, a rows and b columns is the matrix Z in R^{d x ab} whose column
 * index runs over the positions with the row index fastest, and vec stacks columns, so pixel (channel c, row x,
 * column y), all counted from 0, is entry
 *
 *   vec(Z)[c + d (x + a y)].
 *
 * `toDocumentVec` / `fromDocumentVec` in tensor.ts convert between this and the engine's NCHW layout.
 *
 * phi(Z) in R^{hhd x a_out b_out} (seed 001, "Matrix Operations V") has one column per output position
 * (i, j), ordered i + a_out j, and one row per filter entry (u, v, c), ordered u + h_a (v + h_b c): the row offset
 * u fastest, then the column offset v, then the channel. Its entry is the padded input at
 * (c, s i + u, s j + v). W in R^{d_out x hhd} has its columns in the same order.
 */
import { SparseMatrix } from "./sparse";
import { checkPoolFollows, type ConvGeometry, type PoolGeometry } from "./geometry";

/**
 * P_pad in R^{d a_pad b_pad x d a b}: vec(pad(Z)) = P_pad vec(Z). Row (c, x', y') of the padded image holds a 1 in
 * the column of (c, x' - p, y' - p) when that pixel exists; rows of the zero border are empty. nnz = d a b.
 */
export function paddingMatrix(g: ConvGeometry): SparseMatrix {
  const d = g.inChannels;
  const columnOfRow = new Int32Array(d * g.paddedHeight * g.paddedWidth).fill(-1);
  for (let y = 0; y < g.width; y++) {
    for (let x = 0; x < g.height; x++) {
      for (let c = 0; c < d; c++) {
        const padded = c + d * (x + g.padHeight + g.paddedHeight * (y + g.padWidth));
        columnOfRow[padded] = c + d * (x + g.height * y);
      }
    }
  }
  return SparseMatrix.selection(columnOfRow.length, d * g.height * g.width, columnOfRow);
}

/**
 * P_phi in R^{hhd a_out b_out x d a_pad b_pad} (seed 001 eq. 4): vec(phi(pad(Z))) = P_phi vec(pad(Z)). Every row
 * holds exactly one 1, so nnz = hhd a_out b_out; the columns of pixels that several windows share hold several.
 */
export function phiMatrix(g: ConvGeometry): SparseMatrix {
  const d = g.inChannels;
  const rows = g.patchSize * g.outPositions;
  const columnOfRow = new Int32Array(rows);
  for (let j = 0; j < g.outWidth; j++) {
    for (let i = 0; i < g.outHeight; i++) {
      const position = i + g.outHeight * j;
      for (let c = 0; c < d; c++) {
        for (let v = 0; v < g.kernelWidth; v++) {
          for (let u = 0; u < g.kernelHeight; u++) {
            const r = u + g.kernelHeight * (v + g.kernelWidth * c);
            const x = g.strideHeight * i + u;
            const y = g.strideWidth * j + v;
            columnOfRow[r + g.patchSize * position] = c + d * (x + g.paddedHeight * y);
          }
        }
      }
    }
  }
  return SparseMatrix.selection(rows, d * g.paddedHeight * g.paddedWidth, columnOfRow);
}

/**
 * P_pool for max pooling (seed 000 eq. 2; seed 004 eq. 98): a 0/1 matrix in R^{d a_pool b_pool x d a b} that
 * depends on the input: row (c, i, j) holds its 1 in the column of the largest entry of window (i, j) of channel c
 * of `input` (vec(sigma(S)) in the document's order). Ties go to the first entry of the window in scan order (row
 * by row, left to right), the rule of the engine's MaxPoolLayer, so the matrix is a genuine selection; seed 004
 * eq. 100 as printed would pass the delta to every tied entry.
 */
export function maxPoolMatrix(g: PoolGeometry, input: ArrayLike<number>): SparseMatrix {
  const d = g.channels;
  const size = d * g.height * g.width;
  if (input.length !== size) {
    throw new RangeError(
      `maxPoolMatrix: the input must be vec of a ${d} x ${g.height * g.width} matrix (${size} values), got ${input.length}`,
    );
  }
  const columnOfRow = new Int32Array(d * g.outHeight * g.outWidth);
  for (let j = 0; j < g.outWidth; j++) {
    for (let i = 0; i < g.outHeight; i++) {
      for (let c = 0; c < d; c++) {
        let best = -1;
        for (let u = 0; u < g.kernelHeight; u++) {
          for (let v = 0; v < g.kernelWidth; v++) {
            const column = c + d * (g.strideHeight * i + u + g.height * (g.strideWidth * j + v));
            if (best < 0 || input[column] > input[best]) best = column;
          }
        }
        columnOfRow[c + d * (i + g.outHeight * j)] = best;
      }
    }
  }
  return SparseMatrix.selection(columnOfRow.length, size, columnOfRow);
}

/** Average pooling as a matrix: row (c, i, j) holds 1/(k_a k_b) in the columns of window (i, j) of channel c. */
export function averagePoolMatrix(g: PoolGeometry): SparseMatrix {
  const d = g.channels;
  const window = g.kernelHeight * g.kernelWidth;
  const rows = d * g.outHeight * g.outWidth;
  const rowStart = new Int32Array(rows + 1);
  const columnIndex = new Int32Array(rows * window);
  for (let j = 0; j < g.outWidth; j++) {
    for (let i = 0; i < g.outHeight; i++) {
      for (let c = 0; c < d; c++) {
        const row = c + d * (i + g.outHeight * j);
        const columns: number[] = [];
        for (let v = 0; v < g.kernelWidth; v++) {
          for (let u = 0; u < g.kernelHeight; u++) {
            columns.push(c + d * (g.strideHeight * i + u + g.height * (g.strideWidth * j + v)));
          }
        }
        columnIndex.set(
          columns.sort((p, q) => p - q),
          row * window,
        );
        rowStart[row + 1] = (row + 1) * window;
      }
    }
  }
  const values = new Float64Array(rows * window).fill(1 / window);
  return new SparseMatrix(rows, d * g.height * g.width, rowStart, columnIndex, values);
}

/** Sizes and non-zero counts of the matrices of one layer, for display. */
export interface MatrixFormSizes {
  readonly P_pad: { rows: number; cols: number; nnz: number };
  readonly P_phi: { rows: number; cols: number; nnz: number };
  readonly W: { rows: number; cols: number };
  readonly phi: { rows: number; cols: number };
  readonly S: { rows: number; cols: number };
  /** Max pooling: one 1 per row, wherever the maxima are. */
  readonly P_pool?: { rows: number; cols: number; nnz: number };
}

/** The sizes of P_pad, P_phi, W, phi(Z), S and P_pool without building them (the counts are exact). */
export function matrixFormSizes(g: ConvGeometry, pool?: PoolGeometry): MatrixFormSizes {
  const d = g.inChannels;
  const sizes: MatrixFormSizes = {
    P_pad: {
      rows: d * g.paddedHeight * g.paddedWidth,
      cols: d * g.height * g.width,
      nnz: d * g.height * g.width,
    },
    P_phi: {
      rows: g.patchSize * g.outPositions,
      cols: d * g.paddedHeight * g.paddedWidth,
      nnz: g.patchSize * g.outPositions,
    },
    W: { rows: g.outChannels, cols: g.patchSize },
    phi: { rows: g.patchSize, cols: g.outPositions },
    S: { rows: g.outChannels, cols: g.outPositions },
  };
  if (!pool) return sizes;
  checkPoolFollows(g, pool);
  const poolRows = pool.channels * pool.outHeight * pool.outWidth;
  return { ...sizes, P_pool: { rows: poolRows, cols: g.outChannels * g.outPositions, nnz: poolRows } };
}
