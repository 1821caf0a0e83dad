/**
 * `%train --device`: on WebGPU the run goes through core's registered backend and gives the CPU run's batch losses
 * (Float32 tolerance); a layer the device lacks is refused by name; "auto" leaves a software adapter to
 * `--device webgpu`. Skipped where no WebGPU adapter opens.
 */
import { classificationData, Sequential, type ModelSpec } from "@deltalab/core";
import { GpuDevice, isSoftwareAdapter } from "@deltalab/shaders";
import { describe, expect, it } from "vitest";
import { createCommandRegistry } from "../../../kernel/src/commands";
import { memoryContext } from "../../../kernel/src/commands/commandContext";
import { CommandUsageError } from "../../../kernel/src/commands/registry";
import type { TrainReport } from "../../../kernel/src/commands/train";
import { expectClose, randomArray, rng } from "./support";

const spec: ModelSpec = {
  inputShape: [1, 6, 6],
  dtype: "float32",
  layers: [
    { type: "conv2d", filters: 2, kernel: 3, activation: "tanh" },
    { type: "max-pool", size: 2 },
    { type: "flatten" },
    { type: "dense", units: 3 },
    { type: "softmax" },
  ],
};

function variables(model: Sequential = new Sequential(spec).initialize(3)): Record<string, unknown> {
  const labels = [0, 1, 2, 1, 0, 2, 2, 1];
  return { net: model, samples: classificationData(randomArray(8 * 36, rng(8)), labels, 3) };
}

async function train(args: string[], vars = variables()): Promise<TrainReport> {
  const context = memoryContext(vars);
  await createCommandRegistry().run(
    { name: "train", args: ["net", "samples", ...args, "--as", "run"], line: 0 },
    context,
  );
  return vars.run as TrainReport;
}

const gpu = await GpuDevice.openOrUndefined();
const common = ["--optimizer", "momentum", "--lr", "0.1", "--epochs", "2", "--batch", "4", "--seed", "3"];

describe.skipIf(gpu === undefined)("%train --device", () => {
  it("trains on WebGPU with the CPU's batch losses and says where it ran", async () => {
    const onDevice = await train([...common, "--device", "webgpu"]);
    const onCpu = await train([...common, "--device", "cpu"]);
    expect(onDevice.device).toMatch(/^WebGPU \(.+\)$/);
    expect(onDevice.curves.title).toMatch(/ on WebGPU \(/);
    expect(onCpu.device).toBe("CPU");
    expect(onDevice.result.steps).toBe(4);
    expectClose(onDevice.curves.train.loss, onCpu.curves.train.loss, 1e-5, 1e-5);
    expectClose(onDevice.model.getParameters(), onCpu.model.getParameters(), 1e-5, 1e-4);
  });

  it("refuses --device webgpu for a layer the device lacks, naming it", async () => {
    const model = new Sequential({
      inputShape: [1, 6, 6],
      layers: [{ type: "flatten" }, { type: "rbf", units: 3, name: "R" }, { type: "softmax" }],
    }).initialize(1);
    const error = await train(["--device", "webgpu", "--batch", "4"], variables(model)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CommandUsageError);
    expect((error as Error).message).toMatch(
      /--device webgpu: layer 'R' \(rbf\) has no device implementation/,
    );
  });

  it.skipIf(gpu !== undefined && !isSoftwareAdapter(gpu.adapter))(
    "trains on the CPU under auto when the only adapter renders in software, and says why",
    async () => {
      const report = await train([...common]);
      expect(report.device).toBe("CPU");
      expect(report.deviceFallbackReason).toMatch(/renders in software/);
    },
  );
});
