/**
 * `%surface` and `%race` choose where the surface is evaluated and say so; on a model the WebGPU grid equals the CPU
 * grid (the device tests are skipped where no WebGPU adapter opens).
 */
import { classificationData, Sequential, type ModelSpec } from "@deltalab/core";
import type { LossSurfacePayload } from "@deltalab/core/payloads";
import { GpuDevice, isSoftwareAdapter } from "@deltalab/shaders";
import { describe, expect, it } from "vitest";
import { createCommandRegistry } from "../../../kernel/src/commands";
import { memoryContext } from "../../../kernel/src/commands/commandContext";
import { CommandUsageError } from "../../../kernel/src/commands/registry";
import type { SurfaceResult } from "../../../kernel/src/commands/surface";
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

function variables() {
  const labels = [0, 1, 2, 1, 0];
  return {
    net: new Sequential(spec).initialize(3),
    samples: classificationData(randomArray(5 * 36, rng(8)), labels, 3),
  };
}

async function surface(args: string[], vars: Record<string, unknown> = variables()): Promise<SurfaceResult> {
  const result = await createCommandRegistry().run({ name: "surface", args, line: 0 }, memoryContext(vars));
  return result as SurfaceResult;
}

const flat = (payload: LossSurfacePayload) => payload.grid.loss.flat().map((v) => v ?? NaN);

describe("%surface: where the surface is evaluated", () => {
  it("evaluates a test surface on the CPU and gives its in-plane path zero distance and its own loss", async () => {
    const result = await surface(["rosenbrock", "--optimizers", "bfgs", "--grid", "5", "--iterations", "20"]);
    expect(result.evaluatedOn).toBe("CPU");
    expect(result.payload.title).toBe("rosenbrock (loss on CPU)");
    const path = result.payload.trajectories[0];
    expect(path.distance?.every((d) => d === 0)).toBe(true);
    expect(path.surfaceLoss).toEqual(path.loss.map((f) => expect.closeTo(f, 12)));
  });

  it("refuses --device webgpu for an objective that is not a model", async () => {
    const error = await surface(["rosenbrock", "--grid", "5", "--device", "webgpu"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandUsageError);
    expect((error as Error).message).toMatch(/evaluates model surfaces only/);
  });
});

describe("%surface on a model when no WebGPU device opens", () => {
  const withoutAdapter = async <T>(run: () => Promise<T>): Promise<T> => {
    const saved = process.env.DELTALAB_WEBGPU_ADAPTER;
    process.env.DELTALAB_WEBGPU_ADAPTER = "no adapter is called this";
    try {
      return await run();
    } finally {
      if (saved === undefined) delete process.env.DELTALAB_WEBGPU_ADAPTER;
      else process.env.DELTALAB_WEBGPU_ADAPTER = saved;
    }
  };

  it("falls back to the CPU and says why", async () => {
    const result = await withoutAdapter(() => surface(["net", "samples", "--grid", "3"]));
    expect(result.payload.title).toMatch(/\(loss on CPU\)$/);
    expect(result.evaluatedOn).toMatch(/^CPU; WebGPU was not used: no WebGPU device opened/);
  });

  it("refuses --device webgpu, saying that no device opened", async () => {
    const error = await withoutAdapter(() =>
      surface(["net", "samples", "--grid", "3", "--device", "webgpu"]),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandUsageError);
    expect((error as Error).message).toMatch(/--device webgpu: no WebGPU device opened/);
  });
});

const gpu = await GpuDevice.openOrUndefined();
const softwareAdapter = gpu !== undefined && isSoftwareAdapter(gpu.adapter);
gpu?.destroy();

describe.skipIf(!softwareAdapter)("%surface on a model when the only adapter renders in software", () => {
  it("evaluates on the CPU by default and says why", async () => {
    const result = await surface([
      "net",
      "samples",
      "--grid",
      "3",
      "--optimizers",
      "adam",
      "--iterations",
      "2",
    ]);
    expect(result.evaluatedOn).toMatch(
      /^CPU; WebGPU was not used: the only WebGPU adapter, .+, renders in software/,
    );
    expect(result.payload.title).toMatch(/\(loss on CPU\)$/);
  });
});

describe.skipIf(gpu === undefined)("%surface on a model with a WebGPU device", () => {
  it("evaluates on WebGPU with --device webgpu and gives the CPU's grid, naming the device", async () => {
    const args = ["net", "samples", "--grid", "5", "--optimizers", "adam", "--iterations", "4"];
    const onDevice = await surface([...args, "--device", "webgpu"]);
    const onCpu = await surface([...args, "--device", "cpu"]);
    expect(onDevice.evaluatedOn).toMatch(/^WebGPU \(.+\)$/);
    expect(onDevice.payload.title).toMatch(/\(loss on WebGPU \(.+\)\)$/);
    expect(onCpu.payload.title).toMatch(/\(loss on CPU\)$/);
    expectClose(flat(onDevice.payload), flat(onCpu.payload), 1e-5, 1e-5);
    const [devicePath, cpuPath] = [onDevice.payload.trajectories[0], onCpu.payload.trajectories[0]];
    expectClose(
      devicePath.surfaceLoss?.map((v) => v ?? NaN) ?? [],
      cpuPath.surfaceLoss?.map((v) => v ?? NaN) ?? [],
      1e-5,
      1e-5,
    );
  });

  it("draws %race's paths on a model with their distances from the PCA plane, the last one at the origin", async () => {
    const result = (await createCommandRegistry().run(
      {
        name: "race",
        args: [
          "net",
          "samples",
          "--optimizers",
          "adam,bfgs",
          "--iterations",
          "6",
          "--grid",
          "5",
          "--device",
          "webgpu",
        ],
        line: 0,
      },
      memoryContext(variables()),
    )) as SurfaceResult;
    expect(result.evaluatedOn).toMatch(/^WebGPU/);
    const paths = result.payload.trajectories;
    expect(paths.map((p) => p.distance?.length)).toEqual(paths.map((p) => p.x.length));
    expect(paths.every((p) => p.surfaceLoss?.length === p.x.length)).toBe(true);
    const longest = paths.reduce((a, b) => (b.x.length > a.x.length ? b : a));
    const last = longest.x.length - 1;
    expect([longest.x[last], longest.y[last], longest.distance?.[last]]).toEqual([
      expect.closeTo(0, 10),
      expect.closeTo(0, 10),
      expect.closeTo(0, 10),
    ]);
  });
});
