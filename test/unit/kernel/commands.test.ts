import { describe, expect, it } from "vitest";
import { classificationData, lenet5, rosenbrock, Sequential, sgd } from "@deltalab/core";
import { memoryContext } from "../../../kernel/src/commands/commandContext";
import { loadData, asSupervisedData } from "../../../kernel/src/commands/data";
import { gradcheck } from "../../../kernel/src/commands/gradcheck";
import { help } from "../../../kernel/src/commands/help";
import { createCommandRegistry } from "../../../kernel/src/commands";
import { layerGeometry, layerMatrices } from "../../../kernel/src/commands/matrices";
import { buildModelFromSpec, summarizeModel } from "../../../kernel/src/commands/model";
import { resolveOptimizer } from "../../../kernel/src/commands/optimizers";
import { UsageError } from "../../../kernel/src/commands/parse";
import { CommandUsageError } from "../../../kernel/src/commands/registry";
import { planeObjective, type SurfaceResult } from "../../../kernel/src/commands/surface";
import { trainModel } from "../../../kernel/src/commands/train";
import { runOptimizer } from "../../../kernel/src/commands/trajectory";
import { convGeometry } from "@deltalab/core";
import { JUPYTER_DISPLAY } from "../../../kernel/src/execution/display";

const bundle = (value: unknown) =>
  (value as { [JUPYTER_DISPLAY]: () => Record<string, unknown> })[JUPYTER_DISPLAY]();

describe("%help", () => {
  it("lists every registered command", () => {
    const registry = createCommandRegistry();
    const names = help(registry).commands.map((c) => c.name);
    expect(names).toEqual(registry.all().map((s) => s.name));
    expect(names).toEqual(
      expect.arrayContaining([
        "data",
        "derive",
        "gradcheck",
        "help",
        "matrices",
        "model",
        "race",
        "surface",
        "train",
        "tune",
      ]),
    );
  });

  it("shows one command's options", () => {
    const result = help(createCommandRegistry(), "%train");
    expect(result.single).toBe(true);
    expect(result.commands[0]?.options.map((o) => o.name)).toContain("--epochs");
  });

  it("names an unknown command", () => {
    expect(() => help(createCommandRegistry(), "nope")).toThrow(/no command %nope/);
  });
});

describe("the registry", () => {
  it("turns a bad option into a usage error carrying the usage", async () => {
    const registry = createCommandRegistry();
    const error = await registry
      .run({ name: "derive", args: ["r=w", "--nope"], line: 0 }, memoryContext())
      .catch((e) => e);
    expect(error).toBeInstanceOf(CommandUsageError);
    expect((error as CommandUsageError).lines()[1]).toMatch(/^usage: %derive/);
  });

  it("binds a result with --as and declares its type", async () => {
    const context = memoryContext();
    await createCommandRegistry().run(
      { name: "derive", args: ["r=w*x", "--wrt", "w", "--at", "w=1,x=4", "--as", "d"], line: 0 },
      context,
    );
    expect(context.declared.d).toBe('import("deltalab").DeriveResult');
    expect((context.lookup("d") as { gradients: { analytic: number }[] }).gradients[0]?.analytic).toBe(4);
  });
});

describe("%data", () => {
  it("loads the committed Fashion-MNIST subset with one-hot targets", () => {
    const result = loadData({ source: "fashion", limit: 20 });
    expect(result.dataset.shape).toEqual([20, 1, 28, 28]);
    const labels = result.dataset.labels;
    const targets = result.data.targets;
    for (let i = 0; i < 20; i++) expect(targets[i * 10 + (labels[i] ?? 0)]).toBe(1);
  });

  it("counts the samples of each class", () => {
    const result = loadData({ source: "tiny", count: 10, seed: 3 });
    const expected = [0, 1].map((k) => Array.from(result.dataset.labels).filter((l) => l === k).length);
    expect(result.classCounts).toEqual(expected);
  });

  it("shows a picture of the first images", () => {
    expect(bundle(loadData({ source: "fashion", limit: 4 }))["text/html"]).toContain(
      "data:image/png;base64,",
    );
  });

  it("rejects something that is not data", () => {
    expect(() => asSupervisedData({ nope: 1 }, "x")).toThrow(UsageError);
  });
});

describe("%model", () => {
  it("counts LeNet-5's parameters as the paper does (60,000 or so)", () => {
    const summary = summarizeModel(lenet5());
    // C1 156, S2 12, C3 1516, S4 32, C5 48120, F6 10164, output 850 (LeCun et al. 1998, with a dense output).
    expect(summary.parameterCount).toBe(156 + 12 + 1516 + 32 + 48120 + 10164 + 850);
  });

  it("builds a model from a JSON spec", () => {
    const model = buildModelFromSpec('{"inputShape": [3], "layers": [{"type": "dense", "units": 2}]}');
    expect(model.parameterCount).toBe(3 * 2 + 2);
  });

  it("names a spec that is not JSON", () => {
    expect(() => buildModelFromSpec("{")).toThrow(/not JSON/);
  });
});

