#!/usr/bin/env node
// LeNet-5 training on the WebAssembly backend against the reference: milliseconds per SGD step, and seconds per
// epoch of Fashion-MNIST.
//
//   node scripts/measure-wasm-lenet.mjs [--threads 2] [--batch 64] [--steps 60] [--epoch] [--subset]
//                                       [--pooling max-pool|average-pool|weighted-subsample] [--activation relu|...]
//   node --experimental-wasm-relaxed-simd scripts/measure-wasm-lenet.mjs      (Node 20: the FMA build)
//
// Needs a built core (npx tsc -b in core). --steps trains that many batches on each backend and reports the median
// step; --epoch trains one whole epoch on the WebAssembly backend (the full 60,000 images unless --subset).
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createWasmBackend, fromDataset, lenet5, loadFashionMnist, sgd, train } from "@deltalab/core";

const { values } = parseArgs({
  options: {
    threads: { type: "string", default: "2" },
    batch: { type: "string", default: "64" },
    steps: { type: "string", default: "60" },
    epoch: { type: "boolean", default: false },
    subset: { type: "boolean", default: false },
    pooling: { type: "string", default: "max-pool" },
    activation: { type: "string", default: "relu" },
    "skip-reference": { type: "boolean", default: false },
  },
});

const batchSize = Number(values.batch);
const steps = Number(values.steps);
const wasm = createWasmBackend({ threads: Number(values.threads) });
const model = (backend) =>
  lenet5({ inputSize: 28, pooling: values.pooling, activation: values.activation, seed: 1, backend });
const options = (extra) => ({
  loss: "cross-entropy",
  transform: sgd({ step: 0.01, momentum: 0.9 }),
  epochs: 1,
  batchSize,
  ...extra,
});

/** Milliseconds of the process's CPU time (all threads). */
function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The median, leaving out the first five (warm-up). */
const median = (values) => values.slice(5).sort((a, b) => a - b)[Math.floor((values.length - 5) / 2)];

/**
 * The median wall time and CPU time of the steps of `steps` batches. On a loaded machine the CPU time is the
 * steadier figure; with several threads it sums their time.
 */
function stepMs(backend) {
  const limit = (steps + 5) * batchSize;
  const data = fromDataset(loadFashionMnist({ split: "train", subset: true, limit }));
  const wall = [];
  const cpu = [];
  let lastWall = performance.now();
  let lastCpu = cpuMs();
  train(model(backend), data, {
    ...options({}),
    onBatch: () => {
      const now = performance.now();
      const used = cpuMs();
      wall.push(now - lastWall);
      cpu.push(used - lastCpu);
      lastWall = now;
      lastCpu = used;
    },
  });
  return `${median(wall).toFixed(2)} ms wall, ${median(cpu).toFixed(2)} ms CPU (medians of ${steps} steps)`;
}

console.log(
  `LeNet-5 (${values.pooling}, ${values.activation}), batch ${batchSize}; wasm: ${wasm.threads} thread(s), ` +
    `${wasm.variant} kernels`,
);
console.log(`wasm step: ${stepMs(wasm)}`);
if (!values["skip-reference"]) console.log(`reference step: ${stepMs("reference")}`);
if (values.epoch) {
  const data = fromDataset(loadFashionMnist({ split: "train", subset: values.subset }));
  const start = performance.now();
  const result = train(model(wasm), data, options({}));
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `epoch of ${data.count} images on wasm: ${seconds.toFixed(1)} s, mean loss ${result.epochs[0].meanLoss.toFixed(4)}`,
  );
}
wasm.dispose();
