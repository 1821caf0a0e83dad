import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import {
  Conv2dLayer,
  lenet5,
  ModelObjective,
  sequential,
  traceSteps,
  type LossName,
  type Sequential,
} from "@deltalab/core";
import { STEPS_SCHEMA_V1, stepsProblems, type StepMatrix, type StepsPayload } from "@deltalab/core/payloads";

const sigma = (s: number) => 1 / (1 + Math.exp(-s));

function matrix(payload: StepsPayload, name: string): StepMatrix {
  const found = payload.matrices.find((m) => m.name === name);
  if (!found) throw new Error(`no matrix ${name}; have ${payload.matrices.map((m) => m.name).join(", ")}`);
  return found;
}

/** The loss of one sample at parameters theta, by the model objective (a path independent of the stepper). */
function lossAt(model: Sequential, input: number[], target: number[], theta: Float64Array, loss: LossName) {
  const objective = new ModelObjective(model, { count: 1, inputs: input, targets: target }, { loss });
  return objective.value(theta);
}

/** Central differences of the loss along each parameter, in theta order. */
function numericGradient(model: Sequential, input: number[], target: number[], loss: LossName, h = 1e-6) {
  const theta = model.getParameters();
  return Array.from(theta, (_, k) => {
    const plus = Float64Array.from(theta);
    const minus = Float64Array.from(theta);
    plus[k] += h;
    minus[k] -= h;
    return (lossAt(model, input, target, plus, loss) - lossAt(model, input, target, minus, loss)) / (2 * h);
  });
}

/**
 * The hand-derivation notes' network: a 3x3 image p1..p9, one 2x2 filter c1..c4 (no bias), sigmoid, average
 * pooling of the four outputs, f = (zbar - y)^2 (our MSE is f / 2).
 */
describe("traceSteps on the 3x3 image / 2x2 filter network", () => {
  const p = [0.9, -0.3, 0.4, 0.2, -0.7, 0.5, 0.1, 0.8, -0.6];
  const c = [0.3, -0.5, 0.8, 0.1];
  const y = 0.9;
  const windows = [
    [1, 2, 4, 5],
    [2, 3, 5, 6],
    [4, 5, 7, 8],
    [5, 6, 8, 9],
  ];
  function build() {
    const model = sequential({
      inputShape: [1, 3, 3],
      layers: [
        { type: "conv2d", filters: 1, kernel: 2, activation: "sigmoid", name: "conv" },
        { type: "average-pool", size: 2, name: "pool" },
        { type: "flatten", name: "flat" },
      ],
      dtype: "float64",
    });
    const conv = model.layers[0].layer as Conv2dLayer;
    const theta = new Float64Array(model.parameterCount);
    c.forEach((value, i) => (theta[conv.weightIndex(0, 0, i % 2, Math.floor(i / 2))] = value));
    model.setParameters(theta);
    return model;
  }
  // c1 c2 / c3 c4 is the filter laid out by rows: c_i sits at (u, v) = (floor((i-1)/2), (i-1) % 2).
  function buildRowMajor() {
    const model = build();
    const conv = model.layers[0].layer as Conv2dLayer;
    const theta = new Float64Array(model.parameterCount);
    c.forEach((value, i) => (theta[conv.weightIndex(0, 0, Math.floor(i / 2), i % 2)] = value));
    model.setParameters(theta);
    return model;
  }

  it("lists the steps in order: phi, S, sigma, pooling, flatten, loss, then the deltas and gradients", () => {
    const payload = traceSteps(build(), { input: p, target: [y] });
    expect(payload.steps.map((s) => s.id)).toEqual([
      "conv.phi",
      "conv.S",
      "conv_sigmoid.forward",
      "pool.forward",
      "flat.forward",
      "loss",
      "loss.delta",
      "flat.backward",
      "pool.backward",
      "conv_sigmoid.backward",
      "conv.dW",
      "conv.db",
    ]);
    expect(payload.steps.filter((s) => s.pass === "forward")).toHaveLength(6);
  });

  it("puts the pixels under each window in a column of phi, as the notes' z_1 = sigma(c1 p1 + c2 p2 + c3 p4 + c4 p5)", () => {
    const payload = traceSteps(buildRowMajor(), { input: p, target: [y] });
    const phi = matrix(payload, "conv.phi");
    expect([phi.rows, phi.cols]).toEqual([4, 4]);
    // Rows of phi are (u, v) with u fastest: (0,0), (1,0), (0,1), (1,1), i.e. c1, c3, c2, c4.
    const rowOf = [0, 2, 1, 3];
    windows.forEach((window, k) => {
      window.forEach((pixel, i) => expect(phi.values[rowOf[i] * 4 + k]).toBe(p[pixel - 1]));
    });
    const S = matrix(payload, "conv.out");
    windows.forEach((window, k) => {
      const s = window.reduce((sum, pixel, i) => sum + c[i] * p[pixel - 1], 0);
      expect(S.values[k]).toBeCloseTo(s, 14);
    });
    const zbar =
      windows
        .map((w) => sigma(w.reduce((sum, pixel, i) => sum + c[i] * p[pixel - 1], 0)))
        .reduce((a, b) => a + b, 0) / 4;
    expect(matrix(payload, "pool.out").values[0]).toBeCloseTo(zbar, 14);
    expect(payload.lossValue).toBeCloseTo(0.5 * (zbar - y) ** 2, 14);
  });

  it("gives the notes' df/dc_i (halved, for r = f/2) in dr/dW", () => {
    const payload = traceSteps(buildRowMajor(), { input: p, target: [y] });
    const s = windows.map((w) => w.reduce((sum, pixel, i) => sum + c[i] * p[pixel - 1], 0));
    const zbar = s.map(sigma).reduce((a, b) => a + b, 0) / 4;
    const dW = matrix(payload, "d.conv.W");
    const rowOf = [0, 2, 1, 3];
    for (let i = 0; i < 4; i++) {
      const dfdc =
        2 *
        (zbar - y) *
        0.25 *
        windows.reduce((sum, w, k) => sum + sigma(s[k]) * (1 - sigma(s[k])) * p[w[i] - 1], 0);
      expect(dW.values[rowOf[i]]).toBeCloseTo(dfdc / 2, 14);
    }
  });

  it("leaves the model it was given unchanged", () => {
    const model = build();
    const before = model.getParameters();
    traceSteps(model, { input: p, target: [y] });
    expect(model.getParameters()).toEqual(before);
  });
});

