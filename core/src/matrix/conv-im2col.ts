/**
 * Convolution as im2col + GEMM, the engine's fast CPU path, in the engine's NCHW layout.
 *
 * Forward, per sample (seed 001 eq. 1): S = W phi(pad(Z)) + b 1^T, with phi from `im2col`.
 * Backward, per sample, given dS = dr/dS (seed 001; seed 004 eq. 79-81 and 74 in matrix form):
 *   dr/dW = dS phi^T (summed over the batch),  dr/db = dS 1,  dr/dZ = col2im(W^T dS),
 * col2im being phi^T, i.e. P_pad^T P_phi^T in the explicit form.
 *
 * Parameters are one layer's slice of theta (seed 001): [vec(W); b], W in R^{d_out x h_a h_b d_in} with the
 * columns in the document's order (see explicit.ts), vec stacking columns, so entry (o, r) is params[o + d_out r].
 */
import type { FloatArray } from "../tensor";
import { col2im, im2col } from "./im2col";
import { gemm } from "./gemm";
import { connectionMask, type ConnectionTable } from "./connections";
import type { ConvGeometry } from "./geometry";

export interface MatrixConvOptions {
  /** A partial connection table (see connections.ts); all channels connected when absent. */
  readonly connections?: ConnectionTable;
}

/** The number of parameters of the layer: d_out h_a h_b d_in weights and d_out biases. */
export function convParameterCount(g: ConvGeometry): number {
  return g.outChannels * g.patchSize + g.outChannels;
}

/** y = conv(x) for samples 0..batch-1 (x: [batch, d_in, a, b], y: [batch, d_out, a_out, b_out], NCHW). */
export function im2colConvForward(
  g: ConvGeometry,
  params: FloatArray,
  x: FloatArray,
  y: FloatArray,
  batch: number,
  options: MatrixConvOptions = {},
): void {
  checkArrays("im2colConvForward", g, params, x, y, batch);
  const R = g.patchSize;
  const P = g.outPositions;
  const dOut = g.outChannels;
  const weights = effectiveWeights(g, params, options.connections);
  const cols = like(x, R * P);
  const inSize = g.inChannels * g.height * g.width;
  for (let n = 0; n < batch; n++) {
    const out = y.subarray(n * dOut * P, (n + 1) * dOut * P);
    im2col(g, x, n * inSize, cols);
    // vec(W) read row-major is W^T (R x d_out), hence transA.
    gemm(true, false, dOut, P, R, 1, weights, dOut, cols, P, 0, out, P);
    for (let o = 0; o < dOut; o++) {
      const bias = params[dOut * R + o];
      for (let p = o * P; p < (o + 1) * P; p++) out[p] += bias;
    }
  }
}

/**
 * Given dy = dr/dS, overwrites `grad` ([vec(dW); db], summed over the batch) and, unless `dx` is null, writes
 * dx = dr/dx.
 */
export function im2colConvBackward(
  g: ConvGeometry,
  params: FloatArray,
  x: FloatArray,
  dy: FloatArray,
  dx: FloatArray | null,
  grad: FloatArray,
  batch: number,
  options: MatrixConvOptions = {},
): void {
  checkArrays("im2colConvBackward", g, params, x, dy, batch);
  if (grad.length < convParameterCount(g)) {
    throw new RangeError(
      `im2colConvBackward: grad needs ${convParameterCount(g)} entries, has ${grad.length}`,
    );
  }
  const R = g.patchSize;
  const P = g.outPositions;
  const dOut = g.outChannels;
  const inSize = g.inChannels * g.height * g.width;
  const weights = effectiveWeights(g, params, options.connections);
  const cols = like(x, R * P);
  const dCols = like(x, R * P);
  grad.fill(0, 0, convParameterCount(g));
  for (let n = 0; n < batch; n++) {
    const dS = dy.subarray(n * dOut * P, (n + 1) * dOut * P);
    im2col(g, x, n * inSize, cols);
    // vec(dW) read row-major is dW^T = phi dS^T (R x d_out).
    gemm(false, true, R, dOut, P, 1, cols, P, dS, P, 1, grad, dOut);
    for (let o = 0; o < dOut; o++) {
      let sum = 0;
      for (let p = o * P; p < (o + 1) * P; p++) sum += dS[p];
      grad[dOut * R + o] += sum;
    }
    if (dx) {
      gemm(false, false, R, P, dOut, 1, weights, dOut, dS, P, 0, dCols, P);
      dx.fill(0, n * inSize, (n + 1) * inSize);
      col2im(g, dCols, dx, n * inSize);
    }
  }
  if (options.connections) {
    const mask = connectionMask(g, options.connections);
    for (let k = 0; k < mask.length; k++) if (mask[k] === 0) grad[k] = 0;
  }
}

/** vec(W), with the blocks outside the connection table set to zero. */
function effectiveWeights(g: ConvGeometry, params: FloatArray, connections?: ConnectionTable): FloatArray {
  const count = g.outChannels * g.patchSize;
  if (!connections) return params.subarray(0, count);
  const mask = connectionMask(g, connections);
  const weights = like(params, count);
  for (let k = 0; k < count; k++) weights[k] = mask[k] === 0 ? 0 : params[k];
  return weights;
}

function like(array: FloatArray, length: number): FloatArray {
  return array instanceof Float32Array ? new Float32Array(length) : new Float64Array(length);
}

function checkArrays(
  where: string,
  g: ConvGeometry,
  params: FloatArray,
  x: FloatArray,
  y: FloatArray,
  batch: number,
): void {
  if (!Number.isInteger(batch) || batch < 0) {
    throw new RangeError(`${where}: batch must be a non-negative integer, got ${batch}`);
  }
  const expected: [string, FloatArray, number][] = [
    ["params", params, convParameterCount(g)],
    ["input", x, batch * g.inChannels * g.height * g.width],
    ["output", y, batch * g.outChannels * g.outPositions],
  ];
  for (const [name, array, length] of expected) {
    if (array.length < length) {
      throw new RangeError(`${where}: ${name} needs at least ${length} entries, has ${array.length}`);
    }
  }
}
