import { describe, expect, it } from "vitest";
import {
  classificationData,
  evaluate,
  fromDataset,
  lenet5,
  loadFashionMnist,
  sequential,
  sgd,
  train,
  trainAsync,
  trainingSteps,
  xorDataset,
  type GradientTransform,
} from "@deltalab/core";

const xor = fromDataset(xorDataset({ copies: 8, noise: 0.05, seed: 1 }));
const mlp = () =>
  sequential({
    inputShape: [2],
    layers: [
      { type: "dense", units: 8, activation: "tanh" },
      { type: "dense", units: 2 },
      { type: "softmax" },
    ],
    dtype: "float64",
  }).initialize(4);

describe("training", () => {
  it("learns XOR with SGD and momentum (Hedberg eq. 121)", () => {
    const model = mlp();
    const before = evaluate(model, xor, { loss: "cross-entropy" });
    train(model, xor, {
      loss: "cross-entropy",
      transform: sgd({ step: 0.3, momentum: 0.9 }),
      epochs: 60,
      batchSize: 4,
    });
    const after = evaluate(model, xor, { loss: "cross-entropy" });
    expect(after.loss).toBeLessThan(before.loss / 10);
    expect(after.accuracy).toBe(1);
  });

  it("is deterministic for a given seed", () => {
    const run = (seed: number) => {
      const model = mlp();
      train(model, xor, {
        loss: "cross-entropy",
        transform: sgd({ step: 0.1 }),
        epochs: 3,
        batchSize: 5,
        seed,
      });
      return Array.from(model.getParameters());
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it("takes theta + step with the transform's step on the minibatch gradient", () => {
    // One full batch, no shuffling, plain gradient descent: theta_1 = theta_0 - mu grad f(theta_0).
    const model = mlp();
    const theta0 = model.getParameters();
    const seen: Float64Array[] = [];
    const recording: GradientTransform<null> = {
      name: "recording",
      init: () => null,
      update(g, state, _theta, step) {
        seen.push(Float64Array.from(g));
        for (let j = 0; j < g.length; j++) step[j] = -0.5 * g[j];
        return state;
      },
    };
    train(model, xor, {
      loss: "cross-entropy",
      transform: recording,
      epochs: 1,
      batchSize: xor.count,
      shuffle: false,
    });
    const theta1 = model.getParameters();
    theta1.forEach((value, j) => expect(value).toBeCloseTo(theta0[j] - 0.5 * seen[0][j], 14));
  });

  it("stops when a progress callback returns false, and reports epoch, batch, loss and time", () => {
    const model = mlp();
    const progress: { epoch: number; batch: number; loss: number; elapsedMs: number }[] = [];
    let clock = 0;
    const result = train(model, xor, {
      loss: "cross-entropy",
      transform: sgd({ step: 0.1 }),
      epochs: 5,
      batchSize: 8,
      now: () => (clock += 10),
      onBatch: (p) => {
        progress.push(p);
        return p.step < 6;
      },
    });
    expect(result.stopped).toBe(true);
    expect(result.steps).toBe(6);
    expect(progress.map((p) => [p.epoch, p.batch])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 0],
      [1, 1],
    ]);
    expect(result.epochs.length).toBe(1);
    expect(progress.every((p) => Number.isFinite(p.loss) && p.elapsedMs > 0)).toBe(true);
  });

  it("yields after every batch from the generator form", () => {
    const steps = trainingSteps(mlp(), xor, {
      loss: "cross-entropy",
      transform: sgd({ step: 0.1 }),
      epochs: 2,
      batchSize: 10,
    });
    let batches = 0;
    let next = steps.next();
    while (!next.done) {
      batches++;
      next = steps.next();
    }
    expect(batches).toBe(2 * Math.ceil(xor.count / 10));
    expect(next.value.steps).toBe(batches);
  });

  it("stops as diverged when the loss overflows, without applying the step", () => {
    const model = sequential({
      inputShape: [2],
      layers: [{ type: "dense", units: 2 }],
      dtype: "float64",
    }).initialize(1);
    const result = train(model, xor, {
      loss: "mse",
      transform: sgd({ step: 1e3 }),
      epochs: 20,
      batchSize: 4,
    });
    expect(result.diverged).toBe(true);
    expect(result.steps).toBeLessThan(20 * 8);
    expect(model.getParameters().every((value) => !Number.isNaN(value))).toBe(true);
  });

  it("runs asynchronously to the same theta as the synchronous loop", async () => {
    const options = { loss: "cross-entropy" as const, epochs: 4, batchSize: 6, seed: 2 };
    const a = mlp();
    const b = mlp();
    train(a, xor, { ...options, transform: sgd({ step: 0.2, momentum: 0.5 }) });
    const result = await trainAsync(b, xor, {
      ...options,
      transform: sgd({ step: 0.2, momentum: 0.5 }),
      yieldEveryMs: 0,
    });
    expect(result.stopped).toBe(false);
    expect(Array.from(b.getParameters())).toEqual(Array.from(a.getParameters()));
  });

  it("stops an asynchronous run when its signal is aborted", async () => {
    const controller = new AbortController();
    const result = await trainAsync(mlp(), xor, {
      loss: "cross-entropy",
      transform: sgd({ step: 0.1 }),
      epochs: 50,
      batchSize: 4,
      yieldEveryMs: 0,
      signal: controller.signal,
      onBatch: (p) => {
        if (p.step === 3) controller.abort();
      },
    });
    expect(result.stopped).toBe(true);
    expect(result.steps).toBe(3);
  });

  it("refuses data whose inputs do not fit the model, naming the shapes", () => {
    const bad = classificationData(new Float64Array(12), [0, 1, 0, 1], 2);
    expect(() =>
      train(mlp(), bad, { loss: "mse", transform: sgd({ step: 0.1 }), epochs: 1, batchSize: 2 }),
    ).toThrow(/objective: inputs: expected 4 samples of shape \[2\] \(8 values\), got 12 values/);
  });
});

describe("evaluation", () => {
  it("counts a confusion matrix with true classes as rows", () => {
    // A fixed linear model: output = input, so the predicted class is the larger coordinate.
    const model = sequential({ inputShape: [2], layers: [{ type: "activation", activation: "identity" }] });
    const data = classificationData([1, 0, 0, 1, 1, 0, 0.2, 0.1], [0, 1, 1, 1], 2);
    const result = evaluate(model, data, { loss: "mse" });
    expect(result.confusion).toEqual([
      [1, 0],
      [2, 1],
    ]);
    expect(result.accuracy).toBe(0.5);
  });
});

describe("LeNet-5", () => {
  it("lowers its loss on a Fashion-MNIST subset within a few epochs", () => {
    const fashion = loadFashionMnist({ subset: true, limit: 80 });
    const data = fromDataset(fashion);
    const model = lenet5({ inputSize: 28, seed: 1 });
    const before = evaluate(model, data, { loss: "cross-entropy" });
    train(model, data, {
      loss: "cross-entropy",
      transform: sgd({ step: 0.01, momentum: 0.9 }),
      epochs: 3,
      batchSize: 10,
      seed: 3,
    });
    const after = evaluate(model, data, { loss: "cross-entropy" });
    expect(after.loss).toBeLessThan(0.8 * before.loss);
  });
});