/** The hand-derivation notes' two-input, three-sigmoid-unit network with a linear output: f = (w^T z - y)^2. */
describe("traceSteps on the one-hidden-layer network", () => {
  it("gives df/dw = 2 (w^T z - y) z and df/ds_j = 2 (w^T z - y) w_j z_j (1 - z_j) x, halved", () => {
    const x = [0.7, -1.3];
    const S = [
      [0.4, -0.2],
      [-0.6, 0.5],
      [0.3, 0.9],
    ];
    const w = [0.8, -0.4, 0.6];
    const y = 0.25;
    const model = sequential({
      inputShape: [2],
      layers: [
        { type: "dense", units: 3, activation: "sigmoid", bias: false, name: "hidden" },
        { type: "dense", units: 1, bias: false, name: "out" },
      ],
      dtype: "float64",
    });
    // vec(W) is column-major: W[i][j] at i + 3 j.
    model.setParameters([S[0][0], S[1][0], S[2][0], S[0][1], S[1][1], S[2][1], ...w]);
    const payload = traceSteps(model, { input: x, target: [y] });
    const z = S.map((row) => sigma(row[0] * x[0] + row[1] * x[1]));
    const e = w.reduce((sum, wj, j) => sum + wj * z[j], 0) - y;
    expect(matrix(payload, "out.out").values[0]).toBeCloseTo(e + y, 14);
    const dw = matrix(payload, "d.out.W");
    z.forEach((zj, j) => expect(dw.values[j]).toBeCloseTo(e * zj, 14));
    const dS = matrix(payload, "d.hidden.W");
    expect([dS.rows, dS.cols]).toEqual([3, 2]);
    for (let j = 0; j < 3; j++) {
      for (let i = 0; i < 2; i++) {
        expect(dS.values[j * 2 + i]).toBeCloseTo(e * w[j] * z[j] * (1 - z[j]) * x[i], 14);
      }
    }
    // The input layer's delta is not needed and not shown.
    expect(payload.steps.map((s) => s.id)).not.toContain("hidden.dx");
    expect(payload.steps.map((s) => s.id)).toContain("out.dx");
  });
});

