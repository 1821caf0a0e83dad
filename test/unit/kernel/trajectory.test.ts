import { describe, expect, it } from "vitest";
import { classificationData, Sequential, sgd, type Objective } from "@deltalab/core";
import { trainModel } from "../../../kernel/src/commands/train";
import { runOptimizer, runOptimizerAsync } from "../../../kernel/src/commands/trajectory";
import type { Optimizer } from "../../../kernel/src/commands/optimizers";
import { JUPYTER_DISPLAY } from "../../../kernel/src/execution/display";

const bundle = (value: unknown) =>
  (value as { [JUPYTER_DISPLAY]: () => Record<string, unknown> })[JUPYTER_DISPLAY]();

/** f(x) = x^2 / 2, g = x: sgd with step mu maps x to (1 - mu) x. */
const halfSquare: Objective = {
  dim: 1,
  value: (x) => 0.5 * x[0] * x[0],
  valueAndGradient: (x, g) => {
    g[0] = x[0];
    return 0.5 * x[0] * x[0];
  },
};

const sgdRun = (step: number): Optimizer => ({ kind: "transform", label: "sgd", transform: sgd({ step }) });

describe("first-order runs of %race and %surface (the training loop over the whole objective)", () => {
  it("record x_0 .. x_K with f at each when the budget ends the run", () => {
    const run = runOptimizer(halfSquare, Float64Array.of(1), sgdRun(0.5), { iterations: 5 });
    expect(run.reason).toBe("iteration budget");
    expect(run.trajectory.map((p) => p.iteration)).toEqual([0, 1, 2, 3, 4, 5]);
    run.trajectory.forEach((p, k) => {
      expect(p.x[0]).toBe(0.5 ** k);
      expect(p.f).toBe(0.5 * 0.25 ** k);
    });
    expect(run.evaluations).toBe(6);
  });

  it("stop at the gradient tolerance without a further step", () => {
    const run = runOptimizer(halfSquare, Float64Array.of(3), sgdRun(1), { iterations: 50 });
    expect(run.reason).toBe("gradient tolerance");
    expect(run.trajectory.map((p) => p.x[0])).toEqual([3, 0]);
  });

  it("end diverged at the first non-finite f, keeping every finite iterate", () => {
    // Step 3 maps x to -2x: x_k = (-2)^k exactly, and f(x_k) = 2^(2k - 1) overflows first at k = 513.
    const run = runOptimizer(halfSquare, Float64Array.of(1), sgdRun(3), { iterations: 2000 });
    expect(run.reason).toBe("diverged");
    expect(run.trajectory.length).toBe(513);
    run.trajectory.forEach((p, k) => expect(p.x[0]).toBe((-2) ** k));
    expect(run.trajectory.every((p) => Number.isFinite(p.f))).toBe(true);
  });

  it("stop after the step during which the signal was aborted", async () => {
    const controller = new AbortController();
    const run = await runOptimizerAsync(halfSquare, Float64Array.of(1), sgdRun(0.5), {
      iterations: 100,
      signal: controller.signal,
      onIteration: (k) => void (k === 3 && controller.abort()),
    });
    expect(run.reason).toBe("stopped by callback");
    expect(run.trajectory.map((p) => p.iteration)).toEqual([0, 1, 2, 3]);
  });

  it("give the same run through the synchronous and the asynchronous driver", async () => {
    const a = runOptimizer(halfSquare, Float64Array.of(2), sgdRun(0.3), { iterations: 20 });
    const b = await runOptimizerAsync(halfSquare, Float64Array.of(2), sgdRun(0.3), { iterations: 20 });
    expect(b.trajectory).toEqual(a.trajectory);
    expect(b.reason).toBe(a.reason);
  });
});

describe("%train's divergence", () => {
  it("reports a diverged run and leaves the model at finite parameters", async () => {
    const model = new Sequential({
      inputShape: [2],
      layers: [{ type: "dense", units: 2 }],
      dtype: "float64",
    });
    model.initialize(1);
    const data = classificationData(Float64Array.from([20, 0, -20, 0, 15, 2, -15, -2]), [0, 1, 0, 1], 2);
    const report = await trainModel(model, data, {
      transform: sgd({ step: 1e6 }),
      loss: "mse",
      epochs: 400,
      batchSize: 2,
    });
    expect(report.result.diverged).toBe(true);
    expect(report.result.reason).toMatch(/not finite|loss was/);
    expect(model.getParameters().every(Number.isFinite)).toBe(true);
    expect(report.curves.status).toBe("stopped");
    const text = String(bundle(report)["text/plain"]);
    expect(text).toContain(`diverged, ${report.result.reason}: ${report.result.steps} steps`);
  });
});
