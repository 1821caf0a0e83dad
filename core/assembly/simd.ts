/**
 * The one place where the two builds differ: with relaxed SIMD enabled at compile time, a multiply-add is the fused
 * f32x4.relaxed_madd (one FMA instruction where the CPU has one); without it, a multiply and an add.
 */

export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** dst[k] = src[k] + s for k < length (dst may equal src). */
export function addScalar(dst: usize, src: usize, length: i32, s: f32): void {
  const sv = f32x4.splat(s);
  let k = 0;
  for (; k + 4 <= length; k += 4) {
    const offset = (<usize>k) << 2;
    v128.store(dst + offset, f32x4.add(v128.load(src + offset), sv));
  }
  for (; k < length; k++) {
    const offset = (<usize>k) << 2;
    store<f32>(dst + offset, load<f32>(src + offset) + s);
  }
}

/** dst[k] += src[k] for k < length. */
export function addInto(dst: usize, src: usize, length: i32): void {
  let k = 0;
  for (; k + 4 <= length; k += 4) {
    const offset = (<usize>k) << 2;
    v128.store(dst + offset, f32x4.add(v128.load(dst + offset), v128.load(src + offset)));
  }
  for (; k < length; k++) {
    const offset = (<usize>k) << 2;
    store<f32>(dst + offset, load<f32>(dst + offset) + load<f32>(src + offset));
  }
}

/** The sum of src[k] for k < length. */
export function sum(src: usize, length: i32): f32 {
  let acc = f32x4.splat(0);
  let k = 0;
  for (; k + 4 <= length; k += 4) acc = f32x4.add(acc, v128.load(src + ((<usize>k) << 2)));
  let total =
    f32x4.extract_lane(acc, 0) +
    f32x4.extract_lane(acc, 1) +
    f32x4.extract_lane(acc, 2) +
    f32x4.extract_lane(acc, 3);
  for (; k < length; k++) total += load<f32>(src + ((<usize>k) << 2));
  return total;
}

/** Where worker `thread` of `threads` starts its share of 0..total; the share ends where worker thread + 1 starts. */
export function shareLo(total: i32, thread: i32, threads: i32): i32 {
  return <i32>((<i64>total * thread) / threads);
}

/** dst[k] = src[index[k]] where index[k] >= 0, else 0, for k < length (index: i32 at `index`). */
export function gather(dst: usize, src: usize, index: usize, length: i32): void {
  for (let k = 0; k < length; k++) {
    const i = load<i32>(index + ((<usize>k) << 2));
    store<f32>(dst + ((<usize>k) << 2), i >= 0 ? load<f32>(src + ((<usize>i) << 2)) : 0);
  }
}

/** dst[index[k]] += src[k] where index[k] >= 0, for k < length: the adjoint of gather. */
export function scatterAdd(dst: usize, src: usize, index: usize, length: i32): void {
  for (let k = 0; k < length; k++) {
    const i = load<i32>(index + ((<usize>k) << 2));
    if (i >= 0) {
      const target = dst + ((<usize>i) << 2);
      store<f32>(target, load<f32>(target) + load<f32>(src + ((<usize>k) << 2)));
    }
  }
}
