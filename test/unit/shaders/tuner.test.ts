import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import {
  TUNING_TABLE_SCHEMA_V1,
  tuningTableProblems,
  type TuningTablePayload,
} from "@deltalab/core/payloads";
import {
  TuningCache,
  TunableOperator,
  activationOperator,
  candidateId,
  chooseLaunch,
  conv2dForwardOperator,
  matmulOperator,
  createTimer,
  summarize,
  tune,
} from "@deltalab/shaders";
import { testDevice } from "./support";

function expectValidPayload(table: TuningTablePayload) {
  const validate = new Ajv({ allErrors: true }).compile(TUNING_TABLE_SCHEMA_V1);
  expect(validate(table), JSON.stringify(validate.errors)).toBe(true);
  expect(tuningTableProblems(table)).toEqual([]);
}

const quick = { warmup: 1, runs: 3 };

describe("auto-tuner", () => {
  it("evaluates every feasible candidate exhaustively and returns a valid tuning-table payload", async () => {
    const gpu = await testDevice();
    const operator = activationOperator("relu", 256);
    const result = await tune(gpu, operator, { ...quick, strategy: { kind: "exhaustive" } });
    expect(result.evaluated).toBe(result.feasible);
    expect(result.table.candidates).toHaveLength(result.feasible);
    expect(result.table.candidates.every((c) => c.check.passed)).toBe(true);
    expectValidPayload(result.table);
  });

  it("evaluates only the model's top k (plus the default) and ranks them by modelled accesses", async () => {
    const gpu = await testDevice();
    const operator = matmulOperator(24, 20, 16);
    const result = await tune(gpu, operator, { ...quick, strategy: { kind: "model-top-k", k: 3 } });
    const defaultId = candidateId(operator, operator.defaultParams);
    const topK = result.table.candidates.filter((c) => c.id !== defaultId);
    expect(result.evaluated).toBe(result.table.candidates.length);
    expect(topK.length).toBe(3);
    // No feasible candidate outside the top k is modelled cheaper than the top k's most expensive.
    const cutoff = Math.max(...topK.map((c) => c.globalAccesses));
    const cheaper = operator
      .space()
      .filter((p) => operator.infeasible(p, gpu.limits) === undefined)
      .filter((p) => operator.globalAccesses(p) < cutoff);
    expect(cheaper.length).toBeLessThanOrEqual(3);
    expect(result.table.candidates.every((c) => c.check.passed)).toBe(true);
    expectValidPayload(result.table);
  });

  it("samples k random candidates reproducibly for a seed", async () => {
    const gpu = await testDevice();
    const operator = conv2dForwardOperator([2, 9, 10], { filters: 3, kernel: 3, padding: 1 }, 1);
    const run = () => tune(gpu, operator, { ...quick, strategy: { kind: "random", k: 4, seed: 7 } });
    const [first, second] = [await run(), await run()];
    expect(first.table.candidates.map((c) => c.id)).toEqual(second.table.candidates.map((c) => c.id));
    expect(first.evaluated).toBeGreaterThanOrEqual(4);
    expect(first.table.candidates.every((c) => c.check.passed)).toBe(true);
  });

  it("prunes configurations beyond the adapter's limits, naming the limit", () => {
    const operator = matmulOperator(8, 8, 8);
    const limits = {
      maxComputeInvocationsPerWorkgroup: 64,
      maxComputeWorkgroupSizeX: 64,
      maxComputeWorkgroupSizeY: 64,
      maxComputeWorkgroupStorageSize: 1024,
    } as GPUSupportedLimits;
    const big = { workgroupX: 16, workgroupY: 8, rowsPerInvocation: 1, colsPerInvocation: 1, tile: 0 };
    expect(operator.infeasible(big, limits)).toMatch(
      /128 invocations exceed maxComputeInvocationsPerWorkgroup/,
    );
    const staged = { workgroupX: 8, workgroupY: 8, rowsPerInvocation: 4, colsPerInvocation: 4, tile: 16 };
    expect(operator.infeasible(staged, limits)).toMatch(
      /workgroup memory exceed maxComputeWorkgroupStorageSize/,
    );
  });

  it("fails the check of a candidate that does not compute the operator, and never picks it", async () => {
    const gpu = await testDevice();
    const honest = activationOperator("identity", 64);
    const idle: TunableOperator = {
      ...honest,
      prepare: (device) => {
        const inner = honest.prepare(device);
        // The vec4 launch is replaced by one that writes nothing.
        return { ...inner, dispatches: (params) => (params.vec4 === true ? [] : inner.dispatches(params)) };
      },
    };
    const result = await tune(gpu, idle, { ...quick, strategy: { kind: "exhaustive" } });
    const failed = result.table.candidates.filter((c) => !c.check.passed);
    expect(failed.length).toBe(result.table.candidates.filter((c) => c.params.vec4 === true).length);
    expect(failed.length).toBeGreaterThan(0);
    expect(result.best?.params.vec4).toBe(false);
  });

  it("resumes an interrupted run from the cache and then chooses the cached best", async () => {
    const gpu = await testDevice();
    const path = join(mkdtempSync(join(tmpdir(), "deltalab-tuning-")), "tuning.json");
    const operator = activationOperator("sigmoid", 128);
    const stopAfterTwo = (_c: unknown, done: number) => {
      if (done === 2) throw new Error("interrupted");
    };
    const strategy = { kind: "exhaustive" } as const;
    await expect(
      tune(gpu, operator, { ...quick, strategy, cache: TuningCache.open(path), onCandidate: stopAfterTwo }),
    ).rejects.toThrow("interrupted");
    expect(chooseLaunch(gpu, operator, TuningCache.open(path))).toEqual(operator.defaultParams);

    const result = await tune(gpu, operator, { ...quick, strategy, cache: TuningCache.open(path) });
    expect(result.resumed).toBe(2);
    expect(result.evaluated).toBe(result.feasible - 2);
    expect(chooseLaunch(gpu, operator, TuningCache.open(path))).toEqual(result.best?.params);
  });

  it("refuses a damaged cache file, naming it", () => {
    const path = join(mkdtempSync(join(tmpdir(), "deltalab-tuning-")), "tuning.json");
    writeFileSync(path, "{ not json");
    expect(() => TuningCache.open(path)).toThrow(/tuning\.json is not valid JSON/);
    writeFileSync(path, JSON.stringify({ format: "other", version: 1, adapters: {} }));
    expect(() => TuningCache.open(path)).toThrow(/not a deltalab-tuning-cache file of version 1/);
    expect(readFileSync(path, "utf8")).toContain("other");
  });

  it("refuses a strategy without a usable k, naming it", async () => {
    const gpu = await testDevice();
    const operator = activationOperator("relu", 16);
    await expect(tune(gpu, operator, { strategy: { kind: "model-top-k", k: 0 } })).rejects.toThrow(
      /model-top-k strategy needs k, a positive integer; got 0/,
    );
  });

  it("summarizes timings by the median and the interquartile range", () => {
    // Sorted: 1 2 3 4 10; quartiles by linear interpolation at positions 1 and 3.
    expect(summarize([10, 2, 4, 1, 3])).toEqual({ medianMs: 3, spreadMs: 2, samples: 5 });
  });

  it("uses timestamp queries only where the adapter offers them, and says so when asked for them without", async () => {
    const gpu = await testDevice();
    if (gpu.device.features.has("timestamp-query")) {
      expect(createTimer(gpu).method).toBe("timestamp-query");
    } else {
      expect(createTimer(gpu).method).toBe("wall-clock");
      expect(() => createTimer(gpu, "timestamp-query")).toThrow(/offers no timestamp-query feature/);
    }
    expect(createTimer(gpu, "wall-clock").resolutionMs).toBeGreaterThan(0);
  });
});
