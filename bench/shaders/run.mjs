// Tunes the convolution (forward, input delta, parameter gradient) on the reference shapes and a matrix product,
// then runs Hedberg's section 9 experiments on the current WebGPU adapter, and times the LeNet-5 training step with
// default, shipped and tuned launches (lenet5Step.mjs). Each operator is tuned twice, by the
// model's top k (interleaved across kernel families) and by k random candidates; the untuned default is measured in
// every run, so each row compares tuned and default under the same conditions.
// Usage: npm run build && node bench/shaders/run.mjs [output.json]
//   With an output path, the JSON goes there and a Markdown summary next to it (output.md); otherwise to stdout.
// Backend and adapter: DELTALAB_WEBGPU_BACKEND, DELTALAB_WEBGPU_ADAPTER. No tuning cache is read or written, so
// that every figure is measured in this run.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { lenet5StepBench, lenet5StepMarkdown } from "./lenet5Step.mjs";

const require = createRequire(import.meta.url);
const shaders = require("@deltalab/shaders");
const { LENET5_C3_CONNECTIONS } = require("@deltalab/core");

// Batches are cut to keep the run to a few minutes on a CPU adapter (Mesa llvmpipe): N = 8 for the LeNet-5 shapes
// (the issue names N = 64), N = 1 for the two large ones (N = 32 and N = 1 in the issue). The large ones, where one
// launch takes up to seconds, are tuned by the model's top 6 only, with 3 timed runs.
const SHAPES = [
  {
    name: "LeNet-5 C1: 1->6, 32x32, 5x5",
    input: [1, 32, 32],
    attrs: { filters: 6, kernel: 5 },
    batch: 8,
    k: 16,
  },
  {
    name: "LeNet-5 C3: 6->16, 14x14, 5x5, C3 table",
    input: [6, 14, 14],
    attrs: { filters: 16, kernel: 5, connections: LENET5_C3_CONNECTIONS },
    batch: 8,
    k: 16,
  },
  { name: "1->6, 28x28, 5x5", input: [1, 28, 28], attrs: { filters: 6, kernel: 5 }, batch: 8, k: 16 },
  { name: "6->16, 12x12, 5x5", input: [6, 12, 12], attrs: { filters: 16, kernel: 5 }, batch: 8, k: 16 },
  {
    name: "64->64, 32x32, 3x3, pad 1",
    input: [64, 32, 32],
    attrs: { filters: 64, kernel: 3, padding: 1 },
    batch: 1,
    k: 6,
    strategies: ["model-top-k"],
  },
  {
    name: "3->64, 224x224, 7x7, stride 2, pad 3",
    input: [3, 224, 224],
    attrs: { filters: 64, kernel: 7, stride: 2, padding: 3 },
    batch: 1,
    k: 6,
    strategies: ["model-top-k"],
  },
];

// A candidate with a timed run over 3x the best median so far is not timed further.
const STOP_SLOWER_THAN = 3;

const OPERATORS = [
  ["forward", shaders.conv2dForwardOperator],
  ["input delta", shaders.conv2dInputDeltaOperator],
  ["parameter gradient", shaders.conv2dFilterGradientOperator],
];

const gpu = await shaders.GpuDevice.open();
const started = new Date();
const load = { cpus: cpus().length, loadavgAtStart: loadavg() };

async function tuneOne(label, operator, strategy, runs) {
  const result = await shaders.tune(gpu, operator, {
    strategy,
    warmup: 1,
    runs,
    stopSlowerThan: STOP_SLOWER_THAN,
  });
  const best = result.table.candidates.find((c) => c.id === result.best?.id);
  const fallback = result.table.candidates.find((c) => c.id === result.table.defaultId);
  const row = {
    shape: label,
    operator: operator.name,
    strategy: strategy.kind,
    spaceSize: result.spaceSize,
    feasible: result.feasible,
    evaluated: result.evaluated,
    failedChecks: result.table.candidates.filter((c) => !c.check.passed).length,
    defaultMs: fallback?.medianMs,
    defaultSpreadMs: fallback?.spreadMs,
    tunedMs: best?.medianMs,
    tunedSpreadMs: best?.spreadMs,
    speedup: fallback && best ? fallback.medianMs / best.medianMs : undefined,
    best: best?.params,
    timer: result.timer,
  };
  console.error(
    `${label} | ${operator.name} | ${strategy.kind}: ${result.evaluated} of ${result.feasible} evaluated; ` +
      `default ${row.defaultMs?.toFixed(3)} ms, tuned ${row.tunedMs?.toFixed(3)} ms (${row.speedup?.toFixed(2)}x)`,
  );
  return { row, run: { strategy: result.strategy, ...row, table: result.table } };
}

