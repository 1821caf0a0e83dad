/** Seeded test data from core's generator. */
import { SeededRandom } from "@deltalab/core";

/** Uniform values in [-1, 1). */
export function randomFloats(length: number, seed: number): Float32Array {
  const random = new SeededRandom(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = 2 * random.next() - 1;
  return out;
}

/** Small integers 0 to 3, so that pooling windows hold ties. */
export function tiedFloats(length: number, seed: number): Float32Array {
  const random = new SeededRandom(seed);
  return Float32Array.from({ length }, () => Math.floor(random.next() * 4));
}
