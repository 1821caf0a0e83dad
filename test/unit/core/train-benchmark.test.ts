import { describe, expect, it } from "vitest";
import {
  benchmarkTraining,
  evaluate,
  fromDataset,
  ModelObjective,
  SeededRandom,
  sequential,
  sgd,
  trainingCosts,
  xorDataset,
  type GradientTransform,
  type TrainingBenchmarkResult,
} from "@deltalab/core";

const xor = fromDataset(xorDataset({ copies: 6, noise: 0.05, seed: 2 }));
const mlp = () =>
  sequential({
    inputShape: [2],
    layers: [
      { type: "dense", units: 6, activation: "tanh" },
      { type: "dense", units: 2 },
      { type: "softmax" },
    ],
    dtype: "float64",
  }).initialize(3);
const problem = { name: "xor", makeModel: mlp, data: xor, test: xor, loss: "cross-entropy" as const };

/** A transform that takes no step: the loss must stay where it started. */
const standStill: GradientTransform<null> = {
  name: "still",
  init: () => null,
  update: (_g, state, _theta, step) => (step.fill(0), state),
};

describe("benchmarking minibatch optimizers on a network", () => {
  it("starts every solver from the same parameters and measures the loss on the whole training set", async () => {
    const result = await benchmarkTraining(
      problem,
      [
        { name: "momentum", transform: sgd({ step: 0.2, momentum: 0.9 }) },
        { name: "still", transform: standStill },
      ],
      { epochs: 3, batchSize: 4, seed: 5 },
    );
    const start = evaluate(mlp(), xor, { loss: "cross-entropy" });
    expect(result.complete).toBe(true);
    expect(result.problem).toEqual({
      name: "xor",
      parameters: mlp().parameterCount,
      samples: xor.count,
      batchSize: 4,
    });
    for (const run of result.runs) {
      expect(run.points.map((p) => p.epoch)).toEqual([0, 1, 2, 3]);
      expect(run.points[0].loss).toBeCloseTo(start.loss, 12);
      expect(run.points[0].seconds).toBe(0);
      for (let e = 1; e < run.points.length; e++) {
        expect(run.points[e].seconds).toBeGreaterThanOrEqual(run.points[e - 1].seconds);
      }
    }
    const [moving, still] = result.runs;
    for (const point of still.points) {
      expect(point.loss).toBeCloseTo(start.loss, 12);
      expect(point.testAccuracy).toBeCloseTo(start.accuracy, 12);
    }
    expect(moving.points[3].loss).toBeLessThan(start.loss);
  });

  it("carries the optimizer's state across epochs, as one long run; epoch e shuffles the samples with seed + e", async () => {
    const epochs = 3;
    const batchSize = 5;
    const seed = 11;
    const [step, momentum] = [0.1, 0.8];
    const result = await benchmarkTraining(
      problem,
      [{ name: "momentum", transform: sgd({ step, momentum }) }],
      {
        epochs,
        batchSize,
        seed,
      },
    );
    // By hand: heavy-ball steps v = momentum v - step g, theta += v (Hedberg eq. 121), one velocity for the run.
    const model = mlp();
    const objective = new ModelObjective(model, xor, { loss: "cross-entropy", chunkSize: batchSize });
    const theta = model.getParameters();
    const v = new Float64Array(theta.length);
    const g = new Float64Array(theta.length);
    const losses: number[] = [];
    for (let e = 0; e < epochs; e++) {
      const order = new SeededRandom(seed + e).shuffle(Int32Array.from({ length: xor.count }, (_, i) => i));
      for (let start = 0; start < xor.count; start += batchSize) {
        objective.batchValueAndGradient(theta, order.slice(start, Math.min(start + batchSize, xor.count)), g);
        for (let j = 0; j < theta.length; j++) {
          v[j] = momentum * v[j] - step * g[j];
          theta[j] += v[j];
        }
      }
      model.setParameters(theta);
      losses.push(evaluate(model, xor, { loss: "cross-entropy" }).loss);
    }
    expect(result.runs[0].points.slice(1).map((p) => p.loss)).toEqual(
      losses.map((loss) => expect.closeTo(loss, 10)),
    );
  });

  it("ends a diverged run where it diverged and keeps the other solvers' runs", async () => {
    const blowUp: GradientTransform<null> = {
      name: "blow-up",
      init: () => null,
      update: (_g, state, _theta, stepOut) => (stepOut.fill(Number.NaN), state),
    };
    const result = await benchmarkTraining(
      problem,
      [
        { name: "blow-up", transform: blowUp },
        { name: "sgd", transform: sgd({ step: 0.1 }) },
      ],
      { epochs: 2, batchSize: 4 },
    );
    expect(result.runs[0].diverged).toBe(true);
    expect(result.runs[0].points.length).toBeLessThan(3);
    expect(result.runs[1].diverged).toBe(false);
    expect(result.runs[1].points).toHaveLength(3);
  });

  it("stops between epochs on an aborted signal, keeping what was measured", async () => {
    const controller = new AbortController();
    const result = await benchmarkTraining(problem, [{ name: "sgd", transform: sgd({ step: 0.1 }) }], {
      epochs: 5,
      batchSize: 4,
      signal: controller.signal,
      onEpoch: (_s, point) => {
        if (point.epoch === 1) controller.abort();
      },
    });
    expect(result.complete).toBe(false);
    expect(result.runs[0].points.map((p) => p.epoch)).toEqual([0, 1]);
  });

  it("costs a solver the first epoch that passes f <= fL + tau (f0 - fL)", () => {
    const run = (solver: string, losses: number[]) => ({
      solver,
      diverged: false,
      points: losses.map((loss, epoch) => ({ epoch, seconds: epoch, loss })),
    });
    const result: TrainingBenchmarkResult = {
      problem: { name: "made up", parameters: 3, samples: 10, batchSize: 2 },
      solvers: ["a", "b"],
      runs: [run("a", [2, 1, 0.5, 0.4]), run("b", [2, 1.5, 1.2, 1.1])],
      complete: true,
    };
    // fL = 0.4, f0 = 2: tau 0.5 needs f <= 1.2, tau 0.1 needs f <= 0.56, tau 1e-3 needs f <= 0.4016.
    expect(trainingCosts(result, 0.5)).toEqual([1, 2]);
    expect(trainingCosts(result, 0.1)).toEqual([2, Infinity]);
    expect(trainingCosts(result, 1e-3)).toEqual([3, Infinity]);
  });
});
