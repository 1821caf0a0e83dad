/**
 * Element-wise activations (core/src/activations.ts and layers/activation.ts are the reference), four lanes at a
 * time, the elements split between workers in multiples of four. Kinds: 0 ReLU, 1 leaky ReLU (slope), 2 tanh,
 * 3 LeCun's A tanh(S z) with A = 1.7159, S = 2/3.
 *
 * tanh is Eigen's single-precision rational approximation (a degree-13 odd numerator over a degree-6 even
 * denominator in z, inputs clamped to +-7.9053, identity below 0.0004): within 7 ulp (4.2e-7) of tanh on a grid of
 * two million points over [-10, 10].
 */
import { shareLo } from "./simd";

const RELU = 0;
const LEAKY_RELU = 1;
const TANH = 2;
const LECUN_TANH = 3;
const LECUN_A: f32 = 1.7159;
const LECUN_S: f32 = 2.0 / 3.0;

function tanh4(z: v128): v128 {
  const clamp = f32x4.splat(7.90531110763549805);
  const x = f32x4.max(f32x4.neg(clamp), f32x4.min(clamp, z));
  const x2 = f32x4.mul(x, x);
  let p = f32x4.splat(-2.76076847742355e-16);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(2.00018790482477e-13));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-8.60467152213735e-11));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(5.12229709037114e-8));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.48572235717979e-5));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(6.37261928875436e-4));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(4.89352455891786e-3));
  p = f32x4.mul(p, x);
  let q = f32x4.splat(1.19825839466702e-6);
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(1.18534705686654e-4));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(2.268434632439e-3));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(4.89352518554385e-3));
  const tiny = f32x4.lt(f32x4.abs(z), f32x4.splat(0.0004));
  return v128.bitselect(z, f32x4.div(p, q), tiny);
}

function forward4(kind: i32, z: v128, slope: f32): v128 {
  if (kind == RELU) return f32x4.max(z, f32x4.splat(0));
  if (kind == LEAKY_RELU) {
    return v128.bitselect(z, f32x4.mul(z, f32x4.splat(slope)), f32x4.gt(z, f32x4.splat(0)));
  }
  if (kind == TANH) return tanh4(z);
  assert(kind == LECUN_TANH);
  return f32x4.mul(f32x4.splat(LECUN_A), tanh4(f32x4.mul(f32x4.splat(LECUN_S), z)));
}

/** dy phi'(z), with phi' from z (the ReLUs) or from y = phi(z) (the tanhs). */
function backward4(kind: i32, z: v128, y: v128, dy: v128, slope: f32): v128 {
  const positive = f32x4.gt(z, f32x4.splat(0));
  if (kind == RELU) return v128.and(dy, positive);
  if (kind == LEAKY_RELU) return v128.bitselect(dy, f32x4.mul(dy, f32x4.splat(slope)), positive);
  const y2 = f32x4.mul(y, y);
  if (kind == TANH) return f32x4.mul(dy, f32x4.sub(f32x4.splat(1), y2));
  const derivative = f32x4.mul(
    f32x4.splat(LECUN_S),
    f32x4.sub(f32x4.splat(LECUN_A), f32x4.div(y2, f32x4.splat(LECUN_A))),
  );
  return f32x4.mul(dy, derivative);
}

/** y = phi(z) for `length` elements. */
export function activationForward(
  kind: i32,
  slope: f32,
  z: usize,
  y: usize,
  length: i32,
  thread: i32,
  threads: i32,
): void {
  const quads = (length + 3) >> 2;
  const start = shareLo(quads, thread, threads) << 2;
  const end = min(length, shareLo(quads, thread + 1, threads) << 2);
  let k = start;
  for (; k + 4 <= end; k += 4) {
    const offset = (<usize>k) << 2;
    v128.store(y + offset, forward4(kind, v128.load(z + offset), slope));
  }
  for (; k < end; k++) {
    const offset = (<usize>k) << 2;
    store<f32>(y + offset, f32x4.extract_lane(forward4(kind, f32x4.splat(load<f32>(z + offset)), slope), 0));
  }
}

/** dz = dy phi'(z) for `length` elements. */
export function activationBackward(
  kind: i32,
  slope: f32,
  z: usize,
  y: usize,
  dy: usize,
  dz: usize,
  length: i32,
  thread: i32,
  threads: i32,
): void {
  const quads = (length + 3) >> 2;
  const start = shareLo(quads, thread, threads) << 2;
  const end = min(length, shareLo(quads, thread + 1, threads) << 2);
  let k = start;
  for (; k + 4 <= end; k += 4) {
    const offset = (<usize>k) << 2;
    v128.store(
      dz + offset,
      backward4(kind, v128.load(z + offset), v128.load(y + offset), v128.load(dy + offset), slope),
    );
  }
  for (; k < end; k++) {
    const offset = (<usize>k) << 2;
    const value = backward4(
      kind,
      f32x4.splat(load<f32>(z + offset)),
      f32x4.splat(load<f32>(y + offset)),
      f32x4.splat(load<f32>(dy + offset)),
      slope,
    );
    store<f32>(dz + offset, f32x4.extract_lane(value, 0));
  }
}
