/**
 * The convolution of core/src/layers/conv2d.ts (seed 004 eq. 61, 79-81) lowered to GEMM (seed 001 eq. 1 and 4),
 * one share of the work per call: worker `thread` of `threads` runs its share, all workers run the same call with
 * the same arguments. Every buffer is an address in the shared memory; `work` is the first worker's scratch and
 * worker t's lies `workStride` bytes further (convWorkFloats floats each).
 *
 *   forward:        S = W cols + b 1^T                           (output rows split between workers)
 *   backwardInput:  dZ = phi^T(W^T dS)                           (samples split; input channels when N < threads,
 *                                                                 or output rows into copies of dZ the caller adds)
 *   backwardFilter: dW^T = sum cols dS^T, db = sum dS 1          (output rows split; each worker sums into its own
 *                                                                 partial, which the caller adds up)
 */
import { GEMM_WORK_FLOATS, sgemm } from "./gemm";
import { C, H, KH, KW, N, O, OH, OW, W, chunkRows, field, patchRows } from "./geometry";
import { col2imRows, copy, im2colRows } from "./im2col";
import { addScalar, shareLo, sum } from "./simd";

/** The scratch floats one worker needs: GEMM packing, im2col columns, dS (or the output block), the partial. */
export function convWorkFloats(g: usize): i32 {
  const r = patchRows(g);
  const o = field(g, O);
  const q = chunkRows(g) * field(g, OW);
  return GEMM_WORK_FLOATS + r * q + o * q + r * o + o;
}

/** Where a worker's partial dW^T (R x O) and db (O) lie in its scratch. */
export function convPartialOffset(g: usize): i32 {
  const q = chunkRows(g) * field(g, OW);
  return (GEMM_WORK_FLOATS + patchRows(g) * q + field(g, O) * q) << 2;
}

export function convForward(
  g: usize,
  x: usize,
  weightsT: usize,
  bias: usize,
  y: usize,
  work: usize,
  workStride: i32,
  thread: i32,
  threads: i32,
): void {
  const scratch = work + <usize>thread * workStride;
  const r = patchRows(g);
  const o = field(g, O);
  const outHeight = field(g, OH);
  const outWidth = field(g, OW);
  const positions = outHeight * outWidth;
  const total = field(g, N) * outHeight;
  const chunk = chunkRows(g);
  const cols = scratch + ((<usize>GEMM_WORK_FLOATS) << 2);
  const block = cols + ((<usize>(r * chunk * outWidth)) << 2);
  const end = shareLo(total, thread + 1, threads);
  for (let g0 = shareLo(total, thread, threads); g0 < end; g0 += chunk) {
    const g1 = min(end, g0 + chunk);
    const q = (g1 - g0) * outWidth;
    im2colRows(g, x, g0, g1, cols);
    sgemm(true, false, o, q, r, weightsT, o, cols, q, false, block, q, scratch);
    for (let channel = 0; channel < o; channel++) {
      const b = load<f32>(bias + ((<usize>channel) << 2));
      for (let row = g0; row < g1; row++) {
        const n = row / outHeight;
        const i = row - n * outHeight;
        const from = block + ((<usize>(channel * q + (row - g0) * outWidth)) << 2);
        const to = y + ((<usize>((n * o + channel) * positions + i * outWidth)) << 2);
        addScalar(to, from, outWidth, b);
      }
    }
  }
}

/** Copies dy's output rows g0..g1-1 into dS (O x Q row-major, the column layout of im2colRows). */
function gatherDelta(g: usize, dy: usize, g0: i32, g1: i32, dS: usize): void {
  const o = field(g, O);
  const outHeight = field(g, OH);
  const outWidth = field(g, OW);
  const positions = outHeight * outWidth;
  const rowBytes = (<usize>outWidth) << 2;
  const n0 = g0 / outHeight;
  for (let channel = 0; channel < o; channel++) {
    let target = dS + ((<usize>(channel * (g1 - g0) * outWidth)) << 2);
    let n = n0;
    let i = g0 - n0 * outHeight;
    for (let row = g0; row < g1; row++) {
      copy(target, dy + ((<usize>((n * o + channel) * positions + i * outWidth)) << 2), outWidth);
      target += rowBytes;
      if (++i == outHeight) {
        i = 0;
        n++;
      }
    }
  }
}

