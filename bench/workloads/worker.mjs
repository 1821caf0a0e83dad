// Runs one implementation's workloads in its own process and prints one JSON line per result, so that a peer that
// crashes (a native module, a WebGPU driver) takes down only its own rows.
// Usage: node bench/workloads/worker.mjs <implementation> <smoke|quick|full> [--only <text>]
import {
  CONV_OPS,
  FASHION_TRAIN_IMAGES,
  GRID,
  LENET_BATCH,
  convFlops,
  workloadName,
  workloadsFor,
} from "./cases.mjs";
import { IMPLEMENTATIONS } from "./registry.mjs";
import { DEFAULT_RUNS } from "./stats.mjs";

const [name, mode, ...rest] = process.argv.slice(2);
const onlyAt = rest.indexOf("--only");
const only = onlyAt >= 0 ? rest[onlyAt + 1] : undefined;

function emit(record) {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function reason(error) {
  return String(error?.message ?? error)
    .split("\n")[0]
    .slice(0, 300);
}

const open = IMPLEMENTATIONS[name];
if (open === undefined) {
  console.error(
    `unknown implementation ${JSON.stringify(name)}; expected one of ${Object.keys(IMPLEMENTATIONS).join(", ")}`,
  );
  process.exit(2);
}

let implementation;
try {
  implementation = await open();
} catch (error) {
  emit({ implementation: name, unavailable: reason(error) });
  process.exit(0);
}
emit({ implementation: name, info: implementation.info ?? {} });
if (implementation.ceiling !== undefined) {
  try {
    emit({ implementation: name, ceiling: await implementation.ceiling() });
  } catch (error) {
    emit({ implementation: name, ceiling: { unavailable: reason(error) } });
  }
}

/** Per mode: the longest call still sampled 7 times, and the longest predicted call still attempted. */
const BUDGETS = {
  smoke: { maxCallMs: 5_000, maxPredictedMs: 5_000 },
  quick: { maxCallMs: 3_000, maxPredictedMs: 15_000 },
  // An epoch or a loss surface predicted over 6 minutes is skipped (ConvNetJS's epoch, about 5, still runs), so that
  // a full run stays within about 45 minutes on a 2-core machine.
  full: { maxCallMs: 20_000, maxPredictedMs: 120_000, maxPredictedRunMs: 360_000 },
};
const budget = BUDGETS[mode] ?? BUDGETS.quick;
const runs = { runs: DEFAULT_RUNS, maxCallMs: budget.maxCallMs };
/** The slowest rate (FLOPs per ms) seen so far for each convolution op, with the case it was seen on. */
const slowest = new Map();

/** Medians of the LeNet-5 step and inference, from which the epoch and the loss surface are predicted. */
const lenetMs = new Map();

/**
 * A reason to skip a workload whose one call would take longer than the budget: a convolution at the slowest rate
 * seen for its op, an epoch at the measured step time, the loss surface at the measured inference time.
 */
function predictedTooSlow(workload, op) {
  let predictedMs;
  let basis;
  if (workload.kind === "conv") {
    const seen = slowest.get(op);
    if (seen === undefined) return undefined;
    predictedMs = convFlops(workload.case) / seen.rate;
    basis = `the ${(seen.rate / 1e6).toFixed(3)} GFLOP/s measured on ${seen.case}`;
  } else if (workload.kind === "lenet-epoch" && lenetMs.has("lenet-train-step")) {
    predictedMs = lenetMs.get("lenet-train-step") * Math.ceil(FASHION_TRAIN_IMAGES / LENET_BATCH);
    basis = "the measured training step";
  } else if (workload.kind === "landscape-grid" && lenetMs.has("lenet-inference")) {
    predictedMs = ((lenetMs.get("lenet-inference") * GRID.images) / LENET_BATCH) * GRID.points ** 2;
    basis = "the measured inference";
  } else {
    return undefined;
  }
  const limit = workload.kind === "conv" ? budget.maxPredictedMs : budget.maxPredictedRunMs;
  if (predictedMs <= limit) return undefined;
  return `skipped: one run would take about ${(predictedMs / 1000).toFixed(0)} s at ${basis} (budget ${limit / 1000} s)`;
}

function remember(workload, op, result) {
  if (result?.medianMs === undefined) return;
  if (workload.kind.startsWith("lenet")) lenetMs.set(workload.kind, result.medianMs);
  if (workload.kind !== "conv") return;
  const rate = convFlops(workload.case) / result.medianMs;
  const seen = slowest.get(op);
  if (seen === undefined || rate < seen.rate) slowest.set(op, { rate, case: workload.case.id });
}
for (const workload of workloadsFor(mode)) {
  for (const op of workload.kind === "conv" ? (workload.ops ?? CONV_OPS) : [undefined]) {
    const label = workloadName(workload, op);
    if (only !== undefined && !label.includes(only)) continue;
    const key = { implementation: name, workload: workload.kind, case: workload.case?.id, op };
    const tooSlow = predictedTooSlow(workload, op);
    if (tooSlow !== undefined) {
      emit({ ...key, unavailable: tooSlow });
      continue;
    }
    // Each workload starts on a collected heap, so that one does not pay for the garbage of those before it (run.mjs
    // starts this process with --expose-gc).
    globalThis.gc?.();
    try {
      const result = await implementation.run(workload, op, runs);
      if (result === undefined) continue;
      remember(workload, op, result);
      emit({ ...key, ...result });
    } catch (error) {
      emit({ ...key, unavailable: reason(error) });
    }
  }
}
await implementation.close?.();
process.exit(0);
