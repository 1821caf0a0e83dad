/**
 * Direct filter gradient for stride 1 with lanes over the output maps (seed 004 eq. 79 and 81), for layers with
 * many patch rows and short output rows, where direct-filter.ts's lanes over output columns leave loops of two or
 * three vectors (LeNet-5's C3: 150 patch rows, rows of ten outputs):
 *
 *   dW^T[r, o] = sum_{n, i, j} xpad[n, c, i + u, j + v] dy[n, o, i, j],   r = u + kh (v + kw c)
 *
 * Each sample's delta is first transposed to position-major, dyT[i OW + j, o] (maps rounded up to eight with
 * zeros), so that eight maps at one position are two vectors. A register block of five patch rows by eight maps
 * holds ten f32x4 accumulators: at each position, two delta vectors and five broadcast inputs make ten multiply-adds
 * (with the two deltas and one input live, thirteen of V8's fifteen vector registers). Workers split the samples,
 * each summing into its own partial [dW^T as R x O8; db], which the caller adds up.
 */
import { C, H, KH, KW, N, O, OH, OW, PH, PW, W, field } from "./geometry";
import { directRowFloats, padSample } from "./direct";
import { paddedFloats, writePatchOffsets } from "./maps-forward";
import { madd, shareLo, sum } from "./simd";

/** Patch rows per register block. */
const ROWS = 5;

/** The maps rounded up to eight: the partial's and the transposed delta's row length. */
function maps8(g: usize): i32 {
  return (field(g, O) + 7) & ~7;
}

/** Floats of one worker's scratch: a padded sample, the transposed delta, the patch rows' offsets, the partial. */
export function mapsFilterWorkFloats(g: usize): i32 {
  const rows = field(g, KH) * field(g, KW) * field(g, C);
  return paddedFloats(g) + field(g, OH) * field(g, OW) * maps8(g) + rows + rows * maps8(g) + maps8(g);
}

/** Where the partial starts in a worker's scratch, in bytes. */
export function mapsFilterPartialOffset(g: usize): i32 {
  const rows = field(g, KH) * field(g, KW) * field(g, C);
  return (paddedFloats(g) + field(g, OH) * field(g, OW) * maps8(g) + rows) << 2;
}

export function convBackwardFilterMaps(
  g: usize,
  x: usize,
  dy: usize,
  work: usize,
  workStride: i32,
  thread: i32,
  threads: i32,
): void {
  const scratch = work + <usize>thread * workStride;
  const channels = field(g, C);
  const height = field(g, H);
  const o = field(g, O);
  const o8 = maps8(g);
  const kh = field(g, KH);
  const kw = field(g, KW);
  const ph = field(g, PH);
  const outHeight = field(g, OH);
  const outWidth = field(g, OW);
  const rowFloats = directRowFloats(g);
  const paddedHeight = height + 2 * ph;
  const rows = kh * kw * channels;
  const positions = outHeight * outWidth;
  const padded = scratch;
  const deltaT = padded + ((<usize>paddedFloats(g)) << 2);
  const offsets = deltaT + ((<usize>(positions * o8)) << 2);
  const partial = scratch + <usize>mapsFilterPartialOffset(g);
  const biasPartial = partial + ((<usize>(rows * o8)) << 2);
  memory.fill(partial, 0, (<usize>(rows * o8 + o8)) << 2);
  // Maps past O stay zero in the transposed delta.
  memory.fill(deltaT, 0, (<usize>(positions * o8)) << 2);
  writePatchOffsets(g, offsets);
  const rowBytes = (<usize>rowFloats) << 2;
  const positionBytes = (<usize>o8) << 2;
  const end = shareLo(field(g, N), thread + 1, threads);
  for (let n = shareLo(field(g, N), thread, threads); n < end; n++) {
    padSample(x, n, channels, height, field(g, W), ph, field(g, PW), paddedHeight, rowFloats, padded);
    for (let k = 0; k < o; k++) {
      const plane = dy + ((<usize>((n * o + k) * positions)) << 2);
      const target = biasPartial + ((<usize>k) << 2);
      store<f32>(target, load<f32>(target) + sum(plane, positions));
      for (let p = 0; p < positions; p++) {
        store<f32>(deltaT + ((<usize>(p * o8 + k)) << 2), load<f32>(plane + ((<usize>p) << 2)));
      }
    }
    for (let o0 = 0; o0 < o8; o0 += 8) {
      for (let r0 = 0; r0 < rows; r0 += ROWS) {
        // Rows past R repeat the last row's input and are not stored.
        const x0 = padded + <usize>load<i32>(offsets + ((<usize>r0) << 2));
        const x1 = padded + <usize>load<i32>(offsets + ((<usize>min(r0 + 1, rows - 1)) << 2));
        const x2 = padded + <usize>load<i32>(offsets + ((<usize>min(r0 + 2, rows - 1)) << 2));
        const x3 = padded + <usize>load<i32>(offsets + ((<usize>min(r0 + 3, rows - 1)) << 2));
        const x4 = padded + <usize>load<i32>(offsets + ((<usize>min(r0 + 4, rows - 1)) << 2));
        let a0 = f32x4.splat(0);
        let a1 = f32x4.splat(0);
        let b0 = f32x4.splat(0);
        let b1 = f32x4.splat(0);
        let c0 = f32x4.splat(0);
        let c1 = f32x4.splat(0);
        let d0 = f32x4.splat(0);
        let d1 = f32x4.splat(0);
        let e0 = f32x4.splat(0);
        let e1 = f32x4.splat(0);
        let deltas = deltaT + ((<usize>o0) << 2);
        for (let i = 0; i < outHeight; i++) {
          const line = <usize>i * rowBytes;
          for (let j: usize = 0; j < <usize>(outWidth << 2); j += 4) {
            const low = v128.load(deltas);
            const high = v128.load(deltas, 16);
            const at = line + j;
            const s0 = v128.load32_splat(x0 + at);
            a0 = madd(s0, low, a0);
            a1 = madd(s0, high, a1);
            const s1 = v128.load32_splat(x1 + at);
            b0 = madd(s1, low, b0);
            b1 = madd(s1, high, b1);
            const s2 = v128.load32_splat(x2 + at);
            c0 = madd(s2, low, c0);
            c1 = madd(s2, high, c1);
            const s3 = v128.load32_splat(x3 + at);
            d0 = madd(s3, low, d0);
            d1 = madd(s3, high, d1);
            const s4 = v128.load32_splat(x4 + at);
            e0 = madd(s4, low, e0);
            e1 = madd(s4, high, e1);
            deltas += positionBytes;
          }
        }
        addRow(partial, r0, o8, o0, a0, a1);
        if (r0 + 1 < rows) addRow(partial, r0 + 1, o8, o0, b0, b1);
        if (r0 + 2 < rows) addRow(partial, r0 + 2, o8, o0, c0, c1);
        if (r0 + 3 < rows) addRow(partial, r0 + 3, o8, o0, d0, d1);
        if (r0 + 4 < rows) addRow(partial, r0 + 4, o8, o0, e0, e1);
      }
    }
  }
}

/** Adds maps o0 .. o0 + 7 of patch row r into the partial (R x O8). */
function addRow(partial: usize, r: i32, o8: i32, o0: i32, low: v128, high: v128): void {
  const target = partial + ((<usize>(r * o8 + o0)) << 2);
  v128.store(target, f32x4.add(v128.load(target), low));
  v128.store(target, f32x4.add(v128.load(target, 16), high), 16);
}
