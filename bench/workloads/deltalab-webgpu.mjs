// deltalab on WebGPU (@deltalab/shaders on Dawn). Timings wait for the queue to drain after each submission.
import { createRequire } from "node:module";
import { LENET_BATCH, convOutSize } from "./cases.mjs";
import { benchLenet, landscapeGrid, loadCore } from "./deltalab.mjs";
import { fashionTrain, syntheticBatch } from "./lenet-data.mjs";
import { measure, seededFloats, withNote } from "./stats.mjs";

const require = createRequire(import.meta.url);

function convDispatches(shaders, gpu, core, c, op) {
  const layer = new core.Conv2dLayer("conv", [c.cin, c.h, c.w], {
    filters: c.cout,
    kernel: c.k,
    stride: c.stride,
    padding: c.pad,
  });
  const { hout, wout } = convOutSize(c);
  const geometry = shaders.conv2dGeometry(layer, c.batch);
  const x = gpu.upload(seededFloats(c.batch * c.cin * c.h * c.w, 1));
  const params = gpu.upload(seededFloats(layer.parameterCount, 3));
  const dy = gpu.upload(seededFloats(c.batch * c.cout * hout * wout, 2));
  const y = gpu.alloc(c.batch * c.cout * hout * wout);
  const dx = gpu.alloc(c.batch * c.cin * c.h * c.w);
  const grad = gpu.alloc(layer.parameterCount);
  if (op === "forward") return shaders.convForward(geometry, { x, params, y });
  if (op === "backward-input") {
    if (typeof shaders.convInputDelta === "function")
      return shaders.convInputDelta(geometry, { dy, params, dx });
    const config = { geometry, workgroupSize: 64 };
    return [shaders.dispatchOf(shaders.convInputDeltaProgram, config, { dy, params, dx })];
  }
  return shaders.convBackward(geometry, { x, params, dy, grad });
}

export async function webgpuBackend() {
  const shaders = require("@deltalab/shaders");
  const core = loadCore();
  const gpu = await shaders.GpuDevice.open({ backend: process.env.DELTALAB_WEBGPU_BACKEND ?? "opengl" });
  const drain = () => gpu.device.queue.onSubmittedWorkDone();
  const timeSubmission = async (dispatches, runs) => {
    const t = await measure(async () => {
      gpu.submit(dispatches);
      await drain();
    }, runs);
    gpu.throwPendingErrors();
    return t;
  };
  return {
    impl: "deltalab",
    backend: "webgpu",
    info: { adapter: gpu.name, dawnBackend: gpu.adapter.backend, featureLevel: gpu.adapter.featureLevel },
    async run(workload, op, runs) {
      if (workload.kind === "conv") {
        const t = await timeSubmission(convDispatches(shaders, gpu, core, workload.case, op), runs);
        return op === "forward" ? withNote(t, "default method, untuned") : t;
      }
      if (workload.kind === "lenet-train-step" || workload.kind === "lenet-inference") {
        const { images, oneHot } = syntheticBatch(LENET_BATCH);
        const device = shaders.GpuModel.compile(gpu, benchLenet(core), LENET_BATCH);
        try {
          if (workload.kind === "lenet-inference") return await measure(() => device.predict(images), runs);
          return await measure(() => device.step(images, oneHot, 0.01), runs);
        } finally {
          device.dispose();
        }
      }
      if (workload.kind === "lenet-epoch") {
        const data = core.fromDataset(fashionTrain(core));
        const model = benchLenet(core);
        const options = { epochs: 1, batchSize: LENET_BATCH, learningRate: 0.01 };
        return measure(() => shaders.trainOnDevice(gpu, model, data, options), {
          runs: 1,
          warmup: 0,
          minSampleMs: 0,
        });
      }
      if (workload.kind === "landscape-grid") {
        if (typeof shaders.DevicePlaneEvaluator?.create !== "function") {
          return { unavailable: "this build of @deltalab/shaders has no DevicePlaneEvaluator" };
        }
        return landscapeGrid(core, (objective) => shaders.DevicePlaneEvaluator.create(gpu, objective));
      }
      return undefined;
    },
    close: () => gpu.device.destroy(),
  };
}
