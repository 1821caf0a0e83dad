/** Small dense-vector helpers for the landscape code (internal: not exported from the package). */

export function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

export function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

/** Throws a TypeError or RangeError unless `v` is a Float64Array of length `dim` with finite entries. */
export function requireVector(name: string, v: unknown, dim: number): asserts v is Float64Array {
  if (!(v instanceof Float64Array)) throw new TypeError(`${name} must be a Float64Array`);
  if (v.length !== dim) throw new RangeError(`${name} has length ${v.length}, expected ${dim}`);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw new RangeError(`${name}[${i}] is ${v[i]}; expected a finite number`);
  }
}
