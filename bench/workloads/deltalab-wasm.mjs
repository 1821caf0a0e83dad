// deltalab's WebAssembly SIMD backend (core/src/backend/wasm), where the build of @deltalab/core has one: the
// convolution layer through the backend's `accelerate`, with every array in the backend's shared memory so that
// nothing is copied, and LeNet-5 with `backend` set.
import { GEMM_SIZE, convOutSize } from "./cases.mjs";
import { convLayer, cpuLenet, landscapeGrid, loadCore } from "./deltalab.mjs";
import { measure, seededFloats, withNote } from "./stats.mjs";

function sharedCopy(backend, values) {
  const array = backend.allocate(values.length);
  array.set(values);
  return array;
}

function wasmConv(core, backend, c, op, runs) {
  const layer = backend.accelerate(convLayer(core, c), "float32");
  const { hout, wout } = convOutSize(c);
  const params = sharedCopy(backend, seededFloats(layer.parameterCount, 3));
  const x = sharedCopy(backend, seededFloats(c.batch * c.cin * c.h * c.w, 1));
  const dy = sharedCopy(backend, seededFloats(c.batch * c.cout * hout * wout, 2));
  const y = backend.allocate(c.batch * c.cout * hout * wout);
  const dx = backend.allocate(c.batch * c.cin * c.h * c.w);
  const grad = backend.allocate(layer.parameterCount);
  const n = c.batch;
  if (op === "forward") return measure(() => layer.forward(params, x, y, n), runs);
  if (op === "backward-filter") return measure(() => layer.backward(params, x, y, dy, null, grad, n), runs);
  return measure(() => layer.backward(params, x, y, dy, dx, grad, n), runs).then((t) =>
    withNote(t, "one call computing dX and dW together (the layer has no dX-only call)"),
  );
}

function wasmGemm(backend, runs) {
  const n = GEMM_SIZE;
  const a = sharedCopy(backend, seededFloats(n * n, 4));
  const b = sharedCopy(backend, seededFloats(n * n, 5));
  const c = backend.allocate(n * n);
  return measure(() => backend.gemm(false, false, n, n, n, a, n, b, n, 0, c, n), { ...runs, minSampleMs: 0 });
}

export async function wasmBackend() {
  const core = loadCore();
  if (typeof core.createWasmBackend !== "function") {
    throw new Error("this build of @deltalab/core has no WebAssembly backend (no createWasmBackend export)");
  }
  const backend = core.createWasmBackend();
  return {
    impl: "deltalab",
    backend: "wasm",
    info: { threads: backend.threads, kernels: backend.variant },
    run(workload, op, runs) {
      if (workload.kind === "conv") return wasmConv(core, backend, workload.case, op, runs);
      if (workload.kind === "gemm") return wasmGemm(backend, runs);
      if (workload.kind === "landscape-grid") return landscapeGrid(core, null, backend);
      return cpuLenet(core, workload, runs, backend);
    },
    close: () => backend.dispose(),
  };
}
