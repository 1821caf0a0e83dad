// ONNX Runtime 1.30 (CPU execution provider, inference only): the convolution forward, LeNet-5 inference and the
// 1024^3 SGEMM ceiling, from graphs written by onnx-model.mjs.
import { createRequire } from "node:module";
import { GEMM_SIZE, LENET_BATCH, convOutSize } from "./cases.mjs";
import { syntheticBatch } from "./lenet-data.mjs";
import { initializer, model, node } from "./onnx-model.mjs";
import { measure, seededFloats, withNote } from "./stats.mjs";

const require = createRequire(import.meta.url);

function convModel(c) {
  const { hout, wout } = convOutSize(c);
  return model({
    nodes: [
      node("Conv", ["x", "w", "b"], ["y"], {
        kernel_shape: [c.k, c.k],
        strides: [c.stride, c.stride],
        pads: [c.pad, c.pad, c.pad, c.pad],
      }),
    ],
    initializers: [
      initializer("w", [c.cout, c.cin, c.k, c.k], seededFloats(c.cout * c.cin * c.k * c.k, 3)),
      initializer("b", [c.cout], new Float32Array(c.cout)),
    ],
    inputs: [["x", [c.batch, c.cin, c.h, c.w]]],
    outputs: [["y", [c.batch, c.cout, hout, wout]]],
  });
}

/** LeNet-5 of cases.mjs, NCHW. */
function lenetModel(batch) {
  const nodes = [];
  const inits = [];
  let seed = 20;
  const conv = (input, output, cin, cout, pad) => {
    inits.push(
      initializer(
        `${output}.w`,
        [cout, cin, 5, 5],
        seededFloats(cout * cin * 25, seed++).map((v) => 0.2 * v),
      ),
    );
    inits.push(initializer(`${output}.b`, [cout], new Float32Array(cout)));
    nodes.push(
      node("Conv", [input, `${output}.w`, `${output}.b`], [`${output}.z`], {
        kernel_shape: [5, 5],
        pads: [pad, pad, pad, pad],
      }),
    );
    nodes.push(node("Tanh", [`${output}.z`], [output]));
  };
  const pool = (input, output) =>
    nodes.push(node("AveragePool", [input], [output], { kernel_shape: [2, 2], strides: [2, 2] }));
  const dense = (input, output, nin, nout, activation) => {
    inits.push(
      initializer(
        `${output}.w`,
        [nin, nout],
        seededFloats(nin * nout, seed++).map((v) => 0.1 * v),
      ),
    );
    inits.push(initializer(`${output}.b`, [nout], new Float32Array(nout)));
    nodes.push(node("Gemm", [input, `${output}.w`, `${output}.b`], [`${output}.z`]));
    nodes.push(node(activation, [`${output}.z`], [output], activation === "Softmax" ? { axis: 1 } : {}));
  };
  conv("x", "c1", 1, 6, 2);
  pool("c1", "s2");
  conv("s2", "c3", 6, 16, 0);
  pool("c3", "s4");
  conv("s4", "c5", 16, 120, 0);
  nodes.push(node("Flatten", ["c5"], ["flat"], { axis: 1 }));
  dense("flat", "f6", 120, 84, "Tanh");
  dense("f6", "y", 84, 10, "Softmax");
  return model({
    nodes,
    initializers: inits,
    inputs: [["x", [batch, 1, 28, 28]]],
    outputs: [["y", [batch, 10]]],
  });
}

function gemmModel(n) {
  return model({
    nodes: [node("MatMul", ["a", "b"], ["c"])],
    initializers: [initializer("b", [n, n], seededFloats(n * n, 5))],
    inputs: [["a", [n, n]]],
    outputs: [["c", [n, n]]],
  });
}

export async function onnxBackend() {
  const ort = require("onnxruntime-node");
  const session = (bytes, threads) =>
    ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionProviders: ["cpu"],
    });
  // On a loaded 2-core machine two threads can wait on each other longer than the work takes: both counts are
  // measured and the faster kept, with the other in the note.
  const timed = async (bytes, feeds, runs) => {
    const results = [];
    for (const threads of [1, 2]) {
      const s = await session(bytes, threads);
      try {
        results.push({ threads, ...(await measure(() => s.run(feeds), runs)) });
      } finally {
        await s.release();
      }
    }
    const [best, other] = results[0].medianMs <= results[1].medianMs ? results : [results[1], results[0]];
    return withNote(
      best,
      `${best.threads} intra-op thread(s) (with ${other.threads}: ${other.medianMs.toPrecision(3)} ms)`,
    );
  };
  return {
    impl: "onnxruntime",
    backend: "cpu",
    info: {
      version: require("onnxruntime-node/package.json").version,
      intraOpThreads: "the faster of 1 and 2 per workload",
    },
    async run(workload, op, runs) {
      if (workload.kind === "conv") {
        if (op !== "forward") return { unavailable: "inference only" };
        const c = workload.case;
        const x = new ort.Tensor("float32", seededFloats(c.batch * c.cin * c.h * c.w, 1), [
          c.batch,
          c.cin,
          c.h,
          c.w,
        ]);
        return timed(convModel(c), { x }, runs);
      }
      if (workload.kind === "lenet-inference") {
        const x = new ort.Tensor("float32", syntheticBatch(LENET_BATCH).images, [LENET_BATCH, 1, 28, 28]);
        return timed(lenetModel(LENET_BATCH), { x }, runs);
      }
      if (workload.kind === "gemm") {
        const a = new ort.Tensor("float32", seededFloats(GEMM_SIZE * GEMM_SIZE, 4), [GEMM_SIZE, GEMM_SIZE]);
        return timed(gemmModel(GEMM_SIZE), { a }, runs);
      }
      if (workload.kind === "lenet-train-step") return { unavailable: "inference only" };
      return undefined;
    },
  };
}
