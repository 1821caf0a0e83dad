// Turns the workers' records into results.json and a Markdown table: median and spread, GFLOP/s, the fraction of
// the measured SGEMM ceiling, and the ratio of each peer's time to deltalab's fastest backend.
import {
  CONV_FLOP_FORMULA,
  FASHION_TRAIN_IMAGES,
  GEMM_FLOPS,
  GEMM_SIZE,
  GRID,
  LENET_BATCH,
  LENET_FLOP_FORMULA,
  convFlops,
  describeConv,
  lenetForwardFlops,
} from "./cases.mjs";

/** Column order and labels; the deltalab backends come first. */
export const COLUMNS = [
  ["deltalab-cpu", "deltalab CPU"],
  ["deltalab-wasm", "deltalab WASM"],
  ["deltalab-webgpu", "deltalab WebGPU"],
  ["tfjs-cpu", "tfjs CPU"],
  ["tfjs-wasm", "tfjs WASM"],
  ["tfjs-webgpu", "tfjs WebGPU"],
  ["convnetjs", "ConvNetJS"],
  ["onnxruntime", "ONNX Runtime"],
  ["pytorch", "PyTorch CPU"],
];
export const KERNEL_COLUMNS = [
  ["deltalab", "deltalab kernel"],
  ["tslab", "tslab"],
];
const DELTALAB = new Set(["deltalab-cpu", "deltalab-wasm", "deltalab-webgpu"]);

/** The row a record belongs to, with its FLOP count (null where FLOPs mean nothing). */
export function rowOf(record, cases) {
  const { workload, op } = record;
  if (workload === "conv") {
    const c = cases.find((k) => k.id === record.case);
    return {
      key: `conv ${record.case} ${op}`,
      label: `conv ${op} (${describeConv(c)})`,
      flops: convFlops(c),
    };
  }
  const forward = lenetForwardFlops(LENET_BATCH);
  switch (workload) {
    case "gemm":
      return { key: "gemm", label: `SGEMM ${GEMM_SIZE}^3`, flops: GEMM_FLOPS };
    case "lenet-train-step":
      return { key: workload, label: `LeNet-5 training step, batch ${LENET_BATCH}`, flops: 3 * forward };
    case "lenet-inference":
      return { key: workload, label: `LeNet-5 inference, batch ${LENET_BATCH}`, flops: forward };
    case "lenet-epoch":
      return {
        key: workload,
        label: "LeNet-5, one epoch of Fashion-MNIST (60,000 images, batch 64; 1 run)",
        flops: 3 * lenetForwardFlops(FASHION_TRAIN_IMAGES),
      };
    case "landscape-grid":
      return {
        key: workload,
        label: `loss surface ${GRID.points}x${GRID.points}, LeNet-5 on ${GRID.images} images (1 run)`,
        flops: GRID.points * GRID.points * lenetForwardFlops(GRID.images),
      };
    case "kernel":
      return {
        key: `kernel ${op}`,
        label: KERNEL_LABELS[op] ?? op,
        flops: null,
      };
    default:
      return { key: workload, label: workload, flops: null };
  }
}

const KERNEL_LABELS = {
  "start-up": "kernel start-up (to kernel_info reply)",
  "first-result": "start-up to the first cell's result (`1 + 1` sent when ready)",
  "round-trip": "trivial cell round trip (`1 + 1`)",
  "idle-memory": "resident memory at rest after the first cell",
};

