import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import { Conv2dLayer, ModelObjective, sequential, type Sequential } from "@deltalab/core";
import { STEPS_MIME_TYPE_V1, STEPS_UPDATE_SCHEMA_V1, type StepsPayload } from "@deltalab/core/payloads";
import { createCommandRegistry } from "../../../kernel/src/commands";
import { memoryContext } from "../../../kernel/src/commands/commandContext";
import { CommandUsageError } from "../../../kernel/src/commands/registry";
import { StepSessions, stepThrough, type StepsResult } from "../../../kernel/src/commands/step";
import { JUPYTER_DISPLAY } from "../../../kernel/src/execution/display";
import { surfaceCommTarget } from "../../../kernel/src/surface-comm";

const bundle = (value: unknown) =>
  (value as { [JUPYTER_DISPLAY]: () => Record<string, unknown> })[JUPYTER_DISPLAY]();

const values = (payload: StepsPayload, name: string) => {
  const found = payload.matrices.find((m) => m.name === name);
  if (!found) throw new Error(`no matrix ${name}`);
  return found.values;
};

/** The hand-derivation notes' 3x3 image, 2x2 filter, sigmoid and average pooling. */
function handNetwork(): Sequential {
  return sequential({
    inputShape: [1, 3, 3],
    layers: [
      { type: "conv2d", filters: 1, kernel: 2, activation: "sigmoid", name: "conv" },
      { type: "average-pool", size: 2, name: "pool" },
      { type: "flatten", name: "flat" },
    ],
    dtype: "float64",
  }).initialize(2);
}
const sample = { input: [0.9, -0.3, 0.4, 0.2, -0.7, 0.5, 0.1, 0.8, -0.6], target: [0.9] };

/** r(theta, input, target) by the model objective, a path independent of the stepper. */
function loss(model: Sequential, theta: Float64Array, input: number[], target: number[]) {
  return new ModelObjective(model, { count: 1, inputs: input, targets: target }, { loss: "mse" }).value(
    theta,
  );
}

describe("%step", () => {
  it("shows the steps payload with a text list of the steps", async () => {
    const registry = createCommandRegistry();
    const context = memoryContext({ net: handNetwork(), sample });
    const result = await registry.run({ name: "step", args: ["net", "sample"], line: 0 }, context);
    const shown = bundle(result);
    const payload = shown[STEPS_MIME_TYPE_V1] as StepsPayload;
    expect(payload.steps[0].id).toBe("conv.phi");
    expect(payload.loss).toBe("mse");
    const text = shown["text/plain"] as string;
    expect(text.split("\n")).toHaveLength(1 + payload.steps.length);
    expect(text).toContain("[Lin, matrix-form slides eq. 4]");
    expect(text).not.toMatch(/seed 00/);
  });

  it("picks a sample of a data set by --index", async () => {
    const net = sequential({
      inputShape: [2],
      layers: [{ type: "dense", units: 1, name: "d" }],
      dtype: "float64",
    });
    const data = { count: 2, inputs: [1, 2, 3, 4], targets: [5, 6] };
    const result = (await createCommandRegistry().run(
      { name: "step", args: ["net", "data", "--index", "1"], line: 0 },
      memoryContext({ net, data }),
    )) as StepsResult;
    expect(values(result.payload, "input")).toEqual([3, 4]);
    expect(values(result.payload, "target")).toEqual([6]);
  });

  it("says which sample does not exist and which loss is unknown", async () => {
    const net = sequential({ inputShape: [2], layers: [{ type: "dense", units: 1 }] });
    const data = { count: 2, inputs: [1, 2, 3, 4], targets: [5, 6] };
    const error = await createCommandRegistry()
      .run({ name: "step", args: ["net", "data", "--index", "2"], line: 0 }, memoryContext({ net, data }))
      .catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(CommandUsageError);
    expect((error as Error).message).toBe("sample 2 does not exist: the data has 2 samples (0 to 1)");
    expect(() => stepThrough(net, data, { loss: "hinge" as never })).toThrow(
      'unknown loss "hinge"; the losses are mse, cross-entropy, binary-cross-entropy',
    );
  });
});

