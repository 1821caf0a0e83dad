// ConvNetJS 0.3: one sample per call, Float64 volumes (its Vol allocates Float64Array), max pooling only. Its
// convolution backward computes dX and dW in one pass, so the two backward rows are one measurement.
import { createRequire } from "node:module";
import { LENET_BATCH, convOutSize } from "./cases.mjs";
import { loadCore } from "./deltalab.mjs";
import { fashionTrain, syntheticBatch } from "./lenet-data.mjs";
import { measure, seededFloats, withNote } from "./stats.mjs";

const require = createRequire(import.meta.url);

function volumes(convnet, c) {
  const size = c.h * c.w * c.cin;
  const values = seededFloats(c.batch * size, 1);
  return Array.from({ length: c.batch }, (_, n) => {
    const vol = new convnet.Vol(c.w, c.h, c.cin, 0);
    vol.w.set(values.subarray(n * size, (n + 1) * size));
    return vol;
  });
}

function convOp(convnet, c, op, runs) {
  if (op === "backward-filter") {
    return { unavailable: "dW is computed in the same pass as dX (see backward-input)" };
  }
  const layer = new convnet.ConvLayer({
    in_sx: c.w,
    in_sy: c.h,
    in_depth: c.cin,
    sx: c.k,
    filters: c.cout,
    stride: c.stride,
    pad: c.pad,
  });
  const inputs = volumes(convnet, c);
  const { hout, wout } = convOutSize(c);
  const delta = seededFloats(hout * wout * c.cout, 2);
  if (op === "forward") return measure(() => inputs.forEach((v) => layer.forward(v, false)), runs);
  const outputs = inputs.map((v) => {
    const out = layer.forward(v, true);
    out.dw.set(delta);
    return out;
  });
  return measure(() => {
    for (let n = 0; n < inputs.length; n++) {
      layer.in_act = inputs[n];
      layer.out_act = outputs[n];
      layer.backward();
    }
  }, runs).then((t) => withNote(t, "one pass computing dX and dW together, sample by sample, Float64"));
}

/** LeNet-5 as cases.mjs builds it, with max pooling (ConvNetJS has no average pooling). */
function lenetNet(convnet) {
  const net = new convnet.Net();
  net.makeLayers([
    { type: "input", out_sx: 28, out_sy: 28, out_depth: 1 },
    { type: "conv", sx: 5, filters: 6, stride: 1, pad: 2, activation: "tanh" },
    { type: "pool", sx: 2, stride: 2 },
    { type: "conv", sx: 5, filters: 16, stride: 1, pad: 0, activation: "tanh" },
    { type: "pool", sx: 2, stride: 2 },
    { type: "conv", sx: 5, filters: 120, stride: 1, pad: 0, activation: "tanh" },
    { type: "fc", num_neurons: 84, activation: "tanh" },
    { type: "softmax", num_classes: 10 },
  ]);
  return net;
}

/** SGD with step 0.01; ConvNetJS sums the gradient over batch_size samples before each step. */
function lenetTrainer(convnet, net) {
  return new convnet.Trainer(net, {
    method: "sgd",
    learning_rate: 0.01,
    batch_size: LENET_BATCH,
    l2_decay: 0,
  });
}

const LENET_NOTE = "max pooling (ConvNetJS has no average pooling), Float64, one sample per call";

function lenet(convnet, kind, runs) {
  const net = lenetNet(convnet);
  const { images, labels } = syntheticBatch(LENET_BATCH);
  const inputs = Array.from({ length: LENET_BATCH }, (_, n) => {
    const vol = new convnet.Vol(28, 28, 1, 0);
    vol.w.set(images.subarray(n * 784, (n + 1) * 784));
    return vol;
  });
  if (kind === "lenet-inference") {
    return measure(() => inputs.forEach((v) => net.forward(v, false)), runs).then((t) =>
      withNote(t, LENET_NOTE),
    );
  }
  const trainer = lenetTrainer(convnet, net);
  return measure(() => inputs.forEach((v, n) => trainer.train(v, labels[n])), runs).then((t) =>
    withNote(t, LENET_NOTE),
  );
}

/** One epoch of Fashion-MNIST's training split (its first `limit` images) in a shuffled order, one sample per call. */
export function lenetEpoch(convnet, core, limit = undefined) {
  const net = lenetNet(convnet);
  const trainer = lenetTrainer(convnet, net);
  const dataset = fashionTrain(core, limit);
  const count = dataset.shape[0];
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const random = new core.SeededRandom(0);
  const vol = new convnet.Vol(28, 28, 1, 0);
  return measure(
    () => {
      random.shuffle(order);
      for (const i of order) {
        vol.w.set(dataset.images.subarray(i * 784, (i + 1) * 784));
        trainer.train(vol, dataset.labels[i]);
      }
    },
    { runs: 1, warmup: 0, minSampleMs: 0 },
  ).then((t) => withNote(t, LENET_NOTE));
}

export async function convnetjsBackend() {
  const convnet = require("convnetjs");
  return {
    impl: "convnetjs",
    backend: "cpu",
    info: { version: require("convnetjs/package.json").version, precision: "float64" },
    run(workload, op, runs) {
      if (workload.kind === "conv") return convOp(convnet, workload.case, op, runs);
      if (workload.kind === "lenet-train-step" || workload.kind === "lenet-inference") {
        return lenet(convnet, workload.kind, runs);
      }
      if (workload.kind === "lenet-epoch") return lenetEpoch(convnet, loadCore());
      return undefined;
    },
  };
}