describe("%train", () => {
  const model = () =>
    new Sequential({
      inputShape: [2],
      layers: [{ type: "dense", units: 2 }, { type: "softmax" }],
      dtype: "float64",
    }).initialize(1);
  const data = classificationData(Float64Array.from([2, 0, -2, 0, 1.5, 0.2, -1.5, -0.2]), [0, 1, 0, 1], 2);

  it("lowers the loss of a separable problem", async () => {
    const report = await trainModel(model(), data, {
      transform: sgd({ step: 0.5 }),
      epochs: 20,
      batchSize: 4,
    });
    const loss = report.curves.train.loss;
    expect(loss[loss.length - 1]).toBeLessThan((loss[0] ?? 0) / 2);
  });

  it("updates one display in place", async () => {
    const context = memoryContext();
    await trainModel(model(), data, {
      transform: sgd({ step: 0.1 }),
      epochs: 3,
      batchSize: 2,
      outputs: context.outputs,
      updateEveryMs: 0,
    });
    const ids = new Set(context.displayed.map((d) => d.displayId));
    expect(ids.size).toBe(1);
    expect(context.displayed.slice(1).every((d) => d.update)).toBe(true);
    expect(
      context.displayed[context.displayed.length - 1]?.bundle["application/vnd.deltalab.training.v1+json"],
    ).toMatchObject({ status: "done" });
  });

  it("stops at once when interrupted and says so", async () => {
    const controller = new AbortController();
    controller.abort();
    const report = await trainModel(model(), data, {
      transform: sgd({ step: 0.1 }),
      epochs: 5,
      batchSize: 2,
      signal: controller.signal,
    });
    expect(report.result.stopped).toBe(true);
    expect(report.curves.status).toBe("stopped");
  });
});

describe("%gradcheck", () => {
  it("passes back-propagation of LeNet-5 in Float64", () => {
    const result = gradcheck(lenet5({ inputSize: 28, dtype: "float64" }), { samples: 1, perGroup: 4 });
    expect(result.report.passed).toBe(true);
    expect(new Set(result.report.rows.map((r) => r.layer))).toEqual(
      new Set(["C1", "S2", "C3", "S4", "C5", "F6", "output"]),
    );
  });

  it("checks one layer with its input delta", () => {
    const result = gradcheck(lenet5({ inputSize: 28 }), { layer: "C1" });
    expect(result.report.rows.map((r) => r.group)).toEqual(["input", "W", "b"]);
  });

  it("names an unknown layer", () => {
    expect(() => gradcheck(lenet5(), { layer: "C9" })).toThrow(/no layer "C9"/);
  });
});

describe("%matrices", () => {
  it("gives P_phi one non-zero per row, h*h*d_in*a_out*b_out rows (Lin, matrix-form slides eq. 4)", () => {
    const g = convGeometry({ inChannels: 2, height: 5, width: 5, outChannels: 3, kernel: 3, padding: 1 });
    const result = layerMatrices(g);
    expect(result.P_phi.rows).toBe(3 * 3 * 2 * 5 * 5);
    expect(result.P_phi.nnz).toBe(result.P_phi.rows);
  });

  it("finds LeNet-5's C1 and the sub-sampling after it", () => {
    const found = layerGeometry(lenet5().layers.map((l) => l.layer));
    expect(found.layer).toBe("C1");
    expect(found.pool?.geometry.outHeight).toBe(14);
  });

  it("gives average pooling a window of non-zeros per row", () => {
    const g = convGeometry({ inChannels: 1, height: 4, width: 4, outChannels: 1, kernel: 1 });
    const pool = {
      kind: "average" as const,
      geometry: {
        channels: 1,
        height: 4,
        width: 4,
        kernelHeight: 2,
        kernelWidth: 2,
        strideHeight: 2,
        strideWidth: 2,
        outHeight: 2,
        outWidth: 2,
      },
    };
    expect(layerMatrices(g, pool).P_pool?.nnz).toBe(4 * 4);
  });
});