const rows = [];
const tuning = [];
for (const shape of SHAPES) {
  for (const [, make] of OPERATORS) {
    const operator = make(shape.input, shape.attrs, shape.batch);
    const runs = shape.batch > 1 ? 7 : 3;
    const strategies = [
      { kind: "model-top-k", k: shape.k },
      { kind: "random", k: shape.k, seed: 1 },
    ].filter((s) => (shape.strategies ?? ["model-top-k", "random"]).includes(s.kind));
    for (const strategy of strategies) {
      const { row, run } = await tuneOne(shape.name + `, N=${shape.batch}`, operator, strategy, runs);
      rows.push(row);
      tuning.push(run);
    }
  }
}
{
  const { row, run } = await tuneOne(
    "matmul 256^3",
    shaders.matmulOperator(256, 256, 256),
    {
      kind: "model-top-k",
      k: 16,
    },
    7,
  );
  rows.push(row);
  tuning.push(run);
}

const launches = await shaders.kernelLaunchExperiment(gpu, { sizes: [16, 32, 64, 128] });
const workgroupMemory = await shaders.workgroupMemoryExperiment(gpu, { filters: [1, 3, 5, 7, 9, 11] });
const lenet5Step = await lenet5StepBench(gpu, { batch: 8, steps: 20 });
const finished = new Date();
const machine = {
  ...load,
  loadavgAtEnd: loadavg(),
  started: started.toISOString(),
  finished: finished.toISOString(),
};
const report = {
  adapter: gpu.adapter,
  machine,
  summary: rows,
  tuning,
  launches,
  workgroupMemory,
  lenet5Step,
};
const text = JSON.stringify(report, null, 1);

function markdown() {
  const ms = (v) => (v === undefined ? "-" : v.toFixed(3));
  const loads = (values) => values.map((v) => v.toFixed(1)).join(", ");
  const lines = [
    "# Shader auto-tuner on " + [gpu.adapter.device, gpu.adapter.description].filter(Boolean).join(" "),
    "",
    `Run ${started.toISOString()} to ${finished.toISOString()} with \`node bench/shaders/run.mjs\`, on a ` +
      `${load.cpus}-core machine shared with other work (load average ${loads(load.loadavgAtStart)} at the start, ` +
      `${loads(machine.loadavgAtEnd)} at the end): timings are noisy.`,
    "Batches were cut for the CPU adapter: N = 8 for the LeNet-5 shapes, N = 1 for the two large ones, which are",
    "tuned by the model's top 6 only (one launch there takes up to seconds); the others by the top 16 and 16 random.",
    "Default: the launch used without tuning (forward: the direct kernel, 8 x 8, one output per invocation; input",
    "delta: one element per invocation, 64 per work group; parameter gradient: one kernel entry per invocation, 64).",
    "Tuned: the fastest candidate that passed its check against the CPU layer. Both medians come from the same run",
    "(1 warm-up, then 7 timed runs for N = 8 and 3 for N = 1; a candidate stops after a run over " +
      `${STOP_SLOWER_THAN}x the best so far).`,
    `Timer: ${rows[0]?.timer.method}, resolution ${rows[0]?.timer.resolutionMs.toExponential(2)} ms.`,
    "",
    "| shape | operator | strategy | evaluated / feasible | default ms | tuned ms | speed-up | tuned launch |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const launch = r.best
      ? Object.entries(r.best)
          .map(([k, v]) => `${k}=${v}`)
          .join(" ")
      : "-";
    const speedup = r.speedup === undefined ? "-" : `${r.speedup.toFixed(2)}x`;
    lines.push(
      `| ${r.shape} | ${r.operator} | ${r.strategy} | ${r.evaluated} / ${r.feasible} | ${ms(r.defaultMs)} | ` +
        `${ms(r.tunedMs)} | ${speedup} | ${launch} |`,
    );
  }
  lines.push(
    "",
    "Evaluated counts the default, which every run measures. Failed checks in this run: " +
      `${rows.reduce((sum, r) => sum + r.failedChecks, 0)}.`,
    "",
    "## Hedberg section 9: one launch against one per connection",
    "",
    "| connectivity | size | launches | one launch ms | several launches ms |",
    "|---|---|---|---|---|",
    ...launches.map(
      (r) =>
        `| ${r.connectivity} | ${r.size} | ${r.launches} | ${ms(r.singleLaunchMs)} | ${ms(r.multipleLaunchesMs)} |`,
    ),
    "",
    "## Hedberg section 9: workgroup memory against filter size",
    "",
    "| filter | direct ms | tiled ms | direct / tiled |",
    "|---|---|---|---|",
    ...workgroupMemory.map(
      (r) => `| ${r.filter} | ${ms(r.directMs)} | ${ms(r.tiledMs)} | ${r.speedup.toFixed(2)} |`,
    ),
    "",
    lenet5StepMarkdown(lenet5Step),
  );
  return lines.join("\n") + "\n";
}

if (process.argv[2]) {
  writeFileSync(process.argv[2], text);
  writeFileSync(process.argv[2].replace(/\.json$/, "") + ".md", markdown());
} else console.log(text);
console.table(launches);
console.table(workgroupMemory);
gpu.destroy();
