// deltalab's WebAssembly SIMD backend (core/src/backend/wasm), where the build of @deltalab/core has one: its
// convolution operations with every array in the backend's shared memory (so nothing is copied), its GEMM, and
// LeNet-5 with `backend` set.
import { GEMM_SIZE, convOutSize } from "./cases.mjs";
import { cpuLenet, landscapeGrid, loadCore } from "./deltalab.mjs";
import { measure, seededFloats, withNote } from "./stats.mjs";
import { wasmCeiling } from "./wasm-ceiling.mjs";

function sharedCopy(backend, values) {
  const array = backend.allocate(values.length);
  array.set(values);
  return array;
}

/**
 * The backend's convolution operations, each on its own: y = conv(x; W) + b, dX alone (eq. 74), dW and db (eq. 79,
 * 81). Weights are W^T, R x d_out, which for a full connection table is the layer's vec(W).
 */
function wasmConv(core, backend, c, op, runs) {
  const geometry = core.convGeometry({
    inChannels: c.cin,
    height: c.h,
    width: c.w,
    outChannels: c.cout,
    kernel: c.k,
    stride: c.stride,
    padding: c.pad,
  });
  const { hout, wout } = convOutSize(c);
  const weights = sharedCopy(backend, seededFloats(c.k * c.k * c.cin * c.cout, 3));
  const bias = sharedCopy(backend, seededFloats(c.cout, 4));
  const x = sharedCopy(backend, seededFloats(c.batch * c.cin * c.h * c.w, 1));
  const dy = sharedCopy(backend, seededFloats(c.batch * c.cout * hout * wout, 2));
  const y = backend.allocate(c.batch * c.cout * hout * wout);
  const dx = backend.allocate(c.batch * c.cin * c.h * c.w);
  const dWeights = backend.allocate(weights.length);
  const dBias = backend.allocate(c.cout);
  const n = c.batch;
  const calls = {
    forward: () => backend.conv2dForward(geometry, n, x, weights, bias, y),
    "backward-input": () => backend.conv2dBackwardInput(geometry, n, dy, weights, dx),
    "backward-filter": () => backend.conv2dBackwardFilter(geometry, n, x, dy, dWeights, dBias),
  };
  const algorithm = backend.convAlgorithms(geometry)[ALGORITHM_OF[op]];
  return measure(calls[op], runs).then((result) => withNote(result, ALGORITHM_NOTES[algorithm]));
}

const ALGORITHM_OF = {
  forward: "forward",
  "backward-input": "inputDelta",
  "backward-filter": "filterGradient",
};

/** What each algorithm of the backend does, for the cell's note. */
const ALGORITHM_NOTES = {
  winograd:
    "Winograd F(2x2,3x3) (the filter gradient: F(3x3,2x2)), 2.25x fewer multiply-adds than the FLOPs counted",
  direct: "direct kernel",
  "direct-maps": "direct kernel, lanes over the maps",
  "im2col-gemm": "im2col + GEMM",
};

function wasmGemm(backend, runs) {
  const n = GEMM_SIZE;
  const a = sharedCopy(backend, seededFloats(n * n, 4));
  const b = sharedCopy(backend, seededFloats(n * n, 5));
  const c = backend.allocate(n * n);
  return measure(() => backend.gemm(false, false, n, n, n, a, n, b, n, 0, c, n), { ...runs, minSampleMs: 0 });
}

/**
 * Runs `measureOn(backend)` on a 1-thread and a 2-thread backend and keeps the faster median, as the PyTorch and
 * ONNX Runtime columns do: on a loaded 2-core machine the second thread can cost more than it brings.
 */
async function fasterOfThreads(backends, measureOn) {
  const results = [];
  for (const backend of backends) results.push({ threads: backend.threads, ...(await measureOn(backend)) });
  if (results.some((r) => r.medianMs === undefined)) return results.find((r) => r.medianMs === undefined);
  results.sort((a, b) => a.medianMs - b.medianMs);
  const [best, ...others] = results;
  const other = others.map((r) => `with ${r.threads}: ${r.medianMs.toPrecision(3)} ms`).join(", ");
  return withNote(best, `${best.threads} thread(s)${other ? ` (${other})` : ""}`);
}

export async function wasmBackend() {
  const core = loadCore();
  if (typeof core.createWasmBackend !== "function") {
    throw new Error("this build of @deltalab/core has no WebAssembly backend (no createWasmBackend export)");
  }
  const backends = [1, 2].map((threads) => core.createWasmBackend({ threads }));
  return {
    impl: "deltalab",
    backend: "wasm",
    info: {
      threads: "the faster of 1 and 2 per workload (the epoch and the surface: 2)",
      kernels: backends[0].variant,
    },
    run(workload, op, runs) {
      const two = backends[1];
      if (workload.kind === "landscape-grid") return landscapeGrid(core, null, two);
      if (workload.kind === "lenet-epoch") return cpuLenet(core, workload, runs, two);
      return fasterOfThreads(backends, (backend) => {
        if (workload.kind === "conv") return wasmConv(core, backend, workload.case, op, runs);
        if (workload.kind === "gemm") return wasmGemm(backend, runs);
        return cpuLenet(core, workload, runs, backend);
      });
    },
    /** The peak f32x4 multiply-add rate and memory bandwidth of WebAssembly here, for the kernels' variant. */
    ceiling: () => wasmCeiling(backends[0].variant),
    close: () => backends.forEach((b) => b.dispose()),
  };
}
