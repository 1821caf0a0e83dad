/**
 * Direct convolution backward to the filters and biases for stride 1 and small patches (seed 004 eq. 79 and 81),
 * without im2col:
 *
 *   dW[o, c, u, v] = sum_{n, i, j} dy[n, o, i, j] xpad[n, c, i + u, j + v],   db_o = sum dy[n, o, ., .]
 *
 * Per sample, a register block of two taps (u, v) in scan order x four output maps holds eight f32x4 accumulators
 * that run along the output rows (lanes over j) and are summed across lanes at the end. Pairing taps in scan order
 * rather than kernel columns wastes less on a 5-wide kernel (13 pairs for 25 taps, where pairs of columns took 15). Workers split the samples,
 * each summing into its own partial [dW as R x O4; db], O4 = O rounded up to four; the caller adds the partials.
 */
import { C, H, KH, KW, N, O, OH, OW, PH, PW, W, field } from "./geometry";
import { directRowFloats, padSample } from "./direct";
import { madd, shareLo, sum } from "./simd";

/** Floats of one worker's scratch: a padded sample, a zero row, then the partial (R O4 + O4). */
export function directFilterWorkFloats(g: usize): i32 {
  const o4 = (field(g, O) + 3) & ~3;
  return paddedFloats(g) + zeroRowFloats(g) + field(g, KH) * field(g, KW) * field(g, C) * o4 + o4;
}

/** Where the partial starts in a worker's scratch, in bytes. */
export function directFilterPartialOffset(g: usize): i32 {
  return (paddedFloats(g) + zeroRowFloats(g)) << 2;
}

function paddedFloats(g: usize): i32 {
  return field(g, C) * (field(g, H) + 2 * field(g, PH)) * directRowFloats(g);
}

function zeroRowFloats(g: usize): i32 {
  return (field(g, OW) + 3) & ~3;
}

