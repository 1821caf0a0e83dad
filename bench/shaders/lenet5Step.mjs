// The LeNet-5 training step on WebGPU with three sets of launches: the operators' defaults (every GPU run before
// launches were resolved), the table shipped for this adapter's class (what a run gets without tuning), and tuned
// (every tunable operator of the step tuned first, as %tune --cache does, then read from that cache). The steps are
// timed alternately, so that load on a shared machine falls on all three alike.
// Alone: npm run build && node bench/shaders/lenet5Step.mjs [output.json] (Markdown next to it, output.md).
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Tunes the step's operators on `gpu`, then times `steps` steps with each set of launches.
 * Options: batch (8), steps (10), warmup (2), k (model's top k per operator, 6), runs (timed runs per candidate, 3).
 */
export async function lenet5StepBench(gpu, options = {}) {
  const shaders = require("@deltalab/shaders");
  const core = require("@deltalab/core");
  const { batch = 8, steps = 10, warmup = 2, k = 6, runs = 3 } = options;
  const model = core.lenet5({ seed: 1 });
  const layers = model.layers.map(({ layer }) => layer);
  const cachePath = join(tmpdir(), `deltalab-lenet5-step-${process.pid}.json`);
  const cache = shaders.TuningCache.open(cachePath);
  const tuning = [];
  const tuneStarted = performance.now();
  const shippedResolver = new shaders.LaunchResolver(gpu.adapter, gpu.limits, undefined);
  for (const operator of shaders.stepOperators(layers, batch)) {
    const shipped = shippedResolver.shipped(operator);
    const result = await shaders.tune(gpu, operator, {
      include: shipped === undefined ? [] : [shipped.params],
      strategy: { kind: "model-top-k", k },
      warmup: 1,
      runs,
      stopSlowerThan: 3,
      cache,
    });
    const best = result.table.candidates.find((c) => c.id === result.best?.id);
    const fallback = result.table.candidates.find((c) => c.id === result.table.defaultId);
    tuning.push({
      operator: operator.name,
      shape: operator.shape,
      defaultMs: fallback?.medianMs,
      tunedMs: best?.medianMs,
      best: best?.params,
    });
    console.error(
      `tuned ${operator.name} ${JSON.stringify(operator.shape)}: ${fallback?.medianMs.toFixed(3)} -> ${best?.medianMs.toFixed(3)} ms`,
    );
  }
  const tuneSeconds = (performance.now() - tuneStarted) / 1000;

  const none = { software: {}, hardware: {} };
  const resolvers = {
    default: new shaders.LaunchResolver(gpu.adapter, gpu.limits, undefined, none),
    shipped: new shaders.LaunchResolver(gpu.adapter, gpu.limits, undefined),
    tuned: new shaders.LaunchResolver(gpu.adapter, gpu.limits, shaders.TuningCache.open(cachePath)),
  };
  const models = Object.fromEntries(
    Object.entries(resolvers).map(([name, launches]) => [
      name,
      shaders.GpuModel.compile(gpu, model, batch, { launches }),
    ]),
  );
  const inputs = Float32Array.from({ length: batch * model.inputSize }, (_, i) => Math.sin(i));
  const targets = new Float32Array(batch * model.outputSize);
  for (let n = 0; n < batch; n++) targets[n * model.outputSize + (n % model.outputSize)] = 1;
  const samples = Object.fromEntries(Object.keys(models).map((name) => [name, []]));
  for (let i = 0; i < warmup + steps; i++) {
    for (const [name, device] of Object.entries(models)) {
      const start = performance.now();
      await device.step(inputs, targets, 0.01);
      if (i >= warmup) samples[name].push(performance.now() - start);
    }
  }
  const rows = Object.entries(models).map(([name, device]) => {
    const used = device.launchesUsed();
    const sources = {};
    for (const { source } of used) sources[source] = (sources[source] ?? 0) + 1;
    device.dispose();
    return { launches: name, medianMs: median(samples[name]), samples: samples[name], sources, used };
  });
  const base = rows.find((r) => r.launches === "default").medianMs;
  for (const row of rows) row.speedup = base / row.medianMs;
  return { batch, steps, warmup, k, runs, tuneSeconds, tuning, rows };
}

/** The Markdown section for a result of lenet5StepBench. */
export function lenet5StepMarkdown(result) {
  const counts = (sources) =>
    Object.entries(sources)
      .map(([s, n]) => `${n} ${s}`)
      .join(", ");
  return [
    `## LeNet-5 training step on WebGPU: default, shipped and tuned launches (N = ${result.batch})`,
    "",
    `One step: forward, fused softmax cross-entropy, backward and the SGD update in one submission, then the`,
    `loss read back. Median of ${result.steps} steps after ${result.warmup} warm-up steps, the three models timed`,
    `alternately. Tuned: every tunable operator of the step tuned first (the model's top ${result.k}, the default`,
    `and the shipped launch, ${result.runs} timed runs per candidate, ${result.tuneSeconds.toFixed(0)} s in all), then`,
    "read from that cache as %train does.",
    "",
    "| launches | step ms | speed-up over default | launch sources |",
    "|---|---|---|---|",
    ...result.rows.map(
      (r) => `| ${r.launches} | ${r.medianMs.toFixed(2)} | ${r.speedup.toFixed(2)}x | ${counts(r.sources)} |`,
    ),
    "",
    "| operator | shape | default ms | tuned ms | tuned launch |",
    "|---|---|---|---|---|",
    ...result.tuning.map((t) => {
      const shape = Object.entries(t.shape)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");
      const launch = t.best
        ? Object.entries(t.best)
            .map(([k, v]) => `${k}=${v}`)
            .join(" ")
        : "-";
      return `| ${t.operator} | ${shape} | ${t.defaultMs?.toFixed(3) ?? "-"} | ${t.tunedMs?.toFixed(3) ?? "-"} | ${launch} |`;
    }),
    "",
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const shaders = require("@deltalab/shaders");
  const gpu = await shaders.GpuDevice.open();
  const started = new Date();
  const loadAtStart = loadavg();
  const batch = Number(process.env.LENET5_STEP_BATCH ?? 8);
  const result = await lenet5StepBench(gpu, { batch, steps: 20 });
  const machine = {
    cpus: cpus().length,
    loadavgAtStart: loadAtStart,
    loadavgAtEnd: loadavg(),
    started: started.toISOString(),
    finished: new Date().toISOString(),
  };
  const report = { adapter: gpu.adapter, machine, lenet5Step: result };
  const loads = (values) => values.map((v) => v.toFixed(1)).join(", ");
  const header = [
    `# LeNet-5 step on ${[gpu.adapter.device, gpu.adapter.description].filter(Boolean).join(" ")}`,
    "",
    `Run ${machine.started} to ${machine.finished} with \`node bench/shaders/lenet5Step.mjs\`, on a ${machine.cpus}-core`,
    `machine shared with other work (load average ${loads(machine.loadavgAtStart)} at the start,`,
    `${loads(machine.loadavgAtEnd)} at the end): timings are noisy.`,
    "",
  ].join("\n");
  if (process.argv[2]) {
    writeFileSync(process.argv[2], JSON.stringify(report, null, 1));
    writeFileSync(process.argv[2].replace(/\.json$/, "") + ".md", header + "\n" + lenet5StepMarkdown(result));
  } else console.log(JSON.stringify(report, null, 1));
  gpu.destroy();
}
