/** Shared pieces of the WebAssembly backend tests: seeded data and a Float32 tolerance check. */
import { expect } from "vitest";
import { SeededRandom } from "@deltalab/core";

export function randomFloats(length: number, seed: number): Float32Array {
  const random = new SeededRandom(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = 2 * random.next() - 1;
  return out;
}

/**
 * Every entry within Float32 rounding of a sum of `terms` products of values in [-1, 1]: |actual - expected| <=
 * 1e-5 sqrt(terms) + 1e-6 (random rounding errors grow like the square root of the number of terms).
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, terms: number): void {
  expect(actual.length).toBe(expected.length);
  const tolerance = 1e-5 * Math.sqrt(Math.max(1, terms)) + 1e-6;
  let worst = 0;
  let where = -1;
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    if (!(error <= worst)) {
      worst = error;
      where = i;
    }
  }
  expect(worst, `largest error at index ${where}`).toBeLessThanOrEqual(tolerance);
}