/** A padded, strided two-channel convolution, max pooling and a dense layer, checked against central differences. */
describe("traceSteps on a padded strided convolution", () => {
  function build() {
    const model = sequential({
      inputShape: [2, 5, 4],
      layers: [
        {
          type: "conv2d",
          filters: 3,
          kernel: [3, 2],
          stride: [2, 1],
          padding: 1,
          activation: "tanh",
          name: "C",
        },
        { type: "max-pool", size: [1, 2], name: "M" },
        { type: "flatten", name: "F" },
        { type: "dense", units: 2, activation: "sigmoid", name: "D" },
      ],
      dtype: "float64",
    });
    return model.initialize(7);
  }
  const input = Array.from({ length: 40 }, (_, k) => Math.sin(1.7 * k + 0.3));
  const target = [0.2, 0.9];

  it("gives every parameter gradient and the conv's input delta as central differences do", () => {
    const model = build();
    // An input layer below the convolution, so that the convolution's input delta is computed and shown.
    const payload = traceSteps(model, { input, target });
    const numeric = numericGradient(model, input, target, "mse");
    const conv = model.layers[0].layer as Conv2dLayer;
    const dW = matrix(payload, "d.C.W");
    const R = 3 * 2 * 2;
    for (let o = 0; o < 3; o++) {
      for (let ch = 0; ch < 2; ch++) {
        for (let u = 0; u < 3; u++) {
          for (let v = 0; v < 2; v++) {
            const r = u + 3 * (v + 2 * ch);
            expect(dW.values[o * R + r]).toBeCloseTo(numeric[conv.weightIndex(o, ch, u, v)], 7);
          }
        }
      }
    }
    const db = matrix(payload, "d.C.b");
    db.values.forEach((value, o) => expect(value).toBeCloseTo(numeric[conv.weightCount + o], 7));
    const dense = model.layers.find((l) => l.layer.name === "D")!;
    const dD = matrix(payload, "d.D.W");
    const [nOut, nIn] = [2, dD.cols];
    for (let i = 0; i < nOut; i++) {
      for (let j = 0; j < nIn; j++) {
        expect(dD.values[i * nIn + j]).toBeCloseTo(numeric[dense.offset + i + nOut * j], 7);
      }
    }
  });

  it("pads, lowers and multiplies as the layer does: S = W phi + b 1^T equals the layer's output", () => {
    const payload = traceSteps(build(), { input, target });
    const pad = matrix(payload, "C.pad");
    expect([pad.rows, pad.cols, ...(pad.grid ?? [])]).toEqual([2, 42, 7, 6]);
    expect(pad.values[0]).toBe(0);
    expect(pad.values[1 * 6 + 1]).toBe(input[0]);
    const [W, phi, b, S] = ["C.W", "C.phi", "C.b", "C.out"].map((n) => matrix(payload, n));
    expect([phi.rows, phi.cols]).toEqual([12, 3 * 5]);
    for (let o = 0; o < 3; o++) {
      for (let k = 0; k < phi.cols; k++) {
        let sum = b.values[o];
        for (let r = 0; r < 12; r++) sum += W.values[o * 12 + r] * phi.values[r * phi.cols + k];
        expect(S.values[o * phi.cols + k]).toBeCloseTo(sum, 13);
      }
    }
  });

  it("computes the input delta of a convolution with a layer below it as central differences on the input", () => {
    const model = sequential({
      inputShape: [1, 4, 4],
      layers: [
        { type: "activation", activation: "tanh", name: "pre" },
        { type: "conv2d", filters: 2, kernel: 3, padding: 1, stride: 2, name: "C" },
        { type: "flatten", name: "F" },
      ],
      dtype: "float64",
    }).initialize(3);
    const x = Array.from({ length: 16 }, (_, k) => Math.cos(0.9 * k));
    const t = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8];
    const payload = traceSteps(model, { input: x, target: t });
    const dZ = matrix(payload, "d.pre.out");
    const theta = model.getParameters();
    const lossOf = (input: number[]) => lossAt(model, input, t, theta, "mse");
    // d r / d (tanh x)_k = (d r / d x_k) / (1 - tanh^2 x_k)
    x.forEach((xk, k) => {
      const h = 1e-6;
      const plus = [...x];
      const minus = [...x];
      plus[k] += h;
      minus[k] -= h;
      const drdx = (lossOf(plus) - lossOf(minus)) / (2 * h);
      expect(dZ.values[k]).toBeCloseTo(drdx / (1 - Math.tanh(xk) ** 2), 6);
    });
    expect(payload.steps.map((s) => s.id)).toEqual(expect.arrayContaining(["C.dphi", "C.col2im", "C.unpad"]));
    // P_phi^T sums, for each padded pixel, the deltas of the sub-image entries that copied it; P_pad^T drops the border.
    for (const [id, f] of [
      ["C.col2im", (xs: number[]) => xs.reduce((sum, v) => sum + v, 0)],
      ["C.unpad", (xs: number[]) => xs[0]],
    ] as const) {
      const step = payload.steps.find((s) => s.id === id)!;
      const link = step.links[0];
      if (link.kind !== "gather") throw new Error(`${id} is not a gather step`);
      const source = matrix(payload, link.input).values;
      matrix(payload, step.writes).values.forEach((value, k) =>
        expect(value).toBeCloseTo(f(link.sources[k].map((i) => source[i])), 13),
      );
    }
  });
});

