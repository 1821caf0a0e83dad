/**
 * The convolution's tunable operators: the widened forward search space, the backward operators (input delta,
 * eq. 74; parameter gradient, eq. 79-81) checked against the CPU layer, the access model of the blocked kernel
 * counted by hand, and the model ranking interleaved across kernel families.
 */
import { describe, expect, it } from "vitest";
import { Conv2dLayer, LENET5_C3_CONNECTIONS } from "@deltalab/core";
import {
  LaunchParams,
  MAX_ACCUMULATORS,
  MIN_INVOCATIONS,
  blockedAccesses,
  conv2dFilterGradientOperator,
  conv2dForwardOperator,
  conv2dGeometry,
  conv2dInputDeltaOperator,
  plan,
  tune,
} from "@deltalab/shaders";
import { testDevice } from "./support";

const quick = { warmup: 0, runs: 1 };

function blocked(space: LaunchParams[]): LaunchParams[] {
  return space.filter((p) => p.method === "blocked");
}

describe("convolution forward search space", () => {
  it("holds register blockings over output maps and pixels, within the accumulator budget", () => {
    const space = conv2dForwardOperator([1, 28, 28], { filters: 6, kernel: 5 }, 8).space();
    const blockings = new Set(
      blocked(space).map((p) => `${p.channelsPerInvocation}x${p.pixelsPerInvocation}`),
    );
    // 6 maps: blocks of 1, 2, 4 and 8 maps; 1, 2, 4 and 8 pixels; 8 x 8 is over the budget of 32.
    expect([...blockings].sort()).toEqual(
      [
        "1x1",
        "1x2",
        "1x4",
        "1x8",
        "2x1",
        "2x2",
        "2x4",
        "2x8",
        "4x1",
        "4x2",
        "4x4",
        "4x8",
        "8x1",
        "8x2",
        "8x4",
      ].sort(),
    );
    for (const p of blocked(space)) {
      expect(Number(p.channelsPerInvocation) * Number(p.pixelsPerInvocation)).toBeLessThanOrEqual(
        MAX_ACCUMULATORS,
      );
    }
    expect(space.every((p) => Number(p.workgroupX) * Number(p.workgroupY) >= MIN_INVOCATIONS)).toBe(true);
  });

  it("offers vec4 input loads only where rows are 4-aligned, unpadded and of stride 1", () => {
    const aligned = blocked(conv2dForwardOperator([1, 28, 28], { filters: 6, kernel: 5 }, 1).space());
    expect(aligned.filter((p) => p.vec4 === true).every((p) => Number(p.pixelsPerInvocation) % 4 === 0)).toBe(
      true,
    );
    expect(aligned.some((p) => p.vec4 === true)).toBe(true);
    const padded = conv2dForwardOperator([4, 32, 32], { filters: 4, kernel: 3, padding: 1 }, 1).space();
    const strided = conv2dForwardOperator([3, 32, 32], { filters: 4, kernel: 7, stride: 2 }, 1).space();
    const odd = conv2dForwardOperator([1, 30, 30], { filters: 2, kernel: 3 }, 1).space();
    for (const space of [padded, strided, odd]) expect(space.some((p) => p.vec4 === true)).toBe(false);
  });

  it("keeps the plain direct kernel, 8 x 8, one output per invocation, as the untuned default", () => {
    const operator = conv2dForwardOperator([6, 14, 14], { filters: 16, kernel: 5 }, 2);
    expect(operator.defaultParams).toEqual({
      method: "direct",
      workgroupX: 8,
      workgroupY: 8,
      outputsPerInvocation: 1,
    });
  });
});

