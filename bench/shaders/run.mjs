// Tunes a few operators and runs the seed 004 section 9 experiments on the current WebGPU adapter, printing one
// JSON document (the tuning tables are `application/vnd.deltalab.tuning-table.v1+json` payloads).
// Usage: npm run build && node bench/shaders/run.mjs [output.json]
// Backend and adapter: DELTALAB_WEBGPU_BACKEND, DELTALAB_WEBGPU_ADAPTER; tuning cache: DELTALAB_TUNING_CACHE.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const shaders = require("@deltalab/shaders");
const { LENET5_C3_CONNECTIONS } = require("@deltalab/core");

const gpu = await shaders.GpuDevice.open();
const cache = shaders.TuningCache.open();
const topK = { kind: "model-top-k", k: 24 };
const operators = [
  shaders.matmulOperator(256, 256, 256),
  shaders.conv2dForwardOperator([1, 32, 32], { filters: 6, kernel: 5 }, 16),
  shaders.conv2dForwardOperator(
    [6, 14, 14],
    { filters: 16, kernel: 5, connections: LENET5_C3_CONNECTIONS },
    16,
  ),
];

const tuning = [];
for (const operator of operators) {
  const result = await shaders.tune(gpu, operator, { strategy: topK, cache, runs: 9 });
  const best = result.table.candidates.find((c) => c.id === result.best?.id);
  const fallback = result.table.candidates.find((c) => c.id === result.table.defaultId);
  console.error(
    `${operator.name} ${JSON.stringify(operator.shape)}: ${result.evaluated} evaluated, ${result.resumed} resumed ` +
      `of ${result.feasible} feasible; best ${best?.medianMs.toFixed(3)} ms, default ${fallback?.medianMs.toFixed(3)} ms`,
  );
  tuning.push({
    strategy: result.strategy,
    spaceSize: result.spaceSize,
    feasible: result.feasible,
    evaluated: result.evaluated,
    resumed: result.resumed,
    timer: result.timer,
    table: result.table,
  });
}

const launches = await shaders.kernelLaunchExperiment(gpu, { sizes: [16, 32, 64, 128] });
const workgroupMemory = await shaders.workgroupMemoryExperiment(gpu, { filters: [1, 3, 5, 7, 9, 11] });
const report = { adapter: gpu.adapter, tuning, launches, workgroupMemory };
const text = JSON.stringify(report, null, 1);
if (process.argv[2]) writeFileSync(process.argv[2], text);
else console.log(text);
console.table(launches);
console.table(workgroupMemory);
gpu.destroy();
