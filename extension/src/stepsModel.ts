import type { Step, StepMatrix, StepsPayload } from "@deltalab/core/payloads";

/** Matrices with more entries than this are drawn as heat maps (values on hover) instead of tables of numbers. */
export const TABLE_LIMIT = 400;

/**
 * The entries that made entry `k` (row-major) of the matrix a step writes, per read matrix: the row of W and the
 * column of phi(Z) for an entry of S = W phi(Z) + b 1^T, the window of a pooled entry, and so on.
 */
export function entriesBehind(
  step: Step,
  matrices: ReadonlyMap<string, StepMatrix>,
  k: number,
): Map<string, number[]> {
  const lit = new Map<string, number[]>();
  const add = (name: string, indices: number[]) => lit.set(name, [...(lit.get(name) ?? []), ...indices]);
  const out = matrices.get(step.writes);
  if (!out) return lit;
  const [i, j] = [Math.floor(k / out.cols), k % out.cols];
  for (const link of step.links) {
    if (link.kind === "matmul") {
      const left = matrices.get(link.left);
      const right = matrices.get(link.right);
      if (!left || !right) continue;
      add(
        link.left,
        link.transposeLeft
          ? range(left.rows).map((t) => t * left.cols + i)
          : range(left.cols).map((t) => i * left.cols + t),
      );
      add(
        link.right,
        link.transposeRight
          ? range(right.cols).map((t) => j * right.cols + t)
          : range(right.rows).map((t) => t * right.cols + j),
      );
      if (link.bias) add(link.bias, [i]);
    } else if (link.kind === "elementwise") {
      for (const name of link.inputs) add(name, [k]);
    } else if (link.kind === "gather") {
      add(link.input, link.sources[k] ?? []);
    } else {
      for (const name of link.inputs) {
        const matrix = matrices.get(name);
        if (matrix) add(name, range(matrix.rows * matrix.cols));
      }
    }
  }
  return lit;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, t) => t);
}

/** A matrix entry for a cell: 4 significant digits, exponent form for very small or large magnitudes. */
export function formatEntry(value: number): string {
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(2);
  return Number(value.toPrecision(4)).toString();
}

/**
 * A value for the hover readout: as exact as the model keeps it, without the binary rounding noise of decimal inputs
 * (0.1 + 0.07 reads 0.17, not 0.17000000000000015); 12 significant digits cover Float32 models entirely.
 */
export function formatReadout(value: number): string {
  return Number.isFinite(value) ? Number(value.toPrecision(12)).toString() : String(value);
}

/** The largest magnitude in a matrix (1 for an all-zero one), for its colour scale. */
export function scaleOf(matrix: StepMatrix): number {
  let largest = 0;
  for (const value of matrix.values) largest = Math.max(largest, Math.abs(value));
  return largest || 1;
}

/** Position of entry k in the drawing: [row, column] of the grid of cells (images side by side, one per channel). */
export function cellPosition(matrix: StepMatrix, k: number): [number, number] {
  const [row, col] = [Math.floor(k / matrix.cols), k % matrix.cols];
  if (!matrix.grid) return [row, col];
  const [, w] = matrix.grid;
  return [Math.floor(col / w), row * (w + 1) + (col % w)];
}

/** The drawing's size in cells: channels of an image side by side with a one-cell gap. */
export function drawingSize(matrix: StepMatrix): [number, number] {
  if (!matrix.grid) return [matrix.rows, matrix.cols];
  const [h, w] = matrix.grid;
  return [h, matrix.rows * (w + 1) - 1];
}

/** The entry drawn at a cell of the drawing, or undefined for a gap. */
export function entryAt(matrix: StepMatrix, row: number, col: number): number | undefined {
  if (!matrix.grid) {
    return row >= 0 && row < matrix.rows && col >= 0 && col < matrix.cols
      ? row * matrix.cols + col
      : undefined;
  }
  const [h, w] = matrix.grid;
  const channel = Math.floor(col / (w + 1));
  const x = col % (w + 1);
  if (row < 0 || row >= h || x === w || channel < 0 || channel >= matrix.rows) return undefined;
  return channel * matrix.cols + row * w + x;
}

/** The plain-text label of a step in the step list. */
export function stepLabel(payload: StepsPayload, index: number): string {
  const step = payload.steps[index];
  return `${index + 1}. ${step.pass === "forward" ? "forward" : "backward"}: ${step.title}`;
}
