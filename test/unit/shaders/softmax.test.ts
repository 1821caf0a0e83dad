import { describe, it } from "vitest";
import { softmaxCrossEntropy, softmaxInto } from "@deltalab/core";
import { softmaxCrossEntropyProgram } from "@deltalab/shaders";
import { expectClose, randomArray, rng, testDevice } from "./support";

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
