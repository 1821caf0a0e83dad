#!/usr/bin/env node
// LeNet-5 on Fashion-MNIST with SGD + momentum, on the CPU: the core engine's end-to-end check.
//
//   node scripts/train-lenet5.mjs [--subset] [--epochs 10] [--batch 64] [--step 0.01] [--momentum 0.9]
//                                 [--limit N] [--pooling max-pool|average-pool|weighted-subsample]
//                                 [--activation relu|tanh|lecun-tanh] [--json out.json]
//
// The full data comes from Debian's dataset-fashion-mnist (or $DELTALAB_FASHION_MNIST); --subset uses the
// committed 2,000/500 images. Prints, per epoch, the mean training loss, the test loss and accuracy, and the time.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { evaluate, fromDataset, lenet5, loadFashionMnist, sgd, train } from "@deltalab/core";

const { values } = parseArgs({
  options: {
    subset: { type: "boolean", default: false },
    epochs: { type: "string", default: "10" },
    batch: { type: "string", default: "64" },
    step: { type: "string", default: "0.01" },
    momentum: { type: "string", default: "0.9" },
    limit: { type: "string" },
    pooling: { type: "string", default: "max-pool" },
    activation: { type: "string", default: "relu" },
    seed: { type: "string", default: "1" },
    json: { type: "string" },
  },
});

const limit = values.limit === undefined ? undefined : Number(values.limit);
const trainSet = fromDataset(loadFashionMnist({ split: "train", subset: values.subset, limit }));
const testSet = fromDataset(loadFashionMnist({ split: "test", subset: values.subset }));
const settings = {
  data: values.subset ? "committed subset" : "full",
  trainCount: trainSet.count,
  testCount: testSet.count,
  epochs: Number(values.epochs),
  batchSize: Number(values.batch),
  step: Number(values.step),
  momentum: Number(values.momentum),
  pooling: values.pooling,
  activation: values.activation,
  seed: Number(values.seed),
};
console.log(JSON.stringify(settings));

const model = lenet5({
  inputSize: 28,
  pooling: settings.pooling,
  activation: settings.activation,
  seed: settings.seed,
});
const epochs = [];
let trainedMs = 0;
const result = train(model, trainSet, {
  loss: "cross-entropy",
  transform: sgd({ step: settings.step, momentum: settings.momentum }),
  epochs: settings.epochs,
  batchSize: settings.batchSize,
  seed: settings.seed,
  onEpoch: (progress) => {
    trainedMs = progress.elapsedMs;
    const test = evaluate(model, testSet, { loss: "cross-entropy" });
    const row = {
      epoch: progress.epoch + 1,
      trainLoss: progress.meanLoss,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
      trainSeconds: progress.elapsedMs / 1000,
    };
    epochs.push(row);
    console.log(
      `epoch ${row.epoch}: train loss ${row.trainLoss.toFixed(4)}, test loss ${row.testLoss.toFixed(4)}, ` +
        `test accuracy ${row.testAccuracy.toFixed(4)}, ${row.trainSeconds.toFixed(1)} s of training`,
    );
  },
});
console.log(
  `${result.steps} steps, ${(trainedMs / 1000).toFixed(1)} s of training, diverged: ${result.diverged}`,
);
if (values.json)
  writeFileSync(values.json, JSON.stringify({ settings, epochs, steps: result.steps }, null, 2));
