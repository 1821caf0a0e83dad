/**
 * The tuner's timer: timestamp queries where the device has the feature, the wall clock around
 * onSubmittedWorkDone otherwise, and the resolution of whichever was used recorded in the result.
 */
import { describe, expect, it } from "vitest";
import {
  Timer,
  activationOperator,
  createTimer,
  measure,
  selectTimerMethod,
  tune,
  wallClockResolutionMs,
} from "@deltalab/shaders";
import { testDevice } from "./support";

const withTimestamps = new Set(["timestamp-query", "shader-f16"]);
const without = new Set(["shader-f16"]);

describe("timer selection", () => {
  it("chooses timestamp queries when the device has the feature", () => {
    expect(selectTimerMethod(withTimestamps, "auto", "gpu")).toBe("timestamp-query");
    expect(selectTimerMethod(withTimestamps, "timestamp-query", "gpu")).toBe("timestamp-query");
  });

  it("falls back to the wall clock without the feature", () => {
    expect(selectTimerMethod(without, "auto", "cpu")).toBe("wall-clock");
  });

  it("uses the wall clock when asked for it, even with timestamp queries available", () => {
    expect(selectTimerMethod(withTimestamps, "wall-clock", "gpu")).toBe("wall-clock");
  });

  it("refuses timestamp queries on a device without them, naming the adapter", () => {
    expect(() => selectTimerMethod(without, "timestamp-query", "llvmpipe")).toThrow(
      "the adapter (llvmpipe) offers no timestamp-query feature",
    );
  });
});

describe("timer on this device", () => {
  it("follows the device's features, as the adapter description reports them", async () => {
    const gpu = await testDevice();
    const expected = gpu.adapter.timestampQuery ? "timestamp-query" : "wall-clock";
    expect(gpu.device.features.has("timestamp-query")).toBe(gpu.adapter.timestampQuery);
    expect(createTimer(gpu).method).toBe(expected);
  });

  it("measures a wall-clock resolution between 1 ns and 1 ms", () => {
    const resolution = wallClockResolutionMs();
    expect(resolution).toBeGreaterThan(1e-6);
    expect(resolution).toBeLessThan(1);
  });

  it("records the timer and its resolution in the tuning result, and no time below the resolution", async () => {
    const gpu = await testDevice();
    const result = await tune(gpu, activationOperator("relu", 64), {
      warmup: 0,
      runs: 3,
      strategy: { kind: "model-top-k", k: 2 },
      timer: "wall-clock",
    });
    expect(result.timer.method).toBe("wall-clock");
    expect(result.timer.resolutionMs).toBeGreaterThan(0);
    for (const c of result.table.candidates)
      expect(c.medianMs).toBeGreaterThanOrEqual(result.timer.resolutionMs);
  });
});

describe("stopping slow candidates early", () => {
  function scripted(times: number[]): Timer & { calls: number } {
    const timer = {
      method: "wall-clock" as const,
      resolutionMs: 1e-3,
      calls: 0,
      time: () => Promise.resolve(times[timer.calls++]),
    };
    return timer;
  }

  it("stops after the first timed run above the limit, keeping the runs so far", async () => {
    const timer = scripted([2, 1, 2, 5, 1, 1]);
    const summary = await measure(timer, [], 1, 5, 3);
    // One warm-up (2), then 1, 2, and 5 > 3 ends it.
    expect(timer.calls).toBe(4);
    expect(summary).toEqual({ medianMs: 2, spreadMs: 2, samples: 3 });
  });

  it("keeps a warm-up run above the limit as the one sample", async () => {
    const timer = scripted([9, 1, 1]);
    expect(await measure(timer, [], 1, 2, 3)).toEqual({ medianMs: 9, spreadMs: 0, samples: 1 });
    expect(timer.calls).toBe(1);
  });

  it("times every run without a limit", async () => {
    const timer = scripted([1, 2, 30, 4, 5]);
    expect((await measure(timer, [], 0, 5)).samples).toBe(5);
  });

  it("refuses a factor below 1, naming it", async () => {
    const gpu = await testDevice();
    await expect(tune(gpu, activationOperator("relu", 16), { stopSlowerThan: 0.5 })).rejects.toThrow(
      "stopSlowerThan must be a factor of at least 1, got 0.5",
    );
  });
});