describe("%race and %surface", () => {
  it("runs BFGS to Rosenbrock's minimizer (1, 1)", () => {
    const context = memoryContext();
    const run = runOptimizer(rosenbrock(), Float64Array.from([-1.2, 1]), resolveOptimizer("bfgs", context), {
      iterations: 200,
    });
    const last = run.trajectory[run.trajectory.length - 1];
    expect(last?.x[0]).toBeCloseTo(1, 5);
    expect(last?.x[1]).toBeCloseTo(1, 5);
  });

  it("accepts an optimizer written against the transform interface", () => {
    const halfStep = {
      name: "half",
      init: () => null,
      update: (g: Float64Array, s: null, _t: Float64Array, step: Float64Array) => {
        for (let i = 0; i < g.length; i++) step[i] = -0.5 * (g[i] ?? 0);
        return s;
      },
    };
    const context = memoryContext({ halfStep });
    const quadratic = {
      dim: 1,
      value: (x: Float64Array) => (x[0] ?? 0) ** 2,
      valueAndGradient: (x: Float64Array, g: Float64Array) => {
        g[0] = 2 * (x[0] ?? 0);
        return (x[0] ?? 0) ** 2;
      },
    };
    const run = runOptimizer(quadratic, Float64Array.from([3]), resolveOptimizer("halfStep", context), {
      iterations: 5,
    });
    // x - 0.5 * 2x = 0: one step to the minimizer.
    expect(run.trajectory[1]?.x[0]).toBe(0);
  });

  it("restricts an objective to a plane with the chain rule for the gradient", () => {
    const f = rosenbrock();
    const plane = {
      center: Float64Array.from([0.5, 0.5]),
      d1: Float64Array.from([1, 1]),
      d2: Float64Array.from([1, -1]),
    };
    const restricted = planeObjective(f, plane);
    const g = new Float64Array(2);
    restricted.valueAndGradient(Float64Array.from([0.1, 0.2]), g);
    const h = 1e-6;
    const at = (a: number, b: number) => restricted.value(Float64Array.from([a, b]));
    expect(g[0]).toBeCloseTo((at(0.1 + h, 0.2) - at(0.1 - h, 0.2)) / (2 * h), 5);
    expect(g[1]).toBeCloseTo((at(0.1, 0.2 + h) - at(0.1, 0.2 - h)) / (2 * h), 5);
  });

  it("says when a notebook variable hides the test surface of the same name", async () => {
    const error = await createCommandRegistry()
      .run({ name: "race", args: ["rosenbrock"], line: 0 }, memoryContext({ rosenbrock }))
      .catch((e) => e);
    expect(error).toBeInstanceOf(CommandUsageError);
    expect((error as Error).message).toMatch(
      /the notebook variable rosenbrock \(a function\) hides the built-in test surface rosenbrock/,
    );
  });

  it("leaves a model's parameters as they were after the runs and the surface", async () => {
    const net = new Sequential({
      inputShape: [2],
      layers: [{ type: "dense", units: 2 }, { type: "softmax" }],
      dtype: "float64",
    }).initialize(1);
    const points = classificationData(
      Float64Array.from([2, 0, -2, 0, 1.5, 0.2, -1.5, -0.2]),
      [0, 1, 0, 1],
      2,
    );
    const before = net.getParameters();
    const context = memoryContext({ net, points });
    const registry = createCommandRegistry();
    const race = (await registry.run(
      {
        name: "race",
        args: ["net", "points", "--optimizers", "bfgs,adam", "--iterations", "20", "--grid", "5"],
        line: 0,
      },
      context,
    )) as SurfaceResult;
    await registry.run(
      { name: "surface", args: ["net", "points", "--grid", "5", "--optimizers", "bfgs"], line: 0 },
      context,
    );
    // The runs went somewhere (so a model they moved would show it) ...
    for (const run of race.runs) {
      const first = run.trajectory[0]?.x ?? before;
      const last = run.trajectory[run.trajectory.length - 1]?.x ?? before;
      expect(Math.hypot(...last.map((t, i) => t - (first[i] ?? 0)))).toBeGreaterThan(0.01);
    }
    // ... and the notebook's model did not go with them.
    expect(Array.from(net.getParameters())).toEqual(Array.from(before));
  });

  it("names an unknown optimizer and the built-in ones", () => {
    expect(() => resolveOptimizer("nope", memoryContext())).toThrow(
      /unknown optimizer "nope": use one of sgd/,
    );
  });
});

describe("%tune", () => {
  it("names an unknown operator before opening any device", async () => {
    const error = await createCommandRegistry()
      .run({ name: "tune", args: ["fft"], line: 0 }, memoryContext())
      .catch((e) => e);
    expect(error).toBeInstanceOf(CommandUsageError);
    expect((error as Error).message).toMatch(
      /unknown operator "fft"; expected one of matmul, conv2d, activation/,
    );
  });

  it("asks for a model or a geometry for conv2d", async () => {
    const error = await createCommandRegistry()
      .run({ name: "tune", args: ["conv2d"], line: 0 }, memoryContext())
      .catch((e) => e);
    expect((error as Error).message).toMatch(/conv2d needs --model NAME/);
  });
});