export function analyse(records, { cases, machine, mode, startedAt, finishedAt }) {
  const implementations = {};
  const rows = new Map();
  let wasmCeiling = null;
  for (const record of records) {
    const name = record.implementation;
    implementations[name] ??= { status: "loaded" };
    if (record.ceiling !== undefined) {
      wasmCeiling = record.ceiling;
      continue;
    }
    if (record.workload === undefined) {
      if (record.unavailable !== undefined)
        implementations[name] = { status: `unavailable: ${record.unavailable}` };
      if (record.info !== undefined) implementations[name].info = record.info;
      continue;
    }
    const row = rowOf(record, cases);
    if (!rows.has(row.key)) rows.set(row.key, { ...row, results: {} });
    const result = { ...record };
    delete result.implementation;
    delete result.workload;
    delete result.case;
    delete result.op;
    if (result.medianMs !== undefined && row.flops !== null) {
      result.gflops = row.flops / (result.medianMs * 1e6);
    }
    rows.get(row.key).results[name] = result;
  }
  const gemm = rows.get("gemm");
  const ceilingPeers = ["onnxruntime", "pytorch"].filter((p) => gemm?.results[p]?.gflops !== undefined);
  const ceiling = ceilingPeers.length
    ? ceilingPeers.reduce(
        (best, p) =>
          gemm.results[p].gflops > best.gflops ? { by: p, gflops: gemm.results[p].gflops } : best,
        { by: null, gflops: 0 },
      )
    : null;
  for (const row of rows.values()) {
    const fastest = fastestDeltalab(row);
    row.deltalabFastest = fastest;
    for (const [name, result] of Object.entries(row.results)) {
      if (ceiling && result.gflops !== undefined) result.fractionOfCeiling = result.gflops / ceiling.gflops;
      const peak = wasmPeak(wasmCeiling, result.threads ?? 2);
      if (name === "deltalab-wasm" && peak !== undefined && result.gflops !== undefined) {
        result.fractionOfWasmCeiling = result.gflops / peak;
      }
      if (fastest && !DELTALAB.has(name) && result.medianMs !== undefined) {
        result.peerTimeOverDeltalab = result.medianMs / row.results[fastest].medianMs;
      }
    }
  }
  return {
    mode,
    startedAt,
    finishedAt,
    machine,
    ceiling: ceiling && { ...ceiling, workload: `SGEMM ${GEMM_SIZE}^3, Float32` },
    wasmCeiling,
    flopFormulas: {
      conv: CONV_FLOP_FORMULA,
      lenet: LENET_FLOP_FORMULA,
      gemm: "2*n^3",
      grid: "41*41 LeNet-5 forward passes on 1,000 images",
    },
    implementations,
    rows: [...rows.values()],
  };
}

/** The measured WebAssembly multiply-add peak (GFLOP/s) on `threads` threads, if the run measured one. */
function wasmPeak(wasmCeiling, threads) {
  return wasmCeiling?.multiplyAdd?.[threads]?.median;
}

function fastestDeltalab(row) {
  let best = null;
  for (const name of DELTALAB) {
    const t = row.results[name]?.medianMs;
    if (t !== undefined && (best === null || t < row.results[best].medianMs)) best = name;
  }
  return best;
}

/** Seconds from 1 s up, milliseconds below; `unitOf` picks by one value so a range shares its unit. */
function unitOf(value) {
  return value >= 1000 ? { scale: 1000, name: "s" } : { scale: 1, name: "ms" };
}

function number(value, unit) {
  const v = value / unit.scale;
  return v >= 10 ? v.toFixed(1) : v.toPrecision(2);
}

function cell(result) {
  if (result === undefined) return "—";
  if (result.unavailable !== undefined) return `unavailable: ${escape(result.unavailable)}`;
  if (result.mb !== undefined) {
    const spread = result.runs > 1 ? ` [${result.minMb.toFixed(0)}–${result.maxMb.toFixed(0)}]` : "";
    return `${result.mb.toFixed(0)} MB${spread}`;
  }
  const unit = unitOf(result.medianMs);
  const spread =
    result.runs > 1 ? ` [${number(result.minMs, unit)}–${number(result.maxMs, unit)}]` : " (1 run)";
  let text = `${number(result.medianMs, unit)} ${unit.name}${spread}`;
  if (result.gflops !== undefined) {
    const fraction =
      result.fractionOfCeiling !== undefined ? `, ${(100 * result.fractionOfCeiling).toFixed(1)}%` : "";
    const wasm =
      result.fractionOfWasmCeiling !== undefined
        ? `; ${(100 * result.fractionOfWasmCeiling).toFixed(1)}% of WASM`
        : "";
    text += `<br>${result.gflops.toFixed(2)} GFLOP/s${fraction}${wasm}`;
  }
  if (result.note) text += `<br><sub>${escape(result.note)}</sub>`;
  return text;
}

function escape(text) {
  return String(text).replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function table(header, lines) {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...lines.map((l) => `| ${l.join(" | ")} |`),
  ].join("\n");
}

/** "a / b / c at the start and d / e / f at the end" (1, 5 and 15 minutes). */
function loadAverages(machine) {
  const start = `${machine.loadAverageAtStart.join(" / ")} at the start`;
  return machine.loadAverageAtEnd ? `${start} and ${machine.loadAverageAtEnd.join(" / ")} at the end` : start;
}