describe("blocked access model", () => {
  it("counts the loads of each invocation: kh rows of (P - 1) s + kw inputs and kh kw weights per map", () => {
    // 1 input map 8 x 8, 6 output maps 6 x 6, 3 x 3 kernels; blocks of 2 maps x 3 pixels; work groups of 2 x 1.
    // Columns: ceil(6 / 3) = 2 invocations (a multiple of 2); rows: 6; map blocks: 3, each using input map 0.
    // Each of the 2 x 6 x 3 = 36 invocations reads 3 rows of (3 - 1) + 3 = 5 inputs and 3 rows of 2 x 3 weights.
    const layer = new Conv2dLayer("c", [1, 8, 8], { filters: 6, kernel: 3 });
    const g = conv2dGeometry(layer, 1);
    const blocking = { channelsPerInvocation: 2, pixelsPerInvocation: 3 };
    expect(blockedAccesses(g, 2, 1, blocking)).toBe(36 * (3 * 5 + 3 * 6));
  });

  it("counts a vec4 load once: ceil(span / 4) row loads and a quarter of the weight loads", () => {
    // 1 input map 12 x 12, 8 output maps 8 x 8, 5 x 5 kernels; blocks of 8 maps x 4 pixels; work groups of 2 x 8.
    // Each of the 2 x 8 x 1 = 16 invocations reads 5 rows of 4 + 4 = 8 inputs (two vec4) and 5 rows of 5 x 8
    // weights (5 x 2 vec4).
    const g = conv2dGeometry(new Conv2dLayer("c", [1, 12, 12], { filters: 8, kernel: 5 }), 1);
    const blocking = { channelsPerInvocation: 8, pixelsPerInvocation: 4 };
    expect(blockedAccesses(g, 2, 8, blocking)).toBe(16 * 5 * (8 + 5 * 8));
    expect(blockedAccesses(g, 2, 8, { ...blocking, vec4: true, vec4Weights: true })).toBe(
      16 * 5 * (2 + 5 * 2),
    );
  });

  it("skips input maps that feed no output map of a block (LeNet-5's C3)", () => {
    const full = conv2dGeometry(new Conv2dLayer("f", [6, 14, 14], { filters: 16, kernel: 5 }), 1);
    const c3 = conv2dGeometry(
      new Conv2dLayer("C3", [6, 14, 14], { filters: 16, kernel: 5, connections: LENET5_C3_CONNECTIONS }),
      1,
    );
    const one = { channelsPerInvocation: 1, pixelsPerInvocation: 1 };
    // One map per block: C3 reads its 60 connections where the full table reads 96.
    expect(blockedAccesses(c3, 1, 1, one) / blockedAccesses(full, 1, 1, one)).toBeCloseTo(60 / 96, 10);
  });
});

describe("model ranking across kernel families", () => {
  it("plans the model's best of every family before the second best of any", () => {
    const operator = conv2dForwardOperator([2, 9, 10], { filters: 3, kernel: 3, padding: 1 }, 1);
    const chosen = plan(operator, operator.space(), { kind: "model-top-k", k: 4 });
    const families = ["direct", "blocked", "tiled", "im2col"];
    for (const family of families) {
      const members = operator.space().filter((p) => p.method === family);
      const best = Math.min(...members.map((p) => operator.globalAccesses(p)));
      const picked = chosen.filter((p) => p.method === family);
      expect(picked.length, family).toBeGreaterThanOrEqual(1);
      expect(operator.globalAccesses(picked[picked.length - 1]), family).toBe(best);
    }
  });
});

describe("convolution backward operators against the CPU layer", () => {
  const attrs = {
    filters: 5,
    kernel: [3, 4] as [number, number],
    stride: [2, 1] as [number, number],
    padding: 1,
  };
  const partial = { ...attrs, connections: [[0], [0, 1], [1, 2], [2], [0, 2]] };

  it("input delta (eq. 74): sampled gather and blocked launches all pass their check", async () => {
    const gpu = await testDevice();
    const operator = conv2dInputDeltaOperator([3, 9, 11], partial, 2);
    const result = await tune(gpu, operator, { ...quick, strategy: { kind: "random", k: 5, seed: 3 } });
    expect(result.evaluated).toBe(result.table.candidates.length);
    expect(result.table.candidates.some((c) => c.params.method === "blocked")).toBe(true);
    for (const c of result.table.candidates) expect(c.check.passed, c.id).toBe(true);
  });

  it("parameter gradient (eq. 79-81): entry and row launches, kernel groups included, pass their check", async () => {
    const gpu = await testDevice();
    const operator = conv2dFilterGradientOperator([3, 9, 11], { ...attrs, filters: 6 }, 2);
    const result = await tune(gpu, operator, { ...quick, strategy: { kind: "model-top-k", k: 4 } });
    const methods = new Set(result.table.candidates.map((c) => c.params.method));
    expect([...methods].sort()).toEqual(["entry", "row"]);
    expect(result.table.candidates.some((c) => Number(c.params.kernelsPerInvocation) > 1)).toBe(true);
    for (const c of result.table.candidates) expect(c.check.passed, c.id).toBe(true);
  });

  it("parameter gradient of a kernel shared by a map (eq. 80) passes its check", async () => {
    const gpu = await testDevice();
    const operator = conv2dFilterGradientOperator([3, 9, 11], { ...partial, sharing: "map" }, 2);
    const result = await tune(gpu, operator, { ...quick, strategy: { kind: "random", k: 3, seed: 5 } });
    for (const c of result.table.candidates) expect(c.check.passed, c.id).toBe(true);
  });

  it("keeps the backward kernels of the untrained layers as the defaults", () => {
    expect(conv2dInputDeltaOperator([3, 9, 11], attrs, 1).defaultParams).toEqual({
      method: "gather",
      workgroupSize: 64,
    });
    expect(conv2dFilterGradientOperator([3, 9, 11], attrs, 1).defaultParams).toEqual({
      method: "entry",
      workgroupSize: 64,
    });
  });
});
