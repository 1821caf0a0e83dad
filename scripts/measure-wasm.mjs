#!/usr/bin/env node
// Throughput of the WebAssembly backend's convolution kernels on the reference shapes of issue #11.
//
//   node scripts/measure-wasm.mjs [--threads 1,2] [--repeats 5] [--variant simd|relaxed-simd]
//   node --experimental-wasm-relaxed-simd scripts/measure-wasm.mjs      (Node 20: lets the FMA build load)
//
// Needs a built core (npx tsc -b in core). Operands live in the backend's shared memory, so the figures are the
// kernels' (no copies); each figure is the best of --repeats runs after one warm-up, in GFLOP/s counting a
// multiply-add as two operations: 2 N d_out a_out b_out kh kw d_in for each of the three passes.
//
// --clock cpu divides by the process's CPU time instead of wall time: on a shared, loaded machine the wall clock
// also counts the time the thread waited for a core. With one thread that is the kernel's own time; with more it
// is the time summed over the threads (GFLOP/s per core).
import { parseArgs } from "node:util";
import { convGeometry, createWasmBackend } from "@deltalab/core";

const { values } = parseArgs({
  options: {
    threads: { type: "string", default: "1,2" },
    repeats: { type: "string", default: "5" },
    variant: { type: "string" },
    clock: { type: "string", default: "wall" },
  },
});

const SHAPES = [
  {
    name: "LeNet C1  N=64 1->6 28x28 5x5",
    batch: 64,
    inChannels: 1,
    size: 28,
    outChannels: 6,
    kernel: 5,
    stride: 1,
    padding: 0,
  },
  {
    name: "LeNet C3  N=64 6->16 12x12 5x5",
    batch: 64,
    inChannels: 6,
    size: 12,
    outChannels: 16,
    kernel: 5,
    stride: 1,
    padding: 0,
  },
  {
    name: "VGG-like  N=32 64->64 32x32 3x3 p1",
    batch: 32,
    inChannels: 64,
    size: 32,
    outChannels: 64,
    kernel: 3,
    stride: 1,
    padding: 1,
  },
  {
    name: "ResNet stem N=1 3->64 224x224 7x7 s2 p3",
    batch: 1,
    inChannels: 3,
    size: 224,
    outChannels: 64,
    kernel: 7,
    stride: 2,
    padding: 3,
  },
];

/** Seconds, by the wall clock or the process's CPU time. */
function clock() {
  if (values.clock === "cpu") {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  }
  return Number(process.hrtime.bigint()) / 1e9;
}

function best(repeats, run) {
  run();
  let fastest = Infinity;
  for (let r = 0; r < repeats; r++) {
    const start = clock();
    run();
    fastest = Math.min(fastest, clock() - start);
  }
  return fastest;
}

const repeats = Number(values.repeats);
for (const threads of values.threads.split(",").map(Number)) {
  const backend = createWasmBackend({ threads, ...(values.variant ? { variant: values.variant } : {}) });
  console.log(`\n${threads} thread(s), kernels: ${backend.variant}, ${values.clock} clock`);
  console.log("shape                                      forward  back-input  back-filter  (GFLOP/s)");
  for (const s of SHAPES) {
    const g = convGeometry({
      inChannels: s.inChannels,
      height: s.size,
      width: s.size,
      outChannels: s.outChannels,
      kernel: s.kernel,
      stride: s.stride,
      padding: s.padding,
    });
    const x = backend.allocate(s.batch * s.inChannels * s.size * s.size).map(() => Math.random() - 0.5);
    const xs = backend.allocate(x.length);
    xs.set(x);
    const weights = backend.allocate(g.patchSize * s.outChannels);
    weights.forEach((_, i) => (weights[i] = Math.random() - 0.5));
    const bias = backend.allocate(s.outChannels);
    const y = backend.allocate(s.batch * s.outChannels * g.outPositions);
    const dy = backend.allocate(y.length);
    dy.forEach((_, i) => (dy[i] = Math.random() - 0.5));
    const dx = backend.allocate(x.length);
    const dWeights = backend.allocate(weights.length);
    const dBias = backend.allocate(s.outChannels);
    const flops = 2 * s.batch * s.outChannels * g.outPositions * g.patchSize;
    const forward = best(repeats, () => backend.conv2dForward(g, s.batch, xs, weights, bias, y));
    const input = best(repeats, () => backend.conv2dBackwardInput(g, s.batch, dy, weights, dx));
    const filter = best(repeats, () => backend.conv2dBackwardFilter(g, s.batch, xs, dy, dWeights, dBias));
    const rate = (seconds) => (flops / seconds / 1e9).toFixed(1).padStart(8);
    console.log(`${s.name.padEnd(42)} ${rate(forward)} ${rate(input)}    ${rate(filter)}`);
  }
  backend.dispose();
}