/** Whether the measured tree had uncommitted changes (unknown for runs recorded before this was kept). */
function treeState(machine) {
  if (machine.uncommittedChanges === undefined) return "";
  return machine.uncommittedChanges ? ", with uncommitted changes in the tree" : ", a clean tree";
}

export function markdown(analysis) {
  const { machine, ceiling, implementations } = analysis;
  const present = COLUMNS.filter(([name]) => implementations[name] !== undefined);
  const benchRows = analysis.rows.filter((r) => !r.key.startsWith("kernel"));
  const kernelRows = analysis.rows.filter((r) => r.key.startsWith("kernel"));
  const statusLine = ["status", ...present.map(([name]) => escape(implementations[name].status))];
  const lines = [
    statusLine,
    ...benchRows.map((row) => [row.label, ...present.map(([name]) => cell(row.results[name]))]),
  ];
  const peers = present.filter(([name]) => !DELTALAB.has(name));
  const ratioLines = benchRows
    .filter((row) => row.deltalabFastest)
    .map((row) => [
      row.label,
      COLUMNS.find(([n]) => n === row.deltalabFastest)[1],
      ...peers.map(([name]) => {
        const r = row.results[name]?.peerTimeOverDeltalab;
        return r === undefined ? "—" : `${r.toFixed(2)}×`;
      }),
    ]);
  const out = [
    `### deltalab against its peers (${analysis.mode} run, ${analysis.startedAt.slice(0, 16).replace("T", " ")} UTC)`,
    "",
    `Produced by \`node bench/run.mjs --${analysis.mode}\`${analysis.mode === "quick" ? " (`npm run bench`)" : analysis.mode === "full" ? " (`npm run bench:full`)" : ""}.`,
    "",
    `Machine: ${machine.cpu} (${machine.vectorFlags.join(", ")}), ${machine.logicalCores} logical cores, ` +
      `${machine.memoryGiB} GiB, Node ${machine.node}` +
      (machine.adapter ? `; WebGPU adapter: ${machine.adapter}` : "") +
      `. Load average ${loadAverages(machine)} (the benchmark itself keeps up to ${machine.logicalCores} cores busy); ` +
      "a shared virtual machine, so treat the figures as indicative, not as a clean benchmark." +
      (machine.commit ? ` Commit ${machine.commit}${treeState(machine)}.` : ""),
    "",
    ceiling
      ? `Native ceiling: the best ${ceiling.workload} of ONNX Runtime and PyTorch, ${ceiling.gflops.toFixed(1)} GFLOP/s (${ceiling.by}); each GFLOP/s figure is followed by its fraction of that.`
      : "Ceiling: no SGEMM peer ran, so no fraction of the limit is given.",
    ...wasmCeilingLines(analysis.wasmCeiling),
    "",
    "Each cell: median time [min–max] of 7 runs after at least 1 s of warm-up calls (the epoch and the loss surface: one run each, no warm-up), then GFLOP/s. " +
      `FLOPs: convolution ${CONV_FLOP_FORMULA}; LeNet-5 ${LENET_FLOP_FORMULA}; SGEMM 2n^3.`,
    "",
    table(["workload", ...present.map(([, label]) => label)], lines),
    "",
    "Peer's median time ÷ deltalab's fastest backend's (above 1: deltalab is faster):",
    "",
    table(["workload", "deltalab's fastest", ...peers.map(([, label]) => label)], ratioLines),
    ...goalLines(analysis),
  ];
  if (kernelRows.length) {
    const kernels = KERNEL_COLUMNS.filter(([name]) => implementations[name] !== undefined);
    out.push(
      "",
      "Jupyter kernels, driven by jupyter_client (median [min–max]; start-up: separate launches):",
      ...remeasuredNote(analysis, kernelRows),
      "",
      table(
        ["", ...kernels.map(([, label]) => label), "tslab ÷ deltalab"],
        [
          ["status", ...kernels.map(([name]) => escape(implementations[name].status)), ""],
          ...kernelRows.map((row) => [
            row.label,
            ...kernels.map(([name]) => cell(row.results[name])),
            kernelRatio(row),
          ]),
        ],
      ),
    );
  }
  out.push("");
  return out.join("\n");
}

