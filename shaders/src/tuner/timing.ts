/**
 * Timing a launch: timestamp queries around the compute passes where the adapter offers them, otherwise wall time
 * from submit to onSubmittedWorkDone. Median and interquartile range of k runs after a warm-up.
 */
import { Dispatch, GpuDevice } from "../device/gpu";

export type TimerMethod = "timestamp-query" | "wall-clock";

export interface Timer {
  readonly method: TimerMethod;
  /** The smallest time step the timer can show, ms (measured for the wall clock; the tick for timestamps). */
  readonly resolutionMs: number;
  /** Times one submission of the dispatches, ms. */
  time(dispatches: readonly Dispatch[]): Promise<number>;
}

const QUERY_RESOLVE = 0x0200;
const COPY_SRC = 0x0004;
const COPY_DST = 0x0008;
const MAP_READ = 0x0001;

/** The smallest positive step of performance.now(), from consecutive readings. */
export function wallClockResolutionMs(samples = 2000): number {
  let smallest = Infinity;
  let previous = performance.now();
  for (let i = 0; i < samples; i++) {
    const now = performance.now();
    if (now > previous) smallest = Math.min(smallest, now - previous);
    previous = now;
  }
  return smallest;
}

function wallClockTimer(gpu: GpuDevice): Timer {
  return {
    method: "wall-clock",
    resolutionMs: wallClockResolutionMs(),
    async time(dispatches) {
      const start = performance.now();
      gpu.submit(dispatches);
      await gpu.idle();
      return performance.now() - start;
    },
  };
}

/** GPU timestamps written at the beginning of the first pass and the end of the last (nanosecond ticks). */
function timestampTimer(gpu: GpuDevice): Timer {
  const device = gpu.device;
  const querySet = device.createQuerySet({ type: "timestamp", count: 2 });
  const resolve = device.createBuffer({ size: 16, usage: QUERY_RESOLVE | COPY_SRC });
  return {
    method: "timestamp-query",
    resolutionMs: 1e-6,
    async time(dispatches) {
      const encoder = device.createCommandEncoder();
      dispatches.forEach((dispatch, i) => {
        const writes: GPUComputePassTimestampWrites = { querySet };
        if (i === 0) writes.beginningOfPassWriteIndex = 0;
        if (i === dispatches.length - 1) writes.endOfPassWriteIndex = 1;
        gpu.encode(encoder, dispatch, writes);
      });
      const staging = device.createBuffer({ size: 16, usage: MAP_READ | COPY_DST });
      encoder.resolveQuerySet(querySet, 0, 2, resolve, 0);
      encoder.copyBufferToBuffer(resolve, 0, staging, 0, 16);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MAP_READ);
      const [begin, end] = new BigUint64Array(staging.getMappedRange().slice(0));
      staging.unmap();
      staging.destroy();
      gpu.throwPendingErrors();
      return Number(end - begin) / 1e6;
    },
  };
}

/**
 * The timer for a device with these features: timestamp queries where the device has the feature (unless the wall
 * clock is asked for), otherwise the wall clock. Asking for timestamp queries on a device without them is an error
 * naming the adapter.
 */
export function selectTimerMethod(
  features: { has(name: string): boolean },
  prefer: TimerMethod | "auto",
  adapterName: string,
): TimerMethod {
  const canTimestamp = features.has("timestamp-query");
  if (prefer === "timestamp-query" && !canTimestamp) {
    throw new Error(`the adapter (${adapterName}) offers no timestamp-query feature`);
  }
  return canTimestamp && prefer !== "wall-clock" ? "timestamp-query" : "wall-clock";
}

/** Timestamp queries when the device has them, otherwise the wall clock (`selectTimerMethod`). */
export function createTimer(gpu: GpuDevice, prefer: TimerMethod | "auto" = "auto"): Timer {
  const adapterName = gpu.adapter.description || gpu.adapter.device;
  const method = selectTimerMethod(gpu.device.features, prefer, adapterName);
  return method === "timestamp-query" ? timestampTimer(gpu) : wallClockTimer(gpu);
}

export interface TimingSummary {
  readonly medianMs: number;
  /** Interquartile range q3 - q1, ms. */
  readonly spreadMs: number;
  readonly samples: number;
}

/** The q-quantile of sorted values by linear interpolation between closest ranks. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error("quantile of no values");
  const position = (sorted.length - 1) * q;
  const lo = Math.floor(position);
  const hi = Math.ceil(position);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
}

export function summarize(samplesMs: readonly number[]): TimingSummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    medianMs: quantile(sorted, 0.5),
    spreadMs: quantile(sorted, 0.75) - quantile(sorted, 0.25),
    samples: sorted.length,
  };
}

/**
 * `warmup` untimed runs, then `runs` timed ones. Timing stops early after a run slower than `stopAboveMs`, so that a
 * candidate far slower than the best so far costs one or two runs, not k: after such a timed run the runs so far
 * are kept; after such a warm-up run, that run is the one sample.
 */
export async function measure(
  timer: Timer,
  dispatches: readonly Dispatch[],
  warmup: number,
  runs: number,
  stopAboveMs = Infinity,
  signal?: AbortSignal,
): Promise<TimingSummary> {
  for (let i = 0; i < warmup; i++) {
    signal?.throwIfAborted();
    const ms = await timer.time(dispatches);
    if (ms > stopAboveMs) return summarize([ms]);
  }
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    signal?.throwIfAborted();
    samples.push(await timer.time(dispatches));
    if (samples[i] > stopAboveMs) break;
  }
  return summarize(samples);
}
