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
        for (let ox = 0; ox < outWidth; ox++, out += 4) {
          store<f32>(out, load<f32>(argmax2x2(top + ((<usize>ox) << 3), (<usize>width) << 2)));
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
        for (let ox = 0; ox < outWidth; ox++, delta += 4) {
          const target = argmax2x2(top + ((<usize>ox) << 3), (<usize>width) << 2) - x + dx;
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
  for (let p = shareLo(planes, thread, threads); p < end; p++) {
    const plane = x + ((<usize>(p * height * width)) << 2);
    let out = y + ((<usize>(p * outHeight * outWidth)) << 2);
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++, out += 4) {
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
  for (let p = start; p < end; p++) {
    const plane = dx + <usize>p * planeBytes;
    let delta = dy + ((<usize>(p * outHeight * outWidth)) << 2);
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++, delta += 4) {
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
