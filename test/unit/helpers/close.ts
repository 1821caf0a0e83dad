/** The one tolerance check of the unit tests: elementwise closeness with the worst entry named on failure. */
import { expect } from "vitest";

/**
 * |actual - expected| <= atol + rtol |expected| for every entry (NaN is never close), with the worst index, the
 * two values and the bound in the failure message. The defaults suit Float32 sums of a few hundred terms of size ~1.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol = 1e-4,
  rtol = 1e-4,
): void {
  expect(actual.length).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (Number.isNaN(excess) || excess > worstExcess) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    const bound = atol + rtol * Math.abs(expected[worst]);
    expect.fail(
      `element ${worst} of ${expected.length}: got ${actual[worst]}, expected ${expected[worst]} (bound ${bound})`,
    );
  }
}

/**
 * The absolute tolerance for Float32 sums of `terms` products of values in [-1, 1]: 1e-5 sqrt(terms) + 1e-6 (random
 * rounding errors grow like the square root of the number of terms). Use it as `atol` with `rtol` 0.
 */
export function sumTolerance(terms: number): number {
  return 1e-5 * Math.sqrt(Math.max(1, terms)) + 1e-6;
}
