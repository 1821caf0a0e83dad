/**
 * Max and average pooling (seed 004 section 3.4, eq. 98-100; core/src/layers/max-pool.ts and average-pool.ts are
 * the reference) over `planes` = N C planes of H x W, windows wh x ww moved by (sh, sw), OH x OW outputs. Workers
 * split the planes, so no two write the same entry. Max pooling's tie rule is the reference's: the first maximum
 * in scan order (row by row, left to right) takes the whole delta.
 */
import { shareLo } from "./simd";

/** The byte address of the first maximum of the window at (oy, ox) in the plane at `plane`. */
function argmax(plane: usize, width: i32, wh: i32, ww: i32, top: i32, left: i32): usize {
  let best = plane + ((<usize>(top * width + left)) << 2);
  let bestValue = load<f32>(best);
  for (let u = 0; u < wh; u++) {
    const row = plane + ((<usize>((top + u) * width + left)) << 2);
    for (let v = 0; v < ww; v++) {
      const value = load<f32>(row + ((<usize>v) << 2));
      if (value > bestValue) {
        bestValue = value;
        best = row + ((<usize>v) << 2);
      }
    }
  }
  return best;
}

export function maxPoolForward(
  x: usize,
  y: usize,
  planes: i32,
  height: i32,
  width: i32,
  wh: i32,
  ww: i32,
  sh: i32,
  sw: i32,
  outHeight: i32,
  outWidth: i32,
  thread: i32,
  threads: i32,
): void {
  const end = shareLo(planes, thread + 1, threads);
  const halving = wh == 2 && ww == 2 && sh == 2 && sw == 2;
  for (let p = shareLo(planes, thread, threads); p < end; p++) {
    const plane = x + ((<usize>(p * height * width)) << 2);
    let out = y + ((<usize>(p * outHeight * outWidth)) << 2);
    for (let oy = 0; oy < outHeight; oy++) {
      if (halving) {
        const top = plane + ((<usize>(2 * oy * width)) << 2);
        const row = (<usize>width) << 2;
        let ox = 0;
        for (; ox + 4 <= outWidth; ox += 4, out += 16) {
          const at = top + ((<usize>ox) << 3);
          const top0 = v128.load(at);
          const top1 = v128.load(at, 16);
          const bottom0 = v128.load(at + row);
          const bottom1 = v128.load(at + row, 16);
          // Lane k of a, b, c, d: window k's entries in scan order.
          const a = i32x4.shuffle(top0, top1, 0, 2, 4, 6);
          const b = i32x4.shuffle(top0, top1, 1, 3, 5, 7);
          const c = i32x4.shuffle(bottom0, bottom1, 0, 2, 4, 6);
          const d = i32x4.shuffle(bottom0, bottom1, 1, 3, 5, 7);
          // pmax(best, value) = best < value ? value : best: the reference's scan, value by value.
          v128.store(out, f32x4.pmax(f32x4.pmax(f32x4.pmax(a, b), c), d));
        }
        for (; ox < outWidth; ox++, out += 4) {
          store<f32>(out, load<f32>(argmax2x2(top + ((<usize>ox) << 3), row)));
        }
        continue;
      }
      for (let ox = 0; ox < outWidth; ox++, out += 4) {
        store<f32>(out, load<f32>(argmax(plane, width, wh, ww, oy * sh, ox * sw)));
      }
    }
  }
}

/**
 * argmax for a 2 x 2 window whose top-left entry is at `at`, rows `row` bytes apart (the same tie rule), without
 * branches: on random data the comparisons mispredict half the time.
 */
function argmax2x2(at: usize, row: usize): usize {
  const a = load<f32>(at);
  const b = load<f32>(at, 4);
  const c = load<f32>(at + row);
  const d = load<f32>(at + row, 4);
  let best = at;
  let bestValue = a;
  best = select<usize>(at + 4, best, b > bestValue);
  bestValue = select<f32>(b, bestValue, b > bestValue);
  best = select<usize>(at + row, best, c > bestValue);
  bestValue = select<f32>(c, bestValue, c > bestValue);
  return select<usize>(at + row + 4, best, d > bestValue);
}

