import { GpuDevice } from "@deltalab/shaders";

let shared: Promise<GpuDevice> | undefined;

/** One device per test file, opened as a user would open it (environment variables honoured). */
export function testDevice(): Promise<GpuDevice> {
  shared ??= GpuDevice.open();
  return shared;
}

/** A small deterministic generator (mulberry32), independent of the code under test. */
export function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [-1, 1). */
export function randomArray(length: number, next: () => number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = 2 * next() - 1;
  return out;
}

export function randomInt(next: () => number, lo: number, hi: number): number {
  return lo + Math.floor(next() * (hi - lo + 1));
}

/** The one tolerance check of the unit tests (../helpers/close.ts). */
export { expectClose } from "../helpers/close";
