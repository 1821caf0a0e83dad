// Timing: warm-up calls for at least `warmupMs` (at least one call), then `runs` samples; each sample repeats the call
// until it has lasted at least `minSampleMs`, so sub-millisecond calls are not lost in timer noise. The warm-up lets
// the JIT compilers (V8's tiers, oneDNN's primitives) settle, so a training step is timed as in the middle of an
// epoch; bench/torch/bench.py warms up the same way.

import { performance } from "node:perf_hooks";

export const DEFAULT_RUNS = 7;

/**
 * When one call takes longer than `maxCallMs` (the mode's budget per call), the call after the warm-up is the only
 * sample, and the result says so.
 */
export const WARMUP_MS = 1000;

export async function measure(
  fn,
  { runs = DEFAULT_RUNS, warmup = 1, warmupMs = WARMUP_MS, minSampleMs = 20, maxCallMs = Infinity } = {},
) {
  const warmupStart = performance.now();
  for (let i = 0; i < warmup || (warmup > 0 && performance.now() - warmupStart < warmupMs); i++) await fn();
  const probeStart = performance.now();
  await fn();
  const probeMs = performance.now() - probeStart;
  if (probeMs > maxCallMs && runs > 1) {
    return {
      ...summarize([probeMs]),
      note: `1 run only: one call took ${(probeMs / 1000).toFixed(1)} s, over this mode's ${maxCallMs / 1000} s per call`,
    };
  }
  const repeat = Math.max(1, Math.ceil(minSampleMs / Math.max(probeMs, 1e-3)));
  const samples = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    for (let i = 0; i < repeat; i++) await fn();
    samples.push((performance.now() - start) / repeat);
  }
  return summarize(samples, repeat);
}

export function summarize(samples, repeat = 1) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return {
    medianMs: median,
    minMs: sorted[0],
    maxMs: sorted[sorted.length - 1],
    runs: samples.length,
    repeat,
  };
}

/** Deterministic uniform values in [-1, 1). */
export function seededFloats(length, seed = 1) {
  const out = new Float32Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2147483648 - 1;
  }
  return out;
}

/** Adds `note` to a result, keeping a note it already has. */
export function withNote(result, note) {
  return { ...result, note: result.note ? `${note}; ${result.note}` : note };
}
