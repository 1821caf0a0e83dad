import { describe, expect, it } from "vitest";
import {
  evaluate,
  fromDataset,
  initialIterate,
  lenet5,
  loadFashionMnist,
  mghProblems,
  minimize,
  type GradientTransform,
  type IterateState,
  type Method,
  type Objective,
} from "@deltalab/core";
import { PROFILES_SCHEMA_V1, profilesProblems } from "@deltalab/core/payloads";
import { readPayload } from "../../../extension/src/validate";
import { benchSpec, type BenchReport } from "../../../kernel/src/commands/bench";
import type { TrainingBenchReport } from "../../../kernel/src/commands/benchTraining";
import { memoryContext } from "../../../kernel/src/commands/commandContext";
import { CommandRegistry } from "../../../kernel/src/commands/registry";

/** A Barzilai-Borwein gradient method as a cell would write it: x+ = x - alpha g, alpha = s^T s / s^T y. */
function barzilaiBorwein(): Method<IterateState & { alpha: number }> {
  return {
    name: "bb",
    initialState(problem, x0) {
      const s = initialIterate(problem, x0);
      let gg = 0;
      for (const v of s.g) gg += v * v;
      return { ...s, alpha: 1e-3 / Math.sqrt(gg) };
    },
    updateState(problem, state) {
      const n = state.x.length;
      const x = Float64Array.from(state.x, (v, i) => v - state.alpha * state.g[i]);
      const g = new Float64Array(n);
      const f = problem.valueAndGradient(x, g);
      let ss = 0;
      let sy = 0;
      for (let i = 0; i < n; i++) {
        const s = x[i] - state.x[i];
        ss += s * s;
        sy += s * (g[i] - state.g[i]);
      }
      state.alpha = sy > 0 ? ss / sy : state.alpha;
      state.x.set(x);
      state.g.set(g);
      state.f = f;
      return { progress: true };
    },
  };
}

const eager = () => new CommandRegistry([benchSpec({ showAfterMs: 0, updateEveryMs: 0 })]);
const mgh = mghProblems();
const cellSet = [1, 5].map((number) => {
  const p = mgh.find((q) => q.number === number)!;
  return { name: p.name, objective: p as Objective, start: p.start, minimum: p.minimum };
});

/** Evaluations to pass f <= fL + tau (f0 - fL), from the test's own record of f at each new point. */
function ownCount(
  objective: Objective,
  start: Float64Array,
  method: "bfgs",
  tau: number,
  fL: number,
): number {
  const seen = new Set<string>();
  const fs: number[] = [];
  const see = (x: Float64Array, f: number) => {
    const key = Array.from(x).join(",");
    if (seen.has(key)) return;
    seen.add(key);
    fs.push(f);
  };
  const counted: Objective = {
    dim: objective.dim,
    value: (x) => {
      const f = objective.value(x);
      see(x, f);
      return f;
    },
    valueAndGradient: (x, g) => {
      const f = objective.valueAndGradient(x, g);
      see(x, f);
      return f;
    },
  };
  minimize(counted, start, method, { gradientTolerance: 1e-5, maxIterations: 1000, trajectoryEvery: 0 });
  const target = fL + tau * (fs[0] - fL);
  let best = Infinity;
  for (let k = 0; k < fs.length; k++) {
    best = Math.min(best, fs[k]);
    if (best <= target) return k + 1;
  }
  return Infinity;
}

