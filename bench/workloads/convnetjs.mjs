// ConvNetJS 0.3: one sample per call, Float64 volumes (its Vol allocates Float64Array), max pooling only. Its
// convolution backward computes dX and dW in one pass, so the two backward rows are one measurement.
import { createRequire } from "node:module";
import { LENET_BATCH, convOutSize } from "./cases.mjs";
import { syntheticBatch } from "./lenet-data.mjs";
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

function lenet(convnet, kind, runs) {
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
  const { images, labels } = syntheticBatch(LENET_BATCH);
  const inputs = Array.from({ length: LENET_BATCH }, (_, n) => {
    const vol = new convnet.Vol(28, 28, 1, 0);
    vol.w.set(images.subarray(n * 784, (n + 1) * 784));
    return vol;
  });
  const note = "max pooling (ConvNetJS has no average pooling), Float64, one sample per call";
  if (kind === "lenet-inference") {
    return measure(() => inputs.forEach((v) => net.forward(v, false)), runs).then((t) => withNote(t, note));
  }
  if (kind !== "lenet-train-step") return undefined;
  const trainer = new convnet.Trainer(net, {
    method: "sgd",
    learning_rate: 0.01,
    batch_size: LENET_BATCH,
    l2_decay: 0,
  });
  return measure(() => inputs.forEach((v, n) => trainer.train(v, labels[n])), runs).then((t) =>
    withNote(t, note),
  );
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
      return undefined;
    },
  };
}
