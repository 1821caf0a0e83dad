/**
 * `%tune` then `%train --device webgpu`: the launch the tuner found for a layer's convolution at the training batch
 * reaches the run, and the training payload names it as tuned; a layer nobody tuned says where its launch came
 * from. Skipped where no WebGPU adapter opens.
 */
import { classificationData, Sequential, type ModelSpec } from "@deltalab/core";
import { TRAINING_SCHEMA_V1 } from "@deltalab/core/payloads";
import { GpuDevice, type TuningResult } from "@deltalab/shaders";
import Ajv from "ajv";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommandRegistry } from "../../../kernel/src/commands";
import { memoryContext } from "../../../kernel/src/commands/commandContext";
import type { TrainReport } from "../../../kernel/src/commands/train";
import { randomArray, rng } from "./support";

const spec: ModelSpec = {
  inputShape: [1, 8, 8],
  dtype: "float32",
  layers: [
    { type: "conv2d", filters: 4, kernel: 3, activation: "tanh", name: "C1" },
    { type: "max-pool", size: 2 },
    { type: "flatten" },
    { type: "dense", units: 3, name: "F" },
    { type: "softmax" },
  ],
};

const gpu = await GpuDevice.openOrUndefined();
const cachePath = join(tmpdir(), `deltalab-tune-then-train-${process.pid}.json`);
let previous: string | undefined;

describe.skipIf(gpu === undefined)("%tune then %train --device webgpu", () => {
  beforeAll(() => {
    previous = process.env.DELTALAB_TUNING_CACHE;
    process.env.DELTALAB_TUNING_CACHE = cachePath;
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.DELTALAB_TUNING_CACHE;
    else process.env.DELTALAB_TUNING_CACHE = previous;
    rmSync(cachePath, { force: true });
  });

  it("trains with the tuned launch and names it in the training payload", async () => {
    const labels = [0, 1, 2, 1, 0, 2, 2, 1];
    const vars: Record<string, unknown> = {
      net: new Sequential(spec).initialize(3),
      samples: classificationData(randomArray(8 * 64, rng(4)), labels, 3),
    };
    const context = memoryContext(vars);
    const registry = createCommandRegistry();
    const tuneArgs = ["conv2d", "--model", "net", "--batch", "4", "--cache", "--k", "3", "--runs", "1"];
    await registry.run(
      { name: "tune", args: [...tuneArgs, "--warmup", "0", "--as", "tuned"], line: 0 },
      context,
    );
    const best = (vars.tuned as TuningResult).best;
    expect(best).toBeDefined();

    const trainArgs = [
      "net",
      "samples",
      "--optimizer",
      "sgd",
      "--lr",
      "0.1",
      "--epochs",
      "1",
      "--batch",
      "4",
    ];
    await registry.run(
      { name: "train", args: [...trainArgs, "--device", "webgpu", "--as", "run"], line: 0 },
      context,
    );
    const launches = (vars.run as TrainReport).curves.launches ?? [];
    expect(launches.find((l) => l.layer === "C1" && l.operator === "conv2d-forward")).toMatchObject({
      source: "tuned",
      launch: best?.params,
      shape: { batch: 4, inChannels: 1, outChannels: 4 },
    });
    // The backward operators and the dense product were not tuned: shipped or default, never tuned.
    const others = launches.filter((l) => l.operator !== "conv2d-forward");
    // C1 is the first layer: no input delta is computed, so none is named.
    expect(others.map((l) => l.operator)).toEqual([
      "conv2d-backward-filter",
      "activation-forward",
      "pool-forward-max",
      "matmul",
    ]);
    expect(others.every((l) => l.source === "shipped" || l.source === "default")).toBe(true);
    const bundle = (vars.run as { [key: symbol]: () => Record<string, unknown> })[
      Symbol.for("Jupyter.display")
    ]?.();
    expect(String(bundle?.["text/plain"])).toMatch(/device launches .*1 tuned/);
    const validate = new Ajv({ allowUnionTypes: true }).compile(TRAINING_SCHEMA_V1);
    expect(validate((vars.run as TrainReport).curves), JSON.stringify(validate.errors)).toBe(true);
  });

  it("after %tune step, runs every tunable operation of the step with its tuned launch", async () => {
    const vars: Record<string, unknown> = {
      net: new Sequential(spec).initialize(5),
      samples: classificationData(randomArray(8 * 64, rng(6)), [0, 1, 2, 1, 0, 2, 2, 1], 3),
    };
    const context = memoryContext(vars);
    const registry = createCommandRegistry();
    const quick = ["--k", "2", "--runs", "1", "--warmup", "0"];
    await registry.run(
      { name: "tune", args: ["step", "--model", "net", "--batch", "2", ...quick], line: 0 },
      context,
    );
    const args = [
      "net",
      "samples",
      "--optimizer",
      "sgd",
      "--epochs",
      "1",
      "--batch",
      "2",
      "--device",
      "webgpu",
    ];
    await registry.run({ name: "train", args: [...args, "--as", "run"], line: 0 }, context);
    const launches = (vars.run as TrainReport).curves.launches ?? [];
    expect(launches.length).toBe(5);
    expect(launches.every((l) => l.source === "tuned")).toBe(true);
  });

  it("names no launches for a run on the CPU", async () => {
    const vars: Record<string, unknown> = {
      net: new Sequential(spec).initialize(3),
      samples: classificationData(randomArray(4 * 64, rng(5)), [0, 1, 2, 1], 3),
    };
    const args = ["net", "samples", "--optimizer", "sgd", "--epochs", "1", "--batch", "4", "--device", "cpu"];
    await createCommandRegistry().run(
      { name: "train", args: [...args, "--as", "run"], line: 0 },
      memoryContext(vars),
    );
    expect((vars.run as TrainReport).curves.launches).toBeUndefined();
  });
});
