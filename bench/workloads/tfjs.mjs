// TensorFlow.js 4.22 on its CPU backend, its WebAssembly backend (SIMD; threads where Node allows) and its WebGPU
// backend on the same Dawn adapter as deltalab's. Tensors are NHWC, filters [kh, kw, Cin, Cout].
import { createRequire } from "node:module";
import { LENET_BATCH, convOutSize } from "./cases.mjs";
import { fashionTrain, syntheticBatch } from "./lenet-data.mjs";
import { measure, seededFloats } from "./stats.mjs";

const require = createRequire(import.meta.url);

async function loadTf(backend) {
  const tf = require("@tensorflow/tfjs");
  const info = { version: tf.version.tfjs, backend };
  if (backend === "wasm") {
    const wasm = require("@tensorflow/tfjs-backend-wasm");
    const dir = require
      .resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")
      .replace(/[^/]*$/, "");
    wasm.setWasmPaths(dir);
    wasm.setThreadsCount(2);
  }
  if (backend === "webgpu") await registerWebGpu(tf, info);
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend("${backend}") failed`);
  await tf.ready();
  if (backend === "wasm") {
    const features = require("@tensorflow/tfjs-backend-wasm");
    info.threads = features.getThreadsCount();
    info.simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    info.multithreadFlag = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  }
  return { tf, info };
}

/**
 * tfjs-backend-webgpu looks for `navigator.gpu`. Node 20 has no navigator, so one is made from the `webgpu` package
 * with Dawn's OpenGL backend (Mesa llvmpipe), whose adapters exist only at the compatibility feature level.
 */
async function registerWebGpu(tf, info) {
  process.env.EGL_PLATFORM ??= "surfaceless";
  const { create, globals } = await import("webgpu");
  Object.assign(globalThis, globals);
  const backend = process.env.DELTALAB_WEBGPU_BACKEND ?? "opengl";
  const gpu = create(backend === "auto" ? [] : [`backend=${backend}`]);
  const featureLevel = backend === "opengl" || backend === "opengles" ? "compatibility" : "core";
  const wrapped = {
    requestAdapter: (options = {}) => gpu.requestAdapter({ ...options, featureLevel }),
    getPreferredCanvasFormat: () => "rgba8unorm",
    wgslLanguageFeatures: gpu.wgslLanguageFeatures,
  };
  Object.defineProperty(globalThis, "navigator", { value: { gpu: wrapped }, configurable: true });
  require("@tensorflow/tfjs-backend-webgpu");
  const adapter = await wrapped.requestAdapter();
  if (adapter === null) throw new Error(`Dawn found no ${backend} adapter`);
  info.adapter = `${adapter.info.device} (${adapter.info.description})`;
  info.dawnBackend = backend;
  return gpu;
}

function convTensors(tf, c) {
  const { hout, wout } = convOutSize(c);
  return {
    x: tf.tensor4d(seededFloats(c.batch * c.h * c.w * c.cin, 1), [c.batch, c.h, c.w, c.cin]),
    filter: tf.tensor4d(seededFloats(c.k * c.k * c.cin * c.cout, 3), [c.k, c.k, c.cin, c.cout]),
    dy: tf.tensor4d(seededFloats(c.batch * hout * wout * c.cout, 2), [c.batch, hout, wout, c.cout]),
  };
}

async function convOp(tf, c, op, runs) {
  const { x, filter, dy } = convTensors(tf, c);
  const pad =
    c.pad === 0
      ? "valid"
      : [
          [0, 0],
          [c.pad, c.pad],
          [c.pad, c.pad],
          [0, 0],
        ];
  const strides = [c.stride, c.stride];
  const attrs = { strides, pad, dataFormat: "NHWC", dilations: [1, 1], dimRoundingMode: undefined };
  const call = {
    forward: () => tf.conv2d(x, filter, strides, pad),
    "backward-input": () =>
      tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, { ...attrs, inputShape: x.shape }),
    "backward-filter": () =>
      tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { ...attrs, filterShape: filter.shape }),
  }[op];
  return measure(async () => {
    const out = call();
    await out.data();
    out.dispose();
  }, runs);
}

/** LeNet-5 of cases.mjs with tf.layers (NHWC); the padding of C1 is "same", which pads 5x5 by 2. */
function buildLenet(tf) {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 6,
        kernelSize: 5,
        padding: "same",
        activation: "tanh",
      }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: "tanh" }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 120, kernelSize: 5, activation: "tanh" }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 84, activation: "tanh" }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.01), loss: "categoricalCrossentropy" });
  return model;
}

async function lenet(tf, kind, runs, core) {
  const model = buildLenet(tf);
  if (kind === "lenet-epoch") {
    const dataset = fashionTrain(core);
    const count = dataset.shape[0];
    const x = tf.tensor4d(dataset.images, [count, 28, 28, 1]);
    const y = tf.tensor2d(dataset.oneHot, [count, 10]);
    return measure(() => model.fit(x, y, { batchSize: LENET_BATCH, epochs: 1, shuffle: true, verbose: 0 }), {
      runs: 1,
      warmup: 0,
      minSampleMs: 0,
    });
  }
  const { images, oneHot } = syntheticBatch(LENET_BATCH);
  const x = tf.tensor4d(images, [LENET_BATCH, 28, 28, 1]);
  const y = tf.tensor2d(oneHot, [LENET_BATCH, 10]);
  if (kind === "lenet-inference") {
    return measure(async () => {
      const out = model.predict(x);
      await out.data();
      out.dispose();
    }, runs);
  }
  return measure(() => model.trainOnBatch(x, y), runs);
}

export function tfjsBackend(backend) {
  return async () => {
    const { tf, info } = await loadTf(backend);
    const core = require("@deltalab/core");
    return {
      impl: "tfjs",
      backend,
      info,
      run(workload, op, runs) {
        if (workload.kind === "conv") return convOp(tf, workload.case, op, runs);
        if (workload.kind.startsWith("lenet")) return lenet(tf, workload.kind, runs, core);
        return undefined;
      },
    };
  };
}