/** dx = 0, then dx[first argmax] += dy (eq. 100 with the tie rule above). */
export function maxPoolBackward(
  x: usize,
  dy: usize,
  dx: usize,
  planes: i32,
  height: i32,
  width: i32,
  wh: i32,
  ww: i32,
  sh: i32,
  sw: i32,
  outHeight: i32,
  outWidth: i32,
  thread: i32,
  threads: i32,
): void {
  const start = shareLo(planes, thread, threads);
  const end = shareLo(planes, thread + 1, threads);
  const plane = (<usize>(height * width)) << 2;
  memory.fill(dx + <usize>start * plane, 0, <usize>(end - start) * plane);
  const halving = wh == 2 && ww == 2 && sh == 2 && sw == 2;
  for (let p = start; p < end; p++) {
    const offset = <usize>p * plane;
    let delta = dy + ((<usize>(p * outHeight * outWidth)) << 2);
    for (let oy = 0; oy < outHeight; oy++) {
      if (halving) {
        const top = x + offset + ((<usize>(2 * oy * width)) << 2);
        const row = (<usize>width) << 2;
        let ox = 0;
        for (; ox + 4 <= outWidth; ox += 4, delta += 16) {
          // Windows do not overlap: write each whole window, the delta at its first maximum and zeros elsewhere.
          const at = top + ((<usize>ox) << 3);
          const top0 = v128.load(at);
          const top1 = v128.load(at, 16);
          const bottom0 = v128.load(at + row);
          const bottom1 = v128.load(at + row, 16);
          // Lane k of a, b, c, d: window k's entries in scan order.
          const a = i32x4.shuffle(top0, top1, 0, 2, 4, 6);
          const b = i32x4.shuffle(top0, top1, 1, 3, 5, 7);
          const c = i32x4.shuffle(bottom0, bottom1, 0, 2, 4, 6);
          const d = i32x4.shuffle(bottom0, bottom1, 1, 3, 5, 7);
          const takeB = f32x4.gt(b, a);
          let best = f32x4.pmax(a, b);
          const takeC = f32x4.gt(c, best);
          best = f32x4.pmax(best, c);
          const takeD = f32x4.gt(d, best);
          const notD = v128.not(takeD);
          const notCD = v128.and(v128.not(takeC), notD);
          const g = v128.load(delta);
          const toA = v128.andnot(v128.and(g, notCD), takeB);
          const toB = v128.and(v128.and(g, takeB), notCD);
          const toC = v128.and(v128.and(g, takeC), notD);
          const toD = v128.and(g, takeD);
          const target = at - x + dx;
          v128.store(target, i32x4.shuffle(toA, toB, 0, 4, 1, 5));
          v128.store(target, i32x4.shuffle(toA, toB, 2, 6, 3, 7), 16);
          v128.store(target + row, i32x4.shuffle(toC, toD, 0, 4, 1, 5));
          v128.store(target + row, i32x4.shuffle(toC, toD, 2, 6, 3, 7), 16);
        }
        for (; ox < outWidth; ox++, delta += 4) {
          const target = argmax2x2(top + ((<usize>ox) << 3), row) - x + dx;
          store<f32>(target, load<f32>(target) + load<f32>(delta));
        }
        continue;
      }
      for (let ox = 0; ox < outWidth; ox++, delta += 4) {
        const target = argmax(x + offset, width, wh, ww, oy * sh, ox * sw) - x + dx;
        store<f32>(target, load<f32>(target) + load<f32>(delta));
      }
    }
  }
}

