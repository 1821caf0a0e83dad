import { describe, expect, it } from "vitest";
import {
  LENET5_C3_CONNECTIONS,
  LeastSquaresModelObjective,
  ModelObjective,
  checkObjectiveGradient,
  classificationData,
  lenet5,
  mat,
  sequential,
  SeededRandom,
  toDocumentVec,
} from "@deltalab/core";

describe("parameters theta = [vec(W^1); b^1; ...; vec(W^L); b^L] (Lin, matrix-form slides)", () => {
  it("a two-layer MLP computes W^2 tanh(W^1 x + b^1) + b^2 with W^l = mat(theta segment)", () => {
    const model = sequential({
      inputShape: [3],
      layers: [
        { type: "dense", units: 2, activation: "tanh" },
        { type: "dense", units: 1 },
      ],
      dtype: "float64",
    });
    expect(model.parameterCount).toBe(6 + 2 + 2 + 1);
    const theta = Float64Array.from([0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.05, -0.05, 0.7, -0.8, 0.25]);
    model.setParameters(theta);
    const x = [1.5, -0.5, 2];
    const W1 = mat(theta.subarray(0, 6), 2, 3); // row-major 2 x 3
    const b1 = theta.subarray(6, 8);
    const W2 = mat(theta.subarray(8, 10), 1, 2);
    const b2 = theta[10];
    const hidden = [0, 1].map((i) =>
      Math.tanh(W1[i * 3] * x[0] + W1[i * 3 + 1] * x[1] + W1[i * 3 + 2] * x[2] + b1[i]),
    );
    const expected = W2[0] * hidden[0] + W2[1] * hidden[1] + b2;
    expect(model.predict(x)[0]).toBeCloseTo(expected, 14);
  });

  it("with the document's flatten order, a dense layer computes W vec(Z) + b with W = mat(theta segment) (Lin, conv-layer slides)", () => {
    const model = sequential({
      inputShape: [2, 3, 4],
      layers: [
        { type: "flatten", order: "document" },
        { type: "dense", units: 3 },
      ],
      dtype: "float64",
    });
    const theta = Float64Array.from({ length: model.parameterCount }, (_, k) => Math.cos(k));
    model.setParameters(theta);
    const x = Float64Array.from({ length: 24 }, (_, k) => Math.sin(k + 1));
    const z = toDocumentVec(x, [2, 3, 4], 0);
    const W = mat(theta.subarray(0, 72), 3, 24);
    const y = model.predict(x);
    for (let i = 0; i < 3; i++) {
      let expected = theta[72 + i];
      for (let j = 0; j < 24; j++) expected += W[i * 24 + j] * z[j];
      expect(y[i]).toBeCloseTo(expected, 13);
    }
  });

  it("getParameters returns what setParameters was given, and the table lists the groups in theta order", () => {
    const model = sequential({
      inputShape: [1, 6, 6],
      layers: [
        { type: "conv2d", filters: 2, kernel: 3, name: "C" },
        { type: "flatten" },
        { type: "dense", units: 2, name: "F" },
      ],
      dtype: "float64",
    });
    const theta = Float64Array.from({ length: model.parameterCount }, (_, k) => k / 7);
    model.setParameters(theta);
    expect(Array.from(model.getParameters())).toEqual(Array.from(theta));
    expect(model.parameterTable().map((s) => `${s.layer}.${s.group}@${s.offset}+${s.length}`)).toEqual([
      "C.W@0+18",
      "C.b@18+2",
      "F.W@20+64",
      "F.b@84+2",
    ]);
    expect(Array.from(model.unpack(theta)[2].values)).toEqual(Array.from(theta.subarray(20, 84)));
  });
});