describe("editing a stepper", () => {
  it("recomputes every step with an edited pixel, filter weight or target, as the loss at the edited point says", () => {
    const sessions = new StepSessions();
    const model = handNetwork();
    const shown = stepThrough(model, sample, {}, sessions);
    const id = shown.payload.session!;
    expect(id).toBeTruthy();
    const conv = model.layers[0].layer as Conv2dLayer;
    const theta = model.getParameters();
    // The objective sets the parameters of the model it evaluates: evaluate a twin.
    const twin = handNetwork();

    // The view's W is 1 x 4 with column r = u + 2 v: entry 2 is omega[0, 1].
    const edited = sessions.recompute(id, [
      { matrix: "input", index: 4, value: 1.5 },
      { matrix: "conv.W", index: 2, value: -0.25 },
      { matrix: "target", index: 0, value: 0.1 },
    ]);
    const thetaEdited = Float64Array.from(theta);
    thetaEdited[conv.weightIndex(0, 0, 0, 1)] = -0.25;
    const input = [...sample.input];
    input[4] = 1.5;
    expect(edited.lossValue).toBeCloseTo(loss(twin, thetaEdited, input, [0.1]), 14);
    expect(values(edited, "conv.W")[2]).toBe(-0.25);
    // dr/dW at the edited point against central differences.
    const dW = values(edited, "d.conv.W");
    for (let r = 0; r < 4; r++) {
      const k = conv.weightIndex(0, 0, r % 2, Math.floor(r / 2));
      const h = 1e-6;
      const plus = Float64Array.from(thetaEdited);
      const minus = Float64Array.from(thetaEdited);
      plus[k] += h;
      minus[k] -= h;
      expect(dW[r]).toBeCloseTo(
        (loss(twin, plus, input, [0.1]) - loss(twin, minus, input, [0.1])) / (2 * h),
        8,
      );
    }
    // The notebook's model is unchanged until the edit is applied.
    expect(model.getParameters()).toEqual(theta);
    sessions.recompute(id, [{ matrix: "conv.W", index: 2, value: -0.25 }], true);
    expect(model.getParameters()[conv.weightIndex(0, 0, 0, 1)]).toBe(-0.25);
  });

  it("maps a dense layer's shown W (row-major) to vec(W) (column-major)", () => {
    const sessions = new StepSessions();
    const model = sequential({
      inputShape: [3],
      layers: [{ type: "dense", units: 2, name: "d" }],
      dtype: "float64",
    }).initialize(4);
    const id = stepThrough(model, { input: [1, 2, 3], target: [0, 0] }, {}, sessions).payload.session!;
    sessions.recompute(id, [{ matrix: "d.W", index: 1, value: 7 }], true); // W[0][1]
    expect(model.getParameters()[0 + 2 * 1]).toBe(7);
  });

  it("refuses an edit of a computed matrix, an entry out of range, a bad value or an unknown stepper", () => {
    const sessions = new StepSessions();
    const id = stepThrough(handNetwork(), sample, {}, sessions).payload.session!;
    expect(() => sessions.recompute(id, [{ matrix: "conv.phi", index: 0, value: 1 }])).toThrow(
      '"conv.phi" cannot be edited: only the input, the target and a layer\'s W or b can',
    );
    expect(() => sessions.recompute(id, [{ matrix: "input", index: 9, value: 1 }])).toThrow(
      "input has 9 entries; entry 9 does not exist",
    );
    expect(() => sessions.recompute(id, [{ matrix: "conv.b", index: 0, value: Number.NaN }])).toThrow(
      "the new value of conv.b[0] must be a finite number, got NaN",
    );
    expect(() => sessions.recompute("steps-99", [])).toThrow('no stepper "steps-99" in this kernel');
  });
});

describe("the deltalab comm's step-edit", () => {
  function exchange(data: Record<string, unknown>, sessions?: StepSessions) {
    const sent: Record<string, unknown>[] = [];
    const comm = {
      id: "c1",
      target: "deltalab",
      send: (m: Record<string, unknown>) => sent.push(m),
      close: () => {},
    };
    const target = surfaceCommTarget(
      () => {
        throw new Error("no surfaces here");
      },
      () => {},
      sessions ? (session, edits, apply) => sessions.recompute(session, edits, apply) : undefined,
    );
    target.message(comm, data);
    return sent;
  }

  it("answers with the recomputed steps, valid against the update schema", () => {
    const sessions = new StepSessions();
    const id = stepThrough(handNetwork(), sample, {}, sessions).payload.session!;
    const [reply] = exchange(
      {
        action: "step-edit",
        requestId: "r1",
        session: id,
        edits: [{ matrix: "target", index: 0, value: 0.2 }],
      },
      sessions,
    );
    const validate = new Ajv({ allowUnionTypes: true, strict: true }).compile(STEPS_UPDATE_SCHEMA_V1);
    expect(validate(JSON.parse(JSON.stringify(reply))), JSON.stringify(validate.errors)).toBe(true);
    const payload = (reply as { payload: StepsPayload }).payload;
    expect(values(payload, "target")).toEqual([0.2]);
    expect(payload.session).toBe(id);
  });

  it("answers a refused edit or a kernel without steppers with the reason", () => {
    const sessions = new StepSessions();
    const id = stepThrough(handNetwork(), sample, {}, sessions).payload.session!;
    expect(
      exchange(
        { action: "step-edit", requestId: "r2", session: id, edits: [{ matrix: "x", index: 0, value: 1 }] },
        sessions,
      ),
    ).toEqual([
      {
        action: "steps-update",
        requestId: "r2",
        error: '"x" cannot be edited: only the input, the target and a layer\'s W or b can',
      },
    ]);
    expect(exchange({ action: "step-edit", requestId: "r3", session: id, edits: [] })).toEqual([
      { action: "steps-update", requestId: "r3", error: "this kernel cannot edit steppers" },
    ]);
    expect(
      exchange({ action: "step-edit", requestId: "r4", session: id, edits: [{ index: 0 }] }, sessions),
    ).toEqual([
      {
        action: "steps-update",
        requestId: "r4",
        error: "each edit needs a matrix name, an entry index and a number",
      },
    ]);
  });
});