export function convBackwardInput(
  g: usize,
  dy: usize,
  weightsT: usize,
  dx: usize,
  spare: usize,
  work: usize,
  workStride: i32,
  thread: i32,
  threads: i32,
): void {
  const scratch = work + <usize>thread * workStride;
  const samples = field(g, N);
  const channels = field(g, C);
  const area = field(g, KH) * field(g, KW);
  const o = field(g, O);
  const outHeight = field(g, OH);
  const outWidth = field(g, OW);
  const plane = field(g, H) * field(g, W);
  const chunk = chunkRows(g);
  const dcols = scratch + ((<usize>GEMM_WORK_FLOATS) << 2);
  const dS = dcols + ((<usize>(patchRows(g) * chunk * outWidth)) << 2);
  // Workers must not add into the same dx entries: split samples, or input channels when there are too few samples;
  // or, given `spare` (copies of dx for workers 1.., which the caller adds up), output rows, each worker adding into
  // its own copy: the caller's choice when neither splits evenly (one image of three channels on two workers).
  let g0 = 0;
  let end = samples * outHeight;
  let c0 = 0;
  let c1 = channels;
  let target = dx;
  if (spare != 0) {
    g0 = shareLo(end, thread, threads);
    end = shareLo(end, thread + 1, threads);
    const bytes = (<usize>(samples * channels * plane)) << 2;
    if (thread > 0) target = spare + <usize>(thread - 1) * bytes;
    memory.fill(target, 0, bytes);
  } else if (samples >= threads) {
    const n0 = shareLo(samples, thread, threads);
    const n1 = shareLo(samples, thread + 1, threads);
    memory.fill(
      dx + ((<usize>(n0 * channels * plane)) << 2),
      0,
      (<usize>((n1 - n0) * channels * plane)) << 2,
    );
    g0 = n0 * outHeight;
    end = n1 * outHeight;
  } else {
    c0 = shareLo(channels, thread, threads);
    c1 = shareLo(channels, thread + 1, threads);
    for (let n = 0; n < samples; n++) {
      memory.fill(dx + ((<usize>((n * channels + c0) * plane)) << 2), 0, (<usize>((c1 - c0) * plane)) << 2);
    }
  }
  if (g0 >= end || c0 >= c1) return;
  const rows = (c1 - c0) * area;
  for (; g0 < end; g0 += chunk) {
    const g1 = min(end, g0 + chunk);
    const q = (g1 - g0) * outWidth;
    gatherDelta(g, dy, g0, g1, dS);
    sgemm(
      false,
      false,
      rows,
      q,
      o,
      weightsT + ((<usize>(c0 * area * o)) << 2),
      o,
      dS,
      q,
      false,
      dcols,
      q,
      scratch,
    );
    col2imRows(g, dcols, g0, g1, c0, c1, target);
  }
}

export function convBackwardFilter(
  g: usize,
  x: usize,
  dy: usize,
  work: usize,
  workStride: i32,
  thread: i32,
  threads: i32,
): void {
  const scratch = work + <usize>thread * workStride;
  const r = patchRows(g);
  const o = field(g, O);
  const outWidth = field(g, OW);
  const total = field(g, N) * field(g, OH);
  const chunk = chunkRows(g);
  const cols = scratch + ((<usize>GEMM_WORK_FLOATS) << 2);
  const dS = cols + ((<usize>(r * chunk * outWidth)) << 2);
  const partial = scratch + <usize>convPartialOffset(g);
  const biasPartial = partial + ((<usize>(r * o)) << 2);
  memory.fill(partial, 0, (<usize>(r * o + o)) << 2);
  const end = shareLo(total, thread + 1, threads);
  for (let g0 = shareLo(total, thread, threads); g0 < end; g0 += chunk) {
    const g1 = min(end, g0 + chunk);
    const q = (g1 - g0) * outWidth;
    im2colRows(g, x, g0, g1, cols);
    gatherDelta(g, dy, g0, g1, dS);
    sgemm(false, true, r, o, q, cols, q, dS, q, true, partial, o, scratch);
    for (let channel = 0; channel < o; channel++) {
      const target = biasPartial + ((<usize>channel) << 2);
      store<f32>(target, load<f32>(target) + sum(dS + ((<usize>(channel * q)) << 2), q));
    }
  }
}