/** The links say which read entries made each written entry; recomputing every entry from them checks them. */
describe("step links", () => {
  const model = sequential({
    inputShape: [2, 5, 4],
    layers: [
      {
        type: "conv2d",
        filters: 3,
        kernel: [3, 2],
        stride: [2, 1],
        padding: 1,
        activation: "relu",
        name: "C",
      },
      { type: "average-pool", size: [1, 2], name: "A" },
      { type: "max-pool", size: [2, 1], name: "M" },
      { type: "flatten", name: "F" },
      { type: "dense", units: 2, name: "D" },
    ],
    dtype: "float64",
  }).initialize(11);
  const input = Array.from({ length: 40 }, (_, k) => Math.sin(2.1 * k));
  const payload = traceSteps(model, { input, target: [1, -1] });
  const values = (name: string) => matrix(payload, name);

  it("give each matmul entry as the row of the left times the column of the right (plus the bias)", () => {
    let checked = 0;
    for (const step of payload.steps) {
      for (const link of step.links) {
        if (link.kind !== "matmul") continue;
        const [A, B, out] = [values(link.left), values(link.right), values(step.writes)];
        const a = (i: number, k: number) =>
          link.transposeLeft ? A.values[k * A.cols + i] : A.values[i * A.cols + k];
        const b = (k: number, j: number) =>
          link.transposeRight ? B.values[j * B.cols + k] : B.values[k * B.cols + j];
        const inner = link.transposeLeft ? A.rows : A.cols;
        for (let i = 0; i < out.rows; i++) {
          for (let j = 0; j < out.cols; j++) {
            let sum = link.bias ? values(link.bias).values[i] : 0;
            for (let k = 0; k < inner; k++) sum += a(i, k) * b(k, j);
            expect(out.values[i * out.cols + j]).toBeCloseTo(sum, 12);
          }
        }
        checked++;
      }
    }
    expect(checked).toBe(5); // C.S, C.dW (no dphi: C is the first layer), D.s, D.dW, D.dx
  });

  it("give each copied, summed, averaged or maximal entry of a gather step its sources", () => {
    const combine: Record<string, (xs: number[]) => number> = {
      "C.pad": (xs) => xs[0] ?? 0,
      "C.phi": (xs) => xs[0] ?? 0,
      "A.forward": (xs) => xs.reduce((s, v) => s + v, 0) / xs.length,
      "M.forward": (xs) => Math.max(...xs),
      "F.forward": (xs) => xs[0],
      "F.backward": (xs) => xs[0],
      "A.backward": (xs) => xs.reduce((s, v) => s + v, 0) / 2,
      "C.db": (xs) => xs.reduce((s, v) => s + v, 0),
    };
    for (const [id, f] of Object.entries(combine)) {
      const step = payload.steps.find((s) => s.id === id)!;
      const link = step.links[0];
      if (link.kind !== "gather") throw new Error(`${id} is not a gather step`);
      const source = values(link.input).values;
      const out = values(step.writes).values;
      out.forEach((value, k) =>
        expect(value, `${id}[${k}]`).toBeCloseTo(f(link.sources[k].map((i) => source[i])), 13),
      );
    }
  });

  it("route a max-pool delta only to entries whose window it came from", () => {
    const step = payload.steps.find((s) => s.id === "M.backward")!;
    const link = step.links[0];
    if (link.kind !== "gather") throw new Error("M.backward is not a gather step");
    const dOut = values(link.input).values;
    values(step.writes).values.forEach((value, k) => {
      if (value !== 0) expect(link.sources[k].map((i) => dOut[i])).toContain(value);
    });
  });

  it("make a payload the schema accepts, with nothing stepsProblems objects to", () => {
    const validate = new Ajv({ allowUnionTypes: true, strict: true }).compile(STEPS_SCHEMA_V1);
    expect(validate(JSON.parse(JSON.stringify(payload))), JSON.stringify(validate.errors)).toBe(true);
    expect(stepsProblems(payload)).toEqual([]);
  });

  it("are reported by stepsProblems when they name a missing matrix or point past one", () => {
    const broken: StepsPayload = JSON.parse(JSON.stringify(payload));
    broken.steps[0].reads.push("nowhere");
    const gather = broken.steps.find((s) => s.id === "C.phi")!.links[0];
    if (gather.kind === "gather") gather.sources[0] = [10_000];
    expect(stepsProblems(broken)).toEqual([
      'step "C.pad" names no matrix "nowhere"',
      'step "C.phi": a gather link points past the end of "C.pad"',
    ]);
  });
});