export function averagePoolForward(
  x: usize,
  y: usize,
  planes: i32,
  height: i32,
  width: i32,
  wh: i32,
  ww: i32,
  sh: i32,
  sw: i32,
  outHeight: i32,
  outWidth: i32,
  thread: i32,
  threads: i32,
): void {
  const scale: f32 = 1 / <f32>(wh * ww);
  const end = shareLo(planes, thread + 1, threads);
  const halving = wh == 2 && ww == 2 && sh == 2 && sw == 2;
  const scales = f32x4.splat(scale);
  for (let p = shareLo(planes, thread, threads); p < end; p++) {
    const plane = x + ((<usize>(p * height * width)) << 2);
    let out = y + ((<usize>(p * outHeight * outWidth)) << 2);
    for (let oy = 0; oy < outHeight; oy++) {
      let ox = 0;
      if (halving) {
        // Four windows per step, summed in the reference's order (row by row, left to right).
        const top = plane + ((<usize>(2 * oy * width)) << 2);
        const row = (<usize>width) << 2;
        for (; ox + 4 <= outWidth; ox += 4, out += 16) {
          const at = top + ((<usize>ox) << 3);
          const top0 = v128.load(at);
          const top1 = v128.load(at, 16);
          const bottom0 = v128.load(at + row);
          const bottom1 = v128.load(at + row, 16);
          const a = i32x4.shuffle(top0, top1, 0, 2, 4, 6);
          const b = i32x4.shuffle(top0, top1, 1, 3, 5, 7);
          const c = i32x4.shuffle(bottom0, bottom1, 0, 2, 4, 6);
          const d = i32x4.shuffle(bottom0, bottom1, 1, 3, 5, 7);
          v128.store(out, f32x4.mul(f32x4.add(f32x4.add(f32x4.add(a, b), c), d), scales));
        }
      }
      for (; ox < outWidth; ox++, out += 4) {
        let sum: f32 = 0;
        for (let u = 0; u < wh; u++) {
          const row = plane + ((<usize>((oy * sh + u) * width + ox * sw)) << 2);
          for (let v = 0; v < ww; v++) sum += load<f32>(row + ((<usize>v) << 2));
        }
        store<f32>(out, sum * scale);
      }
    }
  }
}

/** dx = 0, then every entry of a window gets dy / (wh ww) (eq. 93 with alpha = 1 / (wh ww)). */
export function averagePoolBackward(
  dy: usize,
  dx: usize,
  planes: i32,
  height: i32,
  width: i32,
  wh: i32,
  ww: i32,
  sh: i32,
  sw: i32,
  outHeight: i32,
  outWidth: i32,
  thread: i32,
  threads: i32,
): void {
  const scale: f32 = 1 / <f32>(wh * ww);
  const start = shareLo(planes, thread, threads);
  const end = shareLo(planes, thread + 1, threads);
  const planeBytes = (<usize>(height * width)) << 2;
  memory.fill(dx + <usize>start * planeBytes, 0, <usize>(end - start) * planeBytes);
  const halving = wh == 2 && ww == 2 && sh == 2 && sw == 2;
  const scales = f32x4.splat(scale);
  for (let p = start; p < end; p++) {
    const plane = dx + <usize>p * planeBytes;
    let delta = dy + ((<usize>(p * outHeight * outWidth)) << 2);
    for (let oy = 0; oy < outHeight; oy++) {
      let ox = 0;
      if (halving) {
        // Windows do not overlap: four windows per step, each of their entries written once with its share.
        const top = plane + ((<usize>(2 * oy * width)) << 2);
        const row = (<usize>width) << 2;
        for (; ox + 4 <= outWidth; ox += 4, delta += 16) {
          const share = f32x4.mul(v128.load(delta), scales);
          const left = i32x4.shuffle(share, share, 0, 0, 1, 1);
          const right = i32x4.shuffle(share, share, 2, 2, 3, 3);
          const at = top + ((<usize>ox) << 3);
          v128.store(at, left);
          v128.store(at, right, 16);
          v128.store(at + row, left);
          v128.store(at + row, right, 16);
        }
      }
      for (; ox < outWidth; ox++, delta += 4) {
        const share = load<f32>(delta) * scale;
        for (let u = 0; u < wh; u++) {
          const row = plane + ((<usize>((oy * sh + u) * width + ox * sw)) << 2);
          for (let v = 0; v < ww; v++) {
            const target = row + ((<usize>v) << 2);
            store<f32>(target, load<f32>(target) + share);
          }
        }
      }
    }
  }
}
