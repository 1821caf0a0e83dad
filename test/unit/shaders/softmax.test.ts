import { describe, it } from "vitest";
import {
  ACTIVATION_NAMES,
  ActivationLayer,
  DenseLayer,
  softmaxCrossEntropy,
  softmaxInto,
  type ActivationName,
} from "@deltalab/core";
import {
  activationBackwardProgram,
  activationConfig,
  activationForwardProgram,
  denseBackward,
  denseForward,
  softmaxCrossEntropyProgram,
} from "@deltalab/shaders";
import { expectClose, randomArray, rng, testDevice } from "./support";

async function checkActivation(name: ActivationName, length: number, seed: number) {
  const gpu = await testDevice();
  const next = rng(seed);
  // Spread over [-6, 6] with exact zeros, where ReLU's derivative convention matters.
  const z = randomArray(length, next).map((v, i) => (i % 7 === 0 ? 0 : 6 * v));
  const dy = randomArray(length, next);
  const layer = new ActivationLayer("phi", [length], { activation: name, slope: 0.05 });
  const y = new Float32Array(length);
  const dz = new Float32Array(length);
  layer.forward(new Float32Array(0), z, y, 1);
  layer.backward(new Float32Array(0), z, y, dy, dz, new Float32Array(0), 1);
  const config = activationConfig(name, length, 0.05);
  const buffers = { z: gpu.upload(z), y: gpu.alloc(length), dy: gpu.upload(dy), dz: gpu.alloc(length) };
  gpu.run(activationForwardProgram, config, buffers);
  gpu.run(activationBackwardProgram, config, buffers);
  expectClose(await gpu.read(buffers.y), y, 1e-6, 1e-5);
  expectClose(await gpu.read(buffers.dz), dz, 1e-6, 1e-5);
}

describe("activations against core's ActivationLayer", () => {
  for (const name of ACTIVATION_NAMES) {
    it(`${name}: y = phi(z) and dz = dy phi'(z), four floats per invocation`, async () => {
      await checkActivation(name, 44, 1);
    });
  }

  it("handles a length not divisible by 4 one float per invocation", async () => {
    await checkActivation("tanh", 37, 2);
  });
});

describe("dense layer against core's DenseLayer", () => {
  it("gives z = W x + b, dx = W^T dz and [vec(dW); db] (Table 4) on an odd shape", async () => {
    const gpu = await testDevice();
    const batch = 5;
    const layer = new DenseLayer("F", [13], { units: 7 });
    const next = rng(3);
    const params = randomArray(layer.parameterCount, next);
    const x = randomArray(batch * 13, next);
    const dz = randomArray(batch * 7, next);
    const z = new Float32Array(batch * 7);
    const dx = new Float32Array(batch * 13);
    const grad = new Float32Array(layer.parameterCount);
    layer.forward(params, x, z, batch);
    layer.backward(params, x, z, dz, dx, grad, batch);

    const shape = { batch, inputs: 13, outputs: 7 };
    const buffers = {
      x: gpu.upload(x),
      params: gpu.upload(params),
      z: gpu.alloc(z.length),
      dz: gpu.upload(dz),
      dx: gpu.alloc(dx.length),
      grad: gpu.alloc(grad.length),
    };
    gpu.submit([...denseForward(shape, buffers), ...denseBackward(shape, buffers)]);
    expectClose(await gpu.read(buffers.z), z);
    expectClose(await gpu.read(buffers.dx), dx);
    expectClose(await gpu.read(buffers.grad), grad);
  });
});

describe("softmax with cross-entropy against core's fused output", () => {
  it("gives y = softmax(z), r per sample and dz = y sum(t) - t, for one-hot and soft targets", async () => {
    const gpu = await testDevice();
    const batch = 4;
    const classes = 10;
    const next = rng(4);
    const z = randomArray(batch * classes, next).map((v) => 8 * v);
    const t = new Float32Array(batch * classes);
    for (let n = 0; n < 3; n++) t[n * classes + ((n * 3) % classes)] = 1;
    for (let k = 0; k < classes; k++) t[3 * classes + k] = k < 4 ? 0.25 : 0;
    const y = new Float32Array(z.length);
    const dz = new Float32Array(z.length);
    const loss = new Float32Array(batch);
    for (let n = 0; n < batch; n++) {
      softmaxInto(z, y, n * classes, classes);
      loss[n] = softmaxCrossEntropy.value(z, y, t, n * classes, classes);
      softmaxCrossEntropy.delta(y, t, dz, n * classes, classes);
    }
    const buffers = {
      z: gpu.upload(z),
      t: gpu.upload(t),
      y: gpu.alloc(z.length),
      loss: gpu.alloc(batch),
      dz: gpu.alloc(z.length),
    };
    gpu.run(softmaxCrossEntropyProgram, { batch, classes, scale: 1, workgroupSize: 64 }, buffers);
    expectClose(await gpu.read(buffers.y), y, 1e-6, 1e-5);
    expectClose(await gpu.read(buffers.loss), loss, 1e-5, 1e-5);
    expectClose(await gpu.read(buffers.dz), dz, 1e-6, 1e-5);
  });
});
