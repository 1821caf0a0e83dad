import { describe, expect, it } from "vitest";
import { lenet5, lossAndDelta, sgd, type Sequential } from "@deltalab/core";
import { GpuModel } from "@deltalab/shaders";
import { expectClose, randomArray, rng, testDevice } from "./support";

const BATCH = 3;

function batchOf(model: Sequential, seed: number) {
  const next = rng(seed);
  const inputs = randomArray(BATCH * model.inputSize, next);
  const targets = new Float32Array(BATCH * model.outputSize);
  for (let n = 0; n < BATCH; n++) targets[n * model.outputSize + ((n * 7) % model.outputSize)] = 1;
  return { inputs, targets };
}

/** The CPU step: f_B = (1/B) sum r_i and its gradient, from core's forward, fused loss and backward. */
function cpuStep(model: Sequential, inputs: Float32Array, targets: Float32Array) {
  const ws = model.workspace(BATCH);
  model.setInput(ws, inputs, BATCH);
  ws.targets.set(targets);
  model.forward(ws, BATCH);
  const pass = lossAndDelta(model, ws, BATCH, "cross-entropy");
  model.backward(ws, BATCH, pass.from);
  return {
    loss: pass.sum / BATCH,
    gradient: Float64Array.from(ws.gradient, (g) => g / BATCH),
    output: ws.output,
  };
}

describe("LeNet-5 training step with tensors resident on the device", () => {
  it("matches the CPU forward pass, loss, gradient and updated parameters", async () => {
    const gpu = await testDevice();
    const model = lenet5({ seed: 3 });
    const { inputs, targets } = batchOf(model, 1);
    const reference = cpuStep(model, inputs, targets);
    const theta = model.getParameters();

    const device = GpuModel.compile(gpu, model, BATCH);
    expectClose(await device.predict(inputs), reference.output, 1e-5, 1e-4);
    const eta = 0.05;
    const loss = await device.step(inputs, targets, eta);
    expect(Math.abs(loss - reference.loss)).toBeLessThan(1e-4);
    expectClose(await device.downloadGradient(), reference.gradient, 1e-5, 1e-3);
    const expected = theta.map((value, i) => value - eta * reference.gradient[i]);
    expectClose(await device.downloadParameters(), expected, 1e-6, 1e-4);
    device.dispose();
  });

  it("lowers the loss over a few steps on a fixed batch (max pooling, ReLU, tiled convolution)", async () => {
    const gpu = await testDevice();
    const model = lenet5({ seed: 4, pooling: "max-pool", activation: "relu" });
    const { inputs, targets } = batchOf(model, 2);
    const device = GpuModel.compile(gpu, model, BATCH, {
      convolution: { method: "tiled", workgroupX: 8, workgroupY: 8 },
    });
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) losses.push(await device.step(inputs, targets, 0.05));
    expect(losses[4]).toBeLessThan(losses[0]);
    device.dispose();
  });

  it("takes two momentum steps (eq. 121) as core's sgd transform does on the CPU", async () => {
    const gpu = await testDevice();
    const model = lenet5({ seed: 5, pooling: "average-pool" });
    const { inputs, targets } = batchOf(model, 3);
    const device = GpuModel.compile(gpu, model, BATCH);
    const transform = sgd({ step: 0.1, momentum: 0.9 });
    let state = transform.init(model.getParameters());
    const step = new Float64Array(model.parameterCount);
    for (let k = 0; k < 2; k++) {
      const theta = model.getParameters();
      const { gradient } = cpuStep(model, inputs, targets);
      state = transform.update(gradient, state, theta, step);
      model.setParameters(theta.map((value, i) => value + step[i]));
      await device.step(inputs, targets, 0.1, 0.9);
    }
    expectClose(await device.downloadParameters(), model.getParameters(), 1e-6, 1e-4);
    device.dispose();
  });

  it("refuses a model whose last layer is not softmax, naming it", async () => {
    const gpu = await testDevice();
    const model = lenet5({ seed: 1, output: "rbf" });
    expect(() => GpuModel.compile(gpu, model, BATCH)).toThrow(/needs a softmax last layer.*'output' is rbf/);
  });
});