describe("model building", () => {
  it("infers LeNet-5's shapes", () => {
    const model = lenet5();
    const shapes = Object.fromEntries(model.layers.map(({ layer }) => [layer.name, layer.outputShape]));
    expect(shapes).toMatchObject({
      C1: [6, 28, 28],
      S2: [6, 14, 14],
      C3: [16, 10, 10],
      S4: [16, 5, 5],
      C5: [120, 1, 1],
      F6: [84],
      output: [10],
    });
  });

  it("has LeNet-5's trainable parameter counts from the paper (C3: 1,516 with the partial table)", () => {
    const model = lenet5();
    const counts = Object.fromEntries(model.layers.map(({ layer }) => [layer.name, layer.parameterCount]));
    expect(counts).toMatchObject({ C1: 156, S2: 12, C3: 1516, S4: 32, C5: 48120, F6: 10164, output: 850 });
  });

  it("uses the C3 connection table of LeCun et al. 1998, Table I", () => {
    // Rows: S2 maps 0-5; columns: C3 maps 0-15; X = connected (transcribed from the paper).
    const table = [
      "X...XXX..XXXX.XX",
      "XX...XXX..XXXX.X",
      "XXX...XXX..X.XXX",
      ".XXX..XXXX..X.XX",
      "..XXX..XXXX.XX.X",
      "...XXX..XXXX.XXX",
    ];
    const fromPaper = Array.from({ length: 16 }, (_, o) =>
      [0, 1, 2, 3, 4, 5].filter((c) => table[c][o] === "X"),
    );
    expect(LENET5_C3_CONNECTIONS).toEqual(fromPaper);
  });

  it("accepts 28x28 inputs by padding C1", () => {
    expect(lenet5({ inputSize: 28 }).layers[0].layer.outputShape).toEqual([6, 28, 28]);
  });

  it("refuses a kernel larger than its input when the model is built, naming the layer", () => {
    expect(() =>
      sequential({
        inputShape: [1, 8, 8],
        layers: [
          { type: "max-pool", size: 2 },
          { type: "conv2d", filters: 2, kernel: 5, name: "C9" },
        ],
      }),
    ).toThrow(/layer 'C9': kernel 5x5 is larger than the padded input 4x4/);
  });

  it("refuses a dense layer on images without flatten", () => {
    expect(() =>
      sequential({ inputShape: [1, 4, 4], layers: [{ type: "dense", units: 3, name: "F" }] }),
    ).toThrow(/layer 'F': a dense layer takes a flat input \[n\]; got \[1, 4, 4\]/);
  });

  it("names unnamed layers by type and position, skipping names already given", () => {
    const model = sequential({
      inputShape: [4],
      layers: [
        { type: "dense", units: 3 },
        { type: "dense", units: 3, name: "dense_1" },
        { type: "dense", units: 2, activation: "tanh" },
      ],
    });
    expect(model.layers.map(({ layer }) => layer.name)).toEqual([
      "dense_0",
      "dense_1",
      "dense_2",
      "dense_2_tanh",
    ]);
  });

  it("refuses two layers with one name", () => {
    expect(() =>
      sequential({
        inputShape: [4],
        layers: [
          { type: "dense", units: 3, name: "F" },
          { type: "dense", units: 3, name: "F" },
        ],
      }),
    ).toThrow(/layer 'F': two layers have this name/);
  });

  it("names the expected and actual sizes when the input does not fit", () => {
    const model = sequential({ inputShape: [1, 4, 4], layers: [{ type: "flatten" }] });
    expect(() => model.predict(new Float32Array(15))).toThrow(
      /predict: expected whole samples of shape \[1, 4, 4\] \(16 values each\), got 15 values/,
    );
    expect(() => model.setInput(model.workspace(2), new Float32Array(20), 2)).toThrow(
      /model input: expected 2 samples of shape \[1, 4, 4\] \(32 values\), got 20 values/,
    );
  });
});

