#!/usr/bin/env node
// The loss surface of LeNet-5 on Fashion-MNIST images over a random filter-normalized plane (Li et al. 2018), timed
// per backend. Uses only the public API: ModelObjective, randomFilterNormalizedPlane, computeGrid, the CPU evaluators
// and DevicePlaneEvaluator from @deltalab/shaders. Backends:
//   reference, wasm              objective.value per point (cpuEvaluator), the model on that layer backend
//   reference-split, wasm-split  modelPlaneEvaluator: C1 combined from its responses to center, d1, d2
//   webgpu                       DevicePlaneEvaluator (C1 likewise combined on the device)
//
//   node scripts/lenet5-surface.mjs [--images 1000] [--grid 41] [--rows N] [--backends wasm,wasm-split,webgpu]
//                                    [--model saved.json] [--subset] [--seed 1] [--span 1]
//
// --rows N evaluates only the first N rows of the grid and extrapolates the time of the whole grid from them
// (say so when quoting a figure). The packages must be built first (npm run build, or tsc -b core shaders).
// Prints one line per backend and the largest difference between the backends' grids.
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import {
  computeGrid,
  fromDataset,
  lenet5,
  loadFashionMnist,
  loadModel,
  ModelObjective,
  modelPlaneEvaluator,
  modelThetaGroups,
  randomFilterNormalizedPlane,
} from "@deltalab/core";
import { DevicePlaneEvaluator, GpuDevice } from "@deltalab/shaders";

const { values } = parseArgs({
  options: {
    images: { type: "string", default: "1000" },
    grid: { type: "string", default: "41" },
    rows: { type: "string" },
    backends: { type: "string", default: "reference,wasm,wasm-split,webgpu" },
    model: { type: "string" },
    subset: { type: "boolean", default: false },
    seed: { type: "string", default: "1" },
    span: { type: "string", default: "1" },
  },
});

const count = Number(values.grid);
const rows = values.rows === undefined ? count : Math.min(count, Number(values.rows));
const span = Number(values.span);
const data = fromDataset(
  loadFashionMnist({ split: "train", subset: values.subset, limit: Number(values.images) }),
);
const axes = { x: { min: -span, max: span, count }, y: { min: -span, max: span, count } };

/** LeNet-5 (28x28 inputs) from a saved file, or freshly initialized from the seed, on the given layer backend. */
function buildModel(backend) {
  if (values.model === undefined) return lenet5({ inputSize: 28, seed: Number(values.seed), backend });
  const model = loadModel(readFileSync(values.model, "utf8"));
  return model.useBackend(backend);
}

/** The grid's first `rows` rows through `source` (an objective or a PlaneEvaluator), and the seconds it took. */
async function timeGrid(source, plane) {
  const start = performance.now();
  const grid = await computeGrid(source, plane, {
    ...axes,
    onProgress: ({ rowsDone }) => rowsDone < rows,
  });
  return { grid, seconds: (performance.now() - start) / 1000 };
}

console.log(
  JSON.stringify({
    images: data.count,
    grid: `${count}x${count}`,
    rowsTimed: rows,
    model: values.model ?? `lenet5 seed ${values.seed}`,
    cores: availableParallelism(),
    loadAverage: loadavg().map((v) => Number(v.toFixed(2))),
  }),
);
const grids = {};
for (const backend of values.backends.split(",")) {
  const [layers, split] = backend.split("-");
  const model = buildModel(layers === "webgpu" ? "reference" : layers);
  const objective = new ModelObjective(model, data, { loss: "cross-entropy" });
  const plane = randomFilterNormalizedPlane(model.getParameters(), {
    seed: Number(values.seed),
    groups: modelThetaGroups(model),
  });
  let source = split === "split" ? modelPlaneEvaluator(objective) : objective;
  let device = "CPU";
  let gpu;
  if (backend === "webgpu") {
    gpu = await GpuDevice.openOrUndefined(undefined, (error) => console.log(`webgpu: ${error.message}`));
    if (gpu === undefined) continue;
    source = DevicePlaneEvaluator.create(gpu, objective);
    device = gpu.name;
  }
  const { grid, seconds } = await timeGrid(source, plane);
  const points = grid.y.length * grid.x.length;
  const whole = (seconds / points) * count * count;
  grids[backend] = grid.loss.flat();
  console.log(
    `${backend.padEnd(15)} ${device}: ${points} points in ${seconds.toFixed(1)} s, ` +
      `${((1000 * seconds) / points).toFixed(0)} ms per point, ` +
      `${count}x${count} grid ${rows < count ? "extrapolated " : ""}${(whole / 60).toFixed(1)} min`,
  );
  source.dispose?.();
  gpu?.destroy();
}
const names = Object.keys(grids);
for (let i = 1; i < names.length; i++) {
  const [a, b] = [grids[names[0]], grids[names[i]]];
  let worst = 0;
  for (let k = 0; k < Math.min(a.length, b.length); k++) {
    worst = Math.max(worst, Math.abs((a[k] ?? NaN) - (b[k] ?? NaN)) / Math.max(1, Math.abs(a[k] ?? 1)));
  }
  console.log(`largest relative difference ${names[0]} vs ${names[i]}: ${worst.toExponential(2)}`);
}
process.exit(0);