/** The WebAssembly ceiling's paragraph, or nothing when the run did not measure it. */
function wasmCeilingLines(wasmCeiling) {
  if (!wasmCeiling) return [];
  if (wasmCeiling.unavailable)
    return ["", `WebAssembly ceiling: not measured (${escape(wasmCeiling.unavailable)}).`];
  const rate = (r) => `${r.median.toFixed(1)} [${r.low.toFixed(1)}–${r.high.toFixed(1)}]`;
  const { multiplyAdd: fma, readBandwidth: read } = wasmCeiling;
  return [
    "",
    `WebAssembly ceiling (${wasmCeiling.variant} kernels): f32x4 multiply-add ${rate(fma[1])} GFLOP/s on 1 thread, ` +
      `${rate(fma[2])} on 2; memory read ${rate(read[1])} GB/s on 1 thread, ${rate(read[2])} on 2 ` +
      `(${escape(wasmCeiling.method)}). deltalab WASM's cells also give their fraction of the multiply-add peak at ` +
      'the thread count they ran ("% of WASM").',
  ];
}

/**
 * The goals set for the WebAssembly backend, each measured in this run: every convolution operation at least half
 * PyTorch CPU's speed and 60 % of the WebAssembly ceiling, the 3x3 forward 0.8x PyTorch's, SGEMM 0.7x ONNX
 * Runtime's, the LeNet-5 training step 2x PyTorch's. Each line says met, or by what factor it falls short.
 */
export function goals(analysis) {
  const rows = rowsByKey(analysis);
  const wasm = (key) => rows.get(key)?.results["deltalab-wasm"];
  const speedOver = (key, peer) => {
    const mine = wasm(key)?.medianMs;
    const theirs = rows.get(key)?.results[peer]?.medianMs;
    return mine === undefined || theirs === undefined ? undefined : theirs / mine;
  };
  const list = [];
  const add = (goal, measured, target, unit) =>
    list.push({ goal, measured, target, met: measured === undefined ? undefined : measured >= target, unit });
  for (const row of analysis.rows.filter((r) => r.key.startsWith("conv ") && !r.key.includes("smoke"))) {
    add(`${row.label}: speed vs PyTorch CPU`, speedOver(row.key, "pytorch"), 0.5, "×");
    add(`${row.label}: fraction of the WASM ceiling`, wasm(row.key)?.fractionOfWasmCeiling, 0.6, "%");
  }
  const vgg = analysis.rows.find((r) => r.key === "conv vgg-3x3 forward");
  if (vgg) add(`${vgg.label}: speed vs PyTorch CPU`, speedOver(vgg.key, "pytorch"), 0.8, "×");
  add("SGEMM 1024^3: speed vs ONNX Runtime", speedOver("gemm", "onnxruntime"), 0.7, "×");
  add("LeNet-5 training step: speed vs PyTorch CPU", speedOver("lenet-train-step", "pytorch"), 2, "×");
  return list;
}

function goalLines(analysis) {
  const list = goals(analysis).filter((g) => g.measured !== undefined);
  if (!list.length) return [];
  const show = (value, unit) => (unit === "%" ? `${(100 * value).toFixed(0)}%` : `${value.toFixed(2)}×`);
  const met = list.filter((g) => g.met).length;
  const step = rowsByKey(analysis).get("lenet-train-step")?.results["deltalab-wasm"];
  return [
    "",
    `Goals for deltalab WASM, measured in this run (${met} of ${list.length} met; "short" is the speed-up still needed):`,
    "",
    table(
      ["goal", "target", "measured", ""],
      list.map((g) => [
        g.goal,
        show(g.target, g.unit),
        show(g.measured, g.unit),
        g.met ? "met" : `short: needs ${(g.target / g.measured).toFixed(2)}× faster`,
      ]),
    ),
    ...(step?.runs > 1
      ? [
          "",
          `The LeNet-5 step's spread in this run: ${number(step.minMs, unitOf(step.minMs))}–` +
            `${number(step.maxMs, unitOf(step.maxMs))} ms over ${step.runs} samples (${escape(step.note ?? "")}).`,
        ]
      : []),
  ];
}

function rowsByKey(analysis) {
  return new Map(analysis.rows.map((row) => [row.key, row]));
}