describe("model objective f(theta) = theta^T theta / (2C) + (1/l) sum xi_i", () => {
  const random = new SeededRandom(21);
  const count = 5;
  const inputs = Float64Array.from({ length: count * 36 }, () => random.nextNormal());
  const labels = Int32Array.from({ length: count }, (_, i) => i % 3);

  it("has the gradient of central differences for a small CNN with softmax and cross-entropy", () => {
    const model = sequential({
      inputShape: [1, 6, 6],
      layers: [
        { type: "conv2d", filters: 3, kernel: 3, activation: "tanh", name: "C1" },
        { type: "max-pool", size: 2, name: "P" },
        {
          type: "conv2d",
          filters: 2,
          kernel: 2,
          connections: [
            [0, 1],
            [1, 2],
          ],
          activation: "sigmoid",
          name: "C2",
        },
        { type: "flatten" },
        { type: "dense", units: 3, name: "F" },
        { type: "softmax" },
      ],
      dtype: "float64",
    }).initialize(3);
    const objective = new ModelObjective(model, classificationData(inputs, labels, 3), {
      loss: "cross-entropy",
      C: 4,
    });
    const report = checkObjectiveGradient(objective, model.getParameters());
    expect(report.rows.map((row) => `${row.layer}.${row.group}`)).toEqual([
      "C1.W",
      "C1.b",
      "C2.W",
      "C2.b",
      "F.W",
      "F.b",
    ]);
    expect(report.maxRelativeError).toBeLessThan(1e-7);
  });

  it("has the gradient of central differences for LeNet-style weighted sub-sampling with MSE", () => {
    const model = sequential({
      inputShape: [1, 6, 6],
      layers: [
        { type: "conv2d", filters: 2, kernel: 3, padding: 1, activation: "lecun-tanh", name: "C1" },
        { type: "weighted-subsample", size: 2, activation: "lecun-tanh", name: "S2" },
        { type: "flatten" },
        { type: "rbf", units: 3, name: "R" },
      ],
      dtype: "float64",
    }).initialize(5);
    const objective = new ModelObjective(model, classificationData(inputs, labels, 3), {
      loss: "mse",
      C: 10,
    });
    expect(checkObjectiveGradient(objective, model.getParameters()).maxRelativeError).toBeLessThan(1e-7);
  });

  it("gives the same full-batch gradient whatever the chunk size", () => {
    const model = sequential({
      inputShape: [1, 6, 6],
      layers: [
        { type: "conv2d", filters: 2, kernel: 3, activation: "relu" },
        { type: "flatten" },
        { type: "dense", units: 3 },
      ],
      dtype: "float64",
    }).initialize(8);
    const data = classificationData(inputs, labels, 3);
    const theta = model.getParameters();
    const [g1, g2] = [new Float64Array(model.parameterCount), new Float64Array(model.parameterCount)];
    const f1 = new ModelObjective(model, data, { loss: "mse", chunkSize: 2 }).valueAndGradient(theta, g1);
    const f2 = new ModelObjective(model, data, { loss: "mse", chunkSize: 256 }).valueAndGradient(theta, g2);
    expect(f1).toBeCloseTo(f2, 14);
    g1.forEach((value, j) => expect(value).toBeCloseTo(g2[j], 14));
  });

  it("gives a Float32 model the Float64 gradient to single precision", () => {
    const spec = (dtype: "float32" | "float64") =>
      sequential({
        inputShape: [1, 6, 6],
        layers: [
          { type: "conv2d", filters: 2, kernel: 3, activation: "tanh" },
          { type: "average-pool", size: 2 },
          { type: "flatten" },
          { type: "dense", units: 3 },
          { type: "softmax" },
        ],
        dtype,
      }).initialize(6);
    const data = classificationData(inputs, labels, 3);
    const [single, double] = [spec("float32"), spec("float64")];
    const theta = double.getParameters();
    const [g32, g64] = [new Float64Array(theta.length), new Float64Array(theta.length)];
    new ModelObjective(single, data, { loss: "cross-entropy" }).valueAndGradient(theta, g32);
    new ModelObjective(double, data, { loss: "cross-entropy" }).valueAndGradient(theta, g64);
    const scale = Math.max(...g64.map(Math.abs));
    g32.forEach((value, j) => expect(Math.abs(value - g64[j])).toBeLessThan(1e-5 * scale));
  });

  it("adds theta^T theta / (2C) to the mean loss", () => {
    const model = sequential({
      inputShape: [36],
      layers: [{ type: "dense", units: 3 }],
      dtype: "float64",
    }).initialize(1);
    const data = classificationData(inputs, labels, 3);
    const theta = model.getParameters();
    const plain = new ModelObjective(model, data, { loss: "mse" }).value(theta);
    const regularized = new ModelObjective(model, data, { loss: "mse", C: 2 }).value(theta);
    const norm2 = theta.reduce((sum, v) => sum + v * v, 0);
    expect(regularized - plain).toBeCloseTo(norm2 / 4, 12);
  });

  it("leaves the model at the last theta evaluated, or with preserveParameters where it was", () => {
    const model = lenet5({ inputSize: 28 }).initialize(2);
    const images = Float64Array.from({ length: 4 * 784 }, (_, k) => Math.cos(k / 9));
    const data = classificationData(images, [0, 1, 2, 3], 10);
    const start = model.getParameters();
    const elsewhere = start.map((t, j) => t + 0.01 * Math.sin(j));
    const g = new Float64Array(model.parameterCount);
    const preserved = new LeastSquaresModelObjective(model, data, { preserveParameters: true });
    const f = preserved.valueAndGradient(elsewhere, g);
    preserved.residuals(elsewhere, new Float64Array(preserved.residualCount));
    preserved.jacobianTimes(elsewhere, g, new Float64Array(preserved.residualCount));
    expect(Array.from(model.getParameters())).toEqual(Array.from(start));
    // The default objective computes the same f and leaves the model at the point it evaluated (in float32).
    const plain = new ModelObjective(model, data, { loss: "mse" });
    expect(plain.valueAndGradient(elsewhere, g)).toBe(f);
    expect(Array.from(model.getParameters())).toEqual(Array.from(Float32Array.from(elsewhere)));
  });
});