describe("%bench", () => {
  it("benches a cell-written method against built-ins on a set given in a cell", async () => {
    const context = memoryContext({ problems: cellSet, bb: barzilaiBorwein() });
    const report = (await eager().run(
      { name: "bench", args: ["problems", "--optimizers", "bb,bfgs", "--tau", "1e-4"], line: 0 },
      context,
    )) as BenchReport;
    expect(report.result.complete).toBe(true);
    expect(report.result.solvers).toEqual(["bb", "bfgs"]);
    const bfgs = report.summary[1];
    expect(bfgs.solved).toBe(2);
    const own = cellSet.map((p) => ownCount(p.objective, p.start, "bfgs", 1e-4, p.minimum));
    expect(bfgs.medianEvaluations).toBe((own[0] + own[1]) / 2);
    const text = String(context.displayed.at(-1)?.bundle["text/plain"]);
    expect(text).toMatch(/%bench on problems: done: 4 runs/);
    // the profile view's payload passes its schema and cross-field checks, with the table's tau among its taus
    const read = readPayload(JSON.parse(JSON.stringify(report.payload)), {
      name: "profiles",
      schema: PROFILES_SCHEMA_V1,
      problems: profilesProblems,
    });
    expect(read.ok, read.ok ? "" : read.error).toBe(true);
    const t = report.payload.taus.indexOf(1e-4);
    expect(report.payload.costs[t].map((row) => row[1])).toEqual(own);
  });

  it("keeps the finished runs when interrupted", async () => {
    const controller = new AbortController();
    const context = memoryContext({ problems: cellSet }, controller.signal);
    const display = context.outputs.display.bind(context.outputs);
    (context.outputs as { display: typeof display }).display = (bundle, options) => {
      display(bundle, options);
      if (String(bundle["text/plain"]).includes("3/4 runs")) controller.abort();
    };
    const report = (await eager().run(
      { name: "bench", args: ["problems", "--optimizers", "lbfgs,bfgs"], line: 0 },
      context,
    )) as BenchReport;
    expect(report.result.complete).toBe(false);
    expect(report.result.runs).toHaveLength(3);
    expect(String(context.displayed.at(-1)?.bundle["text/plain"])).toMatch(/interrupted: 3 runs kept/);
    // the summary counts only the problem every optimizer finished
    expect(report.summary.map((r) => r.solved)).toEqual([1, 1]);
  });

  it("says what a problem set must be", async () => {
    const context = memoryContext({ notASet: [1, 2] });
    await expect(eager().run({ name: "bench", args: ["notASet"], line: 0 }, context)).rejects.toThrow(
      /notASet is not a problem set: expected a non-empty array of \{ name, objective, start/,
    );
    await expect(
      eager().run({ name: "bench", args: ["mgh", "--scale", "3"], line: 0 }, memoryContext()),
    ).rejects.toThrow(/--scale must be 1, 10 or 100/);
  });
});

describe("%bench lenet5", () => {
  it("trains LeNet-5 with built-in and cell-written transforms from one start and draws their loss curves", async () => {
    const halving: GradientTransform<null> = {
      name: "halving",
      init: () => null,
      update: (g, state, _theta, step) => {
        for (let j = 0; j < g.length; j++) step[j] = -0.005 * g[j];
        return state;
      },
    };
    const context = memoryContext({ halving });
    const report = (await eager().run(
      {
        name: "bench",
        args: ["lenet5", "--optimizers", "sgd,halving", "--epochs", "1", "--count", "64", "--batch", "16"],
        line: 0,
      },
      context,
    )) as TrainingBenchReport;
    expect(report.result.complete).toBe(true);
    expect(report.result.solvers).toEqual(["sgd", "halving"]);
    expect(report.result.problem).toMatchObject({
      samples: 64,
      batchSize: 16,
      parameters: lenet5({ inputSize: 28 }).parameterCount,
    });
    // both start where a fresh LeNet-5 starts on those 64 images
    const images = fromDataset(loadFashionMnist({ subset: true, split: "train", limit: 64 }));
    const start = evaluate(lenet5({ inputSize: 28, seed: 0 }), images, { loss: "cross-entropy" }).loss;
    for (const run of report.result.runs) {
      expect(run.points.map((p) => p.epoch)).toEqual([0, 1]);
      expect(run.points[0].loss).toBeCloseTo(start, 5);
      expect(run.points[1].testAccuracy).toBeGreaterThanOrEqual(0);
    }
    const read = readPayload(JSON.parse(JSON.stringify(report.payload)), {
      name: "profiles",
      schema: PROFILES_SCHEMA_V1,
      problems: profilesProblems,
    });
    expect(read.ok, read.ok ? "" : read.error).toBe(true);
    expect(String(context.displayed.at(-1)?.bundle["text/plain"])).toMatch(/%bench on LeNet-5: done/);
    const display = (report as unknown as Record<symbol, () => Record<string, unknown>>)[
      Symbol.for("Jupyter.display")
    ];
    const text = String(display()["text/plain"]);
    expect(text).toMatch(/LeNet-5 on 64 Fashion-MNIST images, batch 16/);
    expect(text).toMatch(/halving/);
  });

  it("takes minibatch optimizers only", async () => {
    await expect(
      eager().run({ name: "bench", args: ["lenet5", "--optimizers", "bfgs"], line: 0 }, memoryContext()),
    ).rejects.toThrow(/unknown optimizer "bfgs": use one of sgd, momentum/);
    await expect(
      eager().run({ name: "bench", args: ["lenet5", "--count", "5000"], line: 0 }, memoryContext()),
    ).rejects.toThrow(/--count must be an integer in 1\.\.2000, got 5000/);
  });
});