export function convBackwardFilterDirect(
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
  const kh = field(g, KH);
  const kw = field(g, KW);
  const ph = field(g, PH);
  const outHeight = field(g, OH);
  const outWidth = field(g, OW);
  const o4 = (o + 3) & ~3;
  const rowFloats = directRowFloats(g);
  const paddedHeight = height + 2 * ph;
  const padded = scratch;
  const zeroRow = scratch + ((<usize>paddedFloats(g)) << 2);
  const partial = scratch + <usize>directFilterPartialOffset(g);
  const biasPartial = partial + ((<usize>(kh * kw * channels * o4)) << 2);
  memory.fill(zeroRow, 0, (<usize>(zeroRowFloats(g) + kh * kw * channels * o4 + o4)) << 2);
  const rest = outWidth & 3;
  const mask = i32x4(rest > 0 ? -1 : 0, rest > 1 ? -1 : 0, rest > 2 ? -1 : 0, 0);
  const plane = outHeight * outWidth;
  const taps = kh * kw;
  const end = shareLo(field(g, N), thread + 1, threads);
  for (let n = shareLo(field(g, N), thread, threads); n < end; n++) {
    padSample(x, n, channels, height, field(g, W), ph, field(g, PW), paddedHeight, rowFloats, padded);
    for (let k = 0; k < o; k++) {
      const target = biasPartial + ((<usize>k) << 2);
      store<f32>(target, load<f32>(target) + sum(dy + ((<usize>((n * o + k) * plane)) << 2), plane));
    }
    for (let o0 = 0; o0 < o; o0 += 4) {
      const deltas = dy + ((<usize>((n * o + o0) * plane)) << 2);
      const planeBytes = (<usize>plane) << 2;
      // Maps past O read a row of zeros that does not move.
      const step1: usize = o0 + 1 < o ? 16 : 0;
      const step2: usize = o0 + 2 < o ? 16 : 0;
      const step3: usize = o0 + 3 < o ? 16 : 0;
      for (let c = 0; c < channels; c++) {
        const xPlane = padded + ((<usize>(c * paddedHeight * rowFloats)) << 2);
        // Taps (u, v) in scan order, two at a time (an odd last tap is computed twice and stored once). Eight
        // accumulators, two input vectors and one delta vector fit V8's fifteen vector registers; twelve spilled.
        for (let t = 0; t < taps; t += 2) {
          const t1 = min(t + 1, taps - 1);
          const u0 = t / kw;
          const u1 = t1 / kw;
          const x0Tap = xPlane + ((<usize>(u0 * rowFloats + t - u0 * kw)) << 2);
          const x1Tap = xPlane + ((<usize>(u1 * rowFloats + t1 - u1 * kw)) << 2);
          let p0 = f32x4.splat(0);
          let p1 = f32x4.splat(0);
          let p2 = f32x4.splat(0);
          let p3 = f32x4.splat(0);
          let q0 = f32x4.splat(0);
          let q1 = f32x4.splat(0);
          let q2 = f32x4.splat(0);
          let q3 = f32x4.splat(0);
          for (let i = 0; i < outHeight; i++) {
            const xRow = (<usize>(i * rowFloats)) << 2;
            const row = (<usize>(i * outWidth)) << 2;
            let a = deltas + row;
            let b = o0 + 1 < o ? a + planeBytes : zeroRow;
            let e = o0 + 2 < o ? a + 2 * planeBytes : zeroRow;
            let f = o0 + 3 < o ? a + 3 * planeBytes : zeroRow;
            let xs0 = x0Tap + xRow;
            let xs1 = x1Tap + xRow;
            for (let j = 0; j <= outWidth - 4; j += 4) {
              const y0 = v128.load(xs0);
              const y1 = v128.load(xs1);
              const g0 = v128.load(a);
              p0 = madd(y0, g0, p0);
              q0 = madd(y1, g0, q0);
              const g1 = v128.load(b);
              p1 = madd(y0, g1, p1);
              q1 = madd(y1, g1, q1);
              const g2 = v128.load(e);
              p2 = madd(y0, g2, p2);
              q2 = madd(y1, g2, q2);
              const g3 = v128.load(f);
              p3 = madd(y0, g3, p3);
              q3 = madd(y1, g3, q3);
              xs0 += 16;
              xs1 += 16;
              a += 16;
              b += step1;
              e += step2;
              f += step3;
            }
            if (rest > 0) {
              const y0 = v128.load(xs0);
              const y1 = v128.load(xs1);
              const g0 = v128.and(v128.load(a), mask);
              p0 = madd(y0, g0, p0);
              q0 = madd(y1, g0, q0);
              const g1 = v128.and(v128.load(b), mask);
              p1 = madd(y0, g1, p1);
              q1 = madd(y1, g1, q1);
              const g2 = v128.and(v128.load(e), mask);
              p2 = madd(y0, g2, p2);
              q2 = madd(y1, g2, q2);
              const g3 = v128.and(v128.load(f), mask);
              p3 = madd(y0, g3, p3);
              q3 = madd(y1, g3, q3);
            }
          }
          addTap(partial, t, kh, kw, c, o4, o0, lanes4(p0, p1, p2, p3));
          if (t + 1 < taps) addTap(partial, t1, kh, kw, c, o4, o0, lanes4(q0, q1, q2, q3));
        }
      }
    }
  }
}

/** Adds four maps' sums for tap t = u kw + v of channel c into the partial's row u + kh (v + kw c). */
function addTap(partial: usize, t: i32, kh: i32, kw: i32, c: i32, o4: i32, o0: i32, sums: v128): void {
  const u = t / kw;
  const v = t - u * kw;
  const target = partial + ((<usize>((u + kh * (v + kw * c)) * o4 + o0)) << 2);
  v128.store(target, f32x4.add(v128.load(target), sums));
}

/** [sum of a's lanes, sum of b's, sum of c's, sum of d's]. */
function lanes4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(i32x4.shuffle(a, b, 0, 1, 4, 5), i32x4.shuffle(a, b, 2, 3, 6, 7));
  const cd = f32x4.add(i32x4.shuffle(c, d, 0, 1, 4, 5), i32x4.shuffle(c, d, 2, 3, 6, 7));
  return f32x4.add(i32x4.shuffle(ab, cd, 0, 2, 4, 6), i32x4.shuffle(ab, cd, 1, 3, 5, 7));
}
