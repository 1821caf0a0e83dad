// deltalab's backends: the CPU reference path of @deltalab/core, its WebAssembly SIMD backend when the build has
// one, and WebGPU through @deltalab/shaders (Dawn; Mesa llvmpipe on a machine without a GPU).
import { createRequire } from "node:module";
import { GEMM_SIZE, GRID, LENET_BATCH, convOutSize } from "./cases.mjs";
import { fashionTrain, syntheticBatch } from "./lenet-data.mjs";
import { measure, seededFloats, withNote } from "./stats.mjs";

const require = createRequire(import.meta.url);

export function loadCore() {
  return require("@deltalab/core");
}

/** The LeNet-5 every implementation builds (cases.mjs): average pooling, C3 over all maps, tanh. */
export function benchLenet(core, backend) {
  const options = { inputSize: 28, pooling: "average-pool", partialC3: false, activation: "tanh", seed: 0 };
  return core.lenet5(backend === undefined ? options : { ...options, backend });
}

export function convLayer(core, c) {
  return new core.Conv2dLayer("conv", [c.cin, c.h, c.w], {
    filters: c.cout,
    kernel: c.k,
    stride: c.stride,
    padding: c.pad,
  });
}

function convArrays(layer, c) {
  const { hout, wout } = convOutSize(c);
  return {
    params: seededFloats(layer.parameterCount, 3),
    x: seededFloats(c.batch * c.cin * c.h * c.w, 1),
    y: new Float32Array(c.batch * c.cout * hout * wout),
    dy: seededFloats(c.batch * c.cout * hout * wout, 2),
    dx: new Float32Array(c.batch * c.cin * c.h * c.w),
    grad: new Float32Array(layer.parameterCount),
  };
}

/** The LeNet-5 workloads on the CPU, through the objective of @deltalab/core. */
export function cpuLenet(core, workload, runs, backend) {
  const model = benchLenet(core, backend);
  const sgd = (theta, g) => {
    for (let j = 0; j < theta.length; j++) theta[j] -= 0.01 * g[j];
  };
  if (workload.kind === "lenet-train-step" || workload.kind === "lenet-inference") {
    const { images, labels } = syntheticBatch(LENET_BATCH);
    const data = core.classificationData(images, labels, 10);
    if (workload.kind === "lenet-inference") {
      const ws = model.workspace(LENET_BATCH);
      return measure(() => {
        model.setInput(ws, images, LENET_BATCH);
        model.forward(ws, LENET_BATCH);
      }, runs);
    }
    const objective = new core.ModelObjective(model, data, { loss: "cross-entropy" });
    const theta = model.getParameters();
    const g = new Float64Array(theta.length);
    const batch = Int32Array.from({ length: LENET_BATCH }, (_, i) => i);
    return measure(() => {
      objective.batchValueAndGradient(theta, batch, g);
      sgd(theta, g);
    }, runs);
  }
  if (workload.kind === "lenet-epoch") {
    const data = core.fromDataset(fashionTrain(core));
    return measure(
      () =>
        core.train(model, data, {
          loss: "cross-entropy",
          transform: core.sgd({ step: 0.01 }),
          epochs: 1,
          batchSize: LENET_BATCH,
        }),
      { runs: 1, warmup: 0, minSampleMs: 0 },
    );
  }
  return undefined;
}

function cpuConv(core, c, op, runs) {
  const layer = convLayer(core, c);
  const a = convArrays(layer, c);
  const n = c.batch;
  if (op === "forward") return measure(() => layer.forward(a.params, a.x, a.y, n), runs);
  if (op === "backward-filter") {
    return measure(() => layer.backward(a.params, a.x, a.y, a.dy, null, a.grad, n), runs);
  }
  // The layer has no call for the input delta alone: its backward writes dX and dW together (Hedberg eq. 7-8).
  return measure(() => layer.backward(a.params, a.x, a.y, a.dy, a.dx, a.grad, n), runs).then((t) =>
    withNote(t, "one call computing dX and dW together (the layer has no dX-only call)"),
  );
}

/** C = A B at 1024^3 with the blocked GEMM of @deltalab/core (matrix/gemm.ts). */
function cpuGemm(core, runs) {
  const n = GEMM_SIZE;
  const a = seededFloats(n * n, 4);
  const b = seededFloats(n * n, 5);
  const c = new Float32Array(n * n);
  return measure(() => core.gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n), { ...runs, minSampleMs: 0 });
}

/** The reference path. */
export async function cpuBackend() {
  const core = loadCore();
  return {
    impl: "deltalab",
    backend: "cpu",
    info: { path: "@deltalab/core, im2col + blocked GEMM in TypeScript (one thread)" },
    run(workload, op, runs) {
      if (workload.kind === "conv") return cpuConv(core, workload.case, op, runs);
      // The model's default backend is the fastest available (WebAssembly): name the reference path here.
      if (workload.kind === "landscape-grid") return landscapeGrid(core, null, "reference");
      if (workload.kind === "gemm") return cpuGemm(core, runs);
      return cpuLenet(core, workload, runs, "reference");
    },
  };
}

/** The loss over a 41x41 grid of a random plane through LeNet-5's theta, on 1,000 training images. */
export async function landscapeGrid(core, makeEvaluator, backend, grid = GRID) {
  const model = benchLenet(core, backend);
  const data = core.fromDataset(fashionTrain(core, grid.images));
  const objective = new core.ModelObjective(model, data, { loss: "cross-entropy" });
  const center = model.getParameters();
  const d1 = Float64Array.from(seededFloats(center.length, 11), (v) => 0.1 * v);
  const d2 = Float64Array.from(seededFloats(center.length, 12), (v) => 0.1 * v);
  const source = makeEvaluator ? makeEvaluator(objective) : objective;
  const axis = { min: -1, max: 1, count: grid.points };
  return measure(() => core.computeGrid(source, { center, d1, d2 }, { x: axis, y: axis, rowsPerBatch: 41 }), {
    runs: 1,
    warmup: 0,
    minSampleMs: 0,
  });
}
