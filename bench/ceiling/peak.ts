/**
 * What WebAssembly SIMD can do on this CPU, with nothing else in the way: the f32x4 multiply-add throughput of one
 * thread, and the bandwidth at which one thread streams memory into f32x4 registers. bench/workloads/wasm-ceiling.mjs
 * compiles this file (with and without relaxed SIMD) and runs it on 1 and 2 threads at once.
 *
 * The multiply-add loop keeps twelve independent accumulators: an FMA's latency (4 cycles on current x86 cores)
 * times its issue rate (2 a cycle) is 8, so twelve chains keep both FMA units busy and still leave the two operands
 * and a spare in V8's sixteen vector registers. Each accumulator grows by 1e-6 a step, so no value overflows or
 * turns subnormal.
 */

function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** 12 x `steps` f32x4 multiply-adds (96 `steps` FLOPs); returns a value that depends on every one of them. */
export function multiplyAdd(steps: i32, seed: f32): f32 {
  const x = f32x4.splat(seed * 1e-3);
  const y = f32x4.splat(1e-3);
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(1);
  let a2 = f32x4.splat(2);
  let a3 = f32x4.splat(3);
  let a4 = f32x4.splat(4);
  let a5 = f32x4.splat(5);
  let a6 = f32x4.splat(6);
  let a7 = f32x4.splat(7);
  let a8 = f32x4.splat(8);
  let a9 = f32x4.splat(9);
  let a10 = f32x4.splat(10);
  let a11 = f32x4.splat(11);
  for (let s = 0; s < steps; s++) {
    a0 = madd(x, y, a0);
    a1 = madd(x, y, a1);
    a2 = madd(x, y, a2);
    a3 = madd(x, y, a3);
    a4 = madd(x, y, a4);
    a5 = madd(x, y, a5);
    a6 = madd(x, y, a6);
    a7 = madd(x, y, a7);
    a8 = madd(x, y, a8);
    a9 = madd(x, y, a9);
    a10 = madd(x, y, a10);
    a11 = madd(x, y, a11);
  }
  const total = f32x4.add(
    f32x4.add(
      f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)),
      f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)),
    ),
    f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)),
  );
  return f32x4.extract_lane(total, 0) + f32x4.extract_lane(total, 3);
}

/** Fills `bytes` bytes at `address` with ones, so that reading them touches real pages. */
export function fillOnes(address: usize, bytes: usize): void {
  const one = f32x4.splat(1);
  for (let offset: usize = 0; offset < bytes; offset += 16) v128.store(address + offset, one);
}

/** Reads `bytes` bytes (a multiple of 64) at `address` as f32x4 and returns their sum. */
export function readSum(address: usize, bytes: usize): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  const end = address + bytes;
  for (let p = address; p < end; p += 64) {
    s0 = f32x4.add(s0, v128.load(p));
    s1 = f32x4.add(s1, v128.load(p, 16));
    s2 = f32x4.add(s2, v128.load(p, 32));
    s3 = f32x4.add(s3, v128.load(p, 48));
  }
  const total = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3));
  return f32x4.extract_lane(total, 0) + f32x4.extract_lane(total, 2);
}
