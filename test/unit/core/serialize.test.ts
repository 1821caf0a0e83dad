import { describe, expect, it } from "vitest";
import { MODEL_FORMAT_VERSION, lenet5, loadModel, saveModel, sequential } from "@deltalab/core";

const small = () =>
  sequential({
    inputShape: [1, 5, 5],
    layers: [
      { type: "conv2d", filters: 2, kernel: 2, activation: "relu" },
      { type: "flatten" },
      { type: "dense", units: 3 },
    ],
    dtype: "float64",
  }).initialize(9);

describe("save and load", () => {
  it("round-trips architecture and weights exactly", () => {
    const model = small();
    const loaded = loadModel(saveModel(model));
    expect(loaded.spec).toEqual(model.spec);
    expect(Array.from(loaded.getParameters())).toEqual(Array.from(model.getParameters()));
    const x = Float64Array.from({ length: 25 }, (_, k) => Math.sin(k));
    expect(Array.from(loaded.predict(x))).toEqual(Array.from(model.predict(x)));
  });

  it("round-trips a Float32 LeNet-5 with its connection table", () => {
    const model = lenet5({ seed: 2 });
    const loaded = loadModel(saveModel(model));
    expect(loaded.dtype).toBe("float32");
    expect(Array.from(loaded.parameters)).toEqual(Array.from(model.parameters));
  });

  it("refuses text that is not JSON", () => {
    expect(() => loadModel("{not json")).toThrow(/not a deltalab-model file: the text is not valid JSON/);
  });

  it("refuses another format", () => {
    expect(() => loadModel({ format: "onnx" })).toThrow(
      /not a deltalab-model file: its format field is "onnx"/,
    );
  });

  it("refuses an unsupported version", () => {
    const saved = JSON.parse(saveModel(small()));
    saved.version = MODEL_FORMAT_VERSION + 1;
    expect(() => loadModel(saved)).toThrow(/version 2 is not supported; this build reads version 1/);
  });

  it("refuses weights that do not match their checksum", () => {
    const saved = JSON.parse(saveModel(small()));
    saved.parameters[3] += 1e-9;
    expect(() => loadModel(saved)).toThrow(/damaged deltalab-model file: the weights' checksum is/);
  });

  it("refuses weights whose count does not match the architecture", () => {
    const saved = JSON.parse(saveModel(small()));
    saved.spec.layers.find((layer: { type: string }) => layer.type === "dense").units = 4;
    expect(() => loadModel(saved)).toThrow(
      /the architecture has \d+ parameters, the file records \d+ and holds \d+/,
    );
  });

  it("refuses an architecture that does not build, with the builder's message", () => {
    const saved = JSON.parse(saveModel(small()));
    saved.spec.layers[0].kernel = 9;
    expect(() => loadModel(saved)).toThrow(
      /architecture does not build: layer 'conv2d_0': kernel 9x9 is larger/,
    );
  });
});