/** A line naming the run that measured `rows` again after the recorded one, if one did. */
function remeasuredNote(analysis, rows) {
  const entry = (analysis.remeasured ?? []).find((e) => rows.some((row) => e.keys.includes(row.key)));
  if (!entry) return [];
  const load = (l) => (l ?? []).map((v) => v.toFixed(2)).join(" / ");
  return [
    "",
    `These rows were measured again on ${entry.startedAt.slice(0, 16).replace("T", " ")} UTC by \`${entry.command}\`, ` +
      `at commit ${entry.commit}${entry.uncommittedChanges ? " with uncommitted changes" : ""}, load average ` +
      `${load(entry.loadAverageAtStart)} at the start and ${load(entry.loadAverageAtEnd)} at the end.`,
  ];
}

function kernelRatio(row) {
  const deltalab = row.results.deltalab?.medianMs ?? row.results.deltalab?.mb;
  const tslab = row.results.tslab?.medianMs ?? row.results.tslab?.mb;
  return deltalab === undefined || tslab === undefined ? "—" : `${(tslab / deltalab).toFixed(2)}×`;
}

/** What a reader needs to read the table right; each was checked on this machine. */
const NOTES = [
  "deltalab CPU is the reference path (TypeScript, one thread); deltalab WASM is the WebAssembly SIMD backend on worker threads (its convolution rows time the backend's forward, dX-only and dW operations); deltalab WebGPU runs @deltalab/shaders' kernels: for each convolution the fastest of its default and one or two register-blocked launches (named in the cell; the project's tuner searches far more), for LeNet-5 the default kernels.",
  "deltalab WASM's convolution cells name the backend's algorithm for the operation (WasmOperations.convAlgorithms). Its 3x3 rows with 64 channels run Winograd's minimal filtering, which does 2.25x fewer multiply-adds than the direct FLOPs every row counts: their GFLOP/s and fractions are of the counted FLOPs, so they can pass the ceilings.",
  "The WebAssembly ceiling is what one f32x4 multiply-add loop reaches with nothing else in the way (bench/ceiling/peak.ts); 128-bit SIMD is a quarter of the AVX-512 width the native peers use on a CPU that has it, so the native ceiling can be several times the WebAssembly one.",
  "deltalab WASM, ONNX Runtime and PyTorch ran each workload with 1 and with 2 threads and keep the faster (named in the cell, with the other's median): on a 2-core machine busy with other work, a second thread often waits longer than it helps.",
  "The convolution layers of deltalab's CPU path and of ConvNetJS compute dX and dW in one backward call: their backward-input row times that call (dX and dW), so it does twice the counted work; ConvNetJS's backward-filter row is that same pass.",
  "tfjs WASM ran one thread: Node 20 cannot start its threaded build (the build creates its workers from a blob: URL, which Node's Worker rejects with ERR_WORKER_PATH), and it has no Conv2DBackpropFilter kernel, so it cannot train a CNN.",
  "tfjs WebGPU runs on the same Dawn adapter as deltalab's (the webgpu package, OpenGL backend, compatibility feature level), through a navigator.gpu made from that package.",
  "ConvNetJS computes in Float64, one sample per call, and has only max pooling (its LeNet-5 uses max pooling); every other LeNet-5 here uses 2x2 average pooling and a full C3 table.",
  "@tensorflow/tfjs-node is not measured: its install downloads libtensorflow, which this machine cannot reach.",
  "ONNX Runtime is inference only (forward rows); its graphs are written by bench/workloads/onnx-model.mjs.",
  "A call slower than the mode's budget (--quick: 3 s) is timed once, and a workload predicted from a smaller case to take over 15 s a call (--full: 120 s; an epoch or surface over 6 min) is skipped; the cell says which.",
  "Optimizers against SciPy: see bench/results/optim.md (bench/optim).",
];

/** One line per implementation: what it is and how it was set up (threads, SIMD, adapter). */
export function setupNotes(analysis) {
  const lines = ["", "Notes:", "", ...NOTES.map((n) => `- ${n}`), "", "How each implementation ran:", ""];
  for (const [name, { status, info }] of Object.entries(analysis.implementations)) {
    const details = info
      ? Object.entries(info)
          .map(([k, v]) => `${k} ${typeof v === "string" ? v : JSON.stringify(v)}`)
          .join("; ")
      : "";
    lines.push(`- ${name}: ${escape(status)}${details ? ` — ${escape(details)}` : ""}`);
  }
  lines.push("");
  return lines.join("\n");
}
