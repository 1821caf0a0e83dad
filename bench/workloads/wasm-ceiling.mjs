// The WebAssembly ceiling every deltalab WASM figure is set against (issue #22): the peak f32x4 multiply-add
// throughput and the memory bandwidth seen from WebAssembly, on 1 and 2 threads running at once. The kernels are
// bench/ceiling/peak.ts, compiled here by the project's AssemblyScript in the variant the backend runs (relaxed
// SIMD's fused multiply-add, or a multiply and an add).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import { summarize } from "./stats.mjs";

const bench = dirname(dirname(fileURLToPath(import.meta.url)));
const root = dirname(bench);
const PAGE = 65536;
/** Each thread streams its own 512 MiB: well past any cache a 2-core virtual machine is likely to be given. */
const REGION_BYTES = 512 * 2 ** 20;
const REGION_BASE = PAGE;
const SAMPLES = 7;
/** The length of one multiply-add sample. */
const TARGET_MS = 150;

async function compile(variant) {
  const { default: asc } = await import(join(root, "node_modules", "assemblyscript", "dist", "asc.js"));
  const out = mkdtempSync(join(tmpdir(), "deltalab-ceiling-"));
  try {
    const file = join(out, "peak.wasm");
    const flags = ["-O3", "--noAssert", "--runtime", "stub", "--importMemory", "--sharedMemory"];
    flags.push("--initialMemory", "1", "--maximumMemory", "32768", "--enable", "simd", "--enable", "threads");
    if (variant === "relaxed-simd") flags.push("--enable", "relaxed-simd");
    const { error, stderr } = await asc.main([join(bench, "ceiling", "peak.ts"), "-o", file, ...flags]);
    if (error) throw new Error(`asc failed on bench/ceiling/peak.ts: ${error.message}\n${stderr}`);
    return new globalThis.WebAssembly.Module(readFileSync(file));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** `threads` workers on one shared memory, each running the same task at once; `run` times one task on all. */
async function team(module, threads) {
  const pages = Math.ceil((REGION_BASE + threads * REGION_BYTES) / PAGE);
  const memory = new globalThis.WebAssembly.Memory({ initial: pages, maximum: 32768, shared: true });
  const control = new SharedArrayBuffer(16);
  const words = new Int32Array(control);
  const workers = [];
  for (let thread = 0; thread < threads; thread++) {
    const workerData = {
      module,
      memory,
      control,
      thread,
      regionBytes: REGION_BYTES,
      regionBase: REGION_BASE,
    };
    const worker = new Worker(new URL("../ceiling/thread.mjs", import.meta.url), { workerData });
    await new Promise((resolve, reject) => {
      worker.once("online", resolve);
      worker.once("error", reject);
    });
    workers.push(worker);
  }
  const run = (task, steps = 0) => {
    Atomics.store(words, 1, 0);
    Atomics.store(words, 2, task);
    Atomics.store(words, 3, steps);
    const start = performance.now();
    Atomics.add(words, 0, 1);
    Atomics.notify(words, 0);
    for (let done = 0; done < threads; done = Atomics.load(words, 1)) Atomics.wait(words, 1, done, 1000);
    return performance.now() - start;
  };
  const close = async () => {
    Atomics.store(words, 2, 0);
    Atomics.add(words, 0, 1);
    Atomics.notify(words, 0);
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once("exit", resolve))));
  };
  return { run, close };
}

/** Samples of `task`, each turned into a rate by `rate(ms)`: the median, lowest and highest rate. */
function rates(run, task, steps, rate) {
  run(task, steps);
  const times = Array.from({ length: SAMPLES }, () => run(task, steps));
  const { medianMs, minMs, maxMs } = summarize(times);
  return { median: rate(medianMs), low: rate(maxMs), high: rate(minMs) };
}

/** Measures the ceiling for the kernel variant `variant` ("relaxed-simd" or "simd") on 1 and 2 threads. */
export async function wasmCeiling(variant) {
  if (variant === "relaxed-simd") setFlagsFromString("--experimental-wasm-relaxed-simd");
  const module = await compile(variant);
  const result = {
    variant,
    multiplyAdd: {},
    readBandwidth: {},
    method:
      `bench/ceiling/peak.ts: 12 independent f32x4 ${variant === "relaxed-simd" ? "relaxed_madd (fused)" : "mul + add"} ` +
      `chains, about ${TARGET_MS} ms a sample; f32x4 loads summed over ${REGION_BYTES / 2 ** 20} MiB per thread; ` +
      `the median of ${SAMPLES} samples after a warm-up, all threads running at once`,
  };
  for (const threads of [1, 2]) {
    const { run, close } = await team(module, threads);
    try {
      // Warm up past V8's tier-up before calibrating: the first calls run the baseline compiler's code, about ten
      // times slower, and a call that started there finishes there. Probe until two probes in a row agree.
      const probeSteps = 1_000_000;
      let previous = run(1, probeSteps);
      for (let i = 0; i < 100; i++) {
        const current = run(1, probeSteps);
        if (i >= 4 && Math.abs(current - previous) < 0.05 * current) break;
        previous = current;
      }
      const steps = Math.max(probeSteps, Math.round((probeSteps * TARGET_MS) / run(1, probeSteps)));
      const flops = threads * steps * 96;
      result.multiplyAdd[threads] = rates(run, 1, steps, (ms) => flops / (ms * 1e6));
      run(2);
      const bytes = threads * REGION_BYTES;
      result.readBandwidth[threads] = rates(run, 3, 0, (ms) => bytes / (ms * 1e6));
    } finally {
      await close();
    }
  }
  return result;
}