describe("traceSteps on LeNet-5", () => {
  it("steps a 28x28 image through C1's padding, phi (25 x 784) and S, and its dW matches central differences", () => {
    const model = lenet5({
      inputSize: 28,
      dtype: "float64",
      pooling: "max-pool",
      seed: 5,
      backend: "reference",
    });
    const image = Array.from({ length: 784 }, (_, k) => ((k * 37) % 101) / 101);
    const target = Array.from({ length: 10 }, (_, k) => (k === 3 ? 1 : 0));
    const payload = traceSteps(model, { input: image, target }, { loss: "cross-entropy" });
    const phi = matrix(payload, "C1.phi");
    expect([phi.rows, phi.cols]).toEqual([25, 784]);
    expect(matrix(payload, "C1.pad").grid).toEqual([32, 32]);
    const dW = matrix(payload, "d.C1.W");
    const conv = model.layers[0].layer as Conv2dLayer;
    const theta = model.getParameters();
    for (const [o, u, v] of [
      [0, 0, 0],
      [2, 4, 1],
      [5, 2, 3],
    ]) {
      const k = conv.weightIndex(o, 0, u, v);
      const h = 1e-5;
      const plus = Float64Array.from(theta);
      const minus = Float64Array.from(theta);
      plus[k] += h;
      minus[k] -= h;
      const numeric =
        (lossAt(model, image, target, plus, "cross-entropy") -
          lossAt(model, image, target, minus, "cross-entropy")) /
        (2 * h);
      expect(dW.values[o * 25 + u + 5 * v]).toBeCloseTo(numeric, 6);
    }
    expect(stepsProblems(payload)).toEqual([]);
  });
});

describe("traceSteps's errors", () => {
  const model = sequential({ inputShape: [2], layers: [{ type: "dense", units: 1 }], dtype: "float64" });
  it("names the sizes when the input or target has the wrong length", () => {
    expect(() => traceSteps(model, { input: [1, 2, 3], target: [0] })).toThrow(
      "traceSteps: the input must have 2 values (shape [2]), got 3",
    );
    expect(() => traceSteps(model, { input: [1, 2], target: [] })).toThrow(
      "traceSteps: the target must have 1 values, got 0",
    );
  });
  it("names a non-finite entry", () => {
    expect(() => traceSteps(model, { input: [1, Number.NaN], target: [0] })).toThrow(
      "traceSteps: input entry 1 is NaN; every entry must be finite",
    );
  });
});

describe("traceSteps' significantDigits", () => {
  const model = sequential({
    inputShape: [3],
    layers: [{ type: "dense", units: 2, activation: "tanh", name: "d" }],
    dtype: "float64",
  }).initialize(9);
  const sample = { input: [0.123456789, -1.987654321, 2.5], target: [0.3, -0.1] };

  it("keeps that many significant digits of every value", () => {
    const full = traceSteps(model, sample);
    const short = traceSteps(model, sample, { significantDigits: 3 });
    full.matrices.forEach((m, i) =>
      m.values.forEach((v, k) => expect(short.matrices[i].values[k]).toBe(Number(v.toPrecision(3)))),
    );
    expect(matrix(short, "input").values).toEqual([0.123, -1.99, 2.5]);
  });

  it("must be an integer from 1 to 17", () => {
    expect(() => traceSteps(model, sample, { significantDigits: 0 })).toThrow(
      "traceSteps: significantDigits must be an integer from 1 to 17, got 0",
    );
  });
});
