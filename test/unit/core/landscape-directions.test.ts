import {
  Conv2dLayer,
  convWeightIndex,
  denseWeightIndex,
  filterNormalize,
  groupIndices,
  landscapePlane,
  modelThetaGroups,
  parameterPlane,
  randomFilterNormalizedPlane,
  SeededRandom,
  sequential,
  type Sequential,
  type ThetaGroup,
} from "@deltalab/core";
import { describe, expect, it } from "vitest";

/** conv (2 maps in, 3 out, 3x3) -> flatten -> dense 4: filters are strided in theta (vec stacks columns). */
function smallNet(): Sequential {
  return sequential({
    inputShape: [2, 5, 5],
    dtype: "float64",
    layers: [
      { type: "conv2d", name: "C1", filters: 3, kernel: 3, activation: "tanh" },
      { type: "flatten", name: "F" },
      { type: "dense", name: "D", units: 4 },
    ],
  }).initialize(7);
}

function randomVector(n: number, seed: number): Float64Array {
  const random = new SeededRandom(seed);
  return Float64Array.from({ length: n }, () => random.nextNormal());
}

function blockNorm(v: Float64Array, indices: ArrayLike<number>): number {
  let sum = 0;
  for (let k = 0; k < indices.length; k++) sum += v[indices[k]] ** 2;
  return Math.sqrt(sum);
}

/** Outputs of the model for one input at parameters theta. */
function outputs(model: Sequential, theta: Float64Array, input: Float64Array): Float64Array {
  model.setParameters(theta);
  const ws = model.workspace(1);
  model.setInput(ws, input, 1);
  return Float64Array.from(model.forward(ws, 1));
}

describe("modelThetaGroups", () => {
  it("covers every parameter of the model exactly once", () => {
    const model = smallNet();
    const seen = new Int32Array(model.parameterCount);
    for (const group of modelThetaGroups(model)) for (const i of groupIndices(group)) seen[i]++;
    expect(Array.from(seen).every((count) => count === 1)).toBe(true);
  });

  it("gives each convolution filter the weights omega_oc[u, v] of its output map, for every input map c", () => {
    const model = smallNet();
    const conv = model.layers[0].layer;
    if (!(conv instanceof Conv2dLayer)) throw new Error("the first layer should be the convolution");
    const groups = modelThetaGroups(model).filter((g) => g.name.startsWith("C1/filter"));
    expect(groups).toHaveLength(3);
    groups.forEach((group, o) => {
      const expected: number[] = [];
      for (let c = 0; c < 2; c++)
        for (let u = 0; u < 3; u++) for (let v = 0; v < 3; v++) expected.push(conv.weightIndex(o, c, u, v));
      expect(Array.from(groupIndices(group)).sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
    });
  });

  it("covers theta once with a partial connection table, with connection or map kernels", () => {
    for (const sharing of ["connection", "map"] as const) {
      const model = sequential({
        inputShape: [2, 4, 4],
        dtype: "float64",
        layers: [
          { type: "conv2d", name: "C3", filters: 3, kernel: 2, connections: [[0], [0, 1], [1]], sharing },
        ],
      });
      const seen = new Int32Array(model.parameterCount);
      for (const group of modelThetaGroups(model)) for (const i of groupIndices(group)) seen[i]++;
      expect(Array.from(seen).every((count) => count === 1)).toBe(true);
    }
  });

  it("gives each dense filter exactly the weights that feed one output unit", () => {
    const model = smallNet();
    const theta = model.getParameters();
    const input = randomVector(model.inputSize, 3);
    const base = outputs(model, theta, input);
    const dense = modelThetaGroups(model).filter((g) => g.name.startsWith("D/filter"));
    expect(dense).toHaveLength(4);
    dense.forEach((group, unit) => {
      const moved = Float64Array.from(theta);
      for (const i of groupIndices(group)) moved[i] += 0.5;
      const out = outputs(model, moved, input);
      for (let k = 0; k < 4; k++) {
        if (k === unit) expect(Math.abs(out[k] - base[k])).toBeGreaterThan(1e-6);
        else expect(out[k]).toBe(base[k]);
      }
    });
  });
});

describe("weight indices in theta", () => {
  it("finds the dense weight W[i][j]: moving it by delta moves output i by delta x_j and nothing else", () => {
    const model = sequential({
      inputShape: [3],
      dtype: "float64",
      layers: [{ type: "dense", name: "D", units: 2 }],
    }).initialize(1);
    const theta = model.getParameters();
    const input = Float64Array.from([0.5, -1, 2]);
    const base = outputs(model, theta, input);
    theta[denseWeightIndex(model, "D", 1, 2)] += 0.25;
    const moved = outputs(model, theta, input);
    expect(moved[0]).toBe(base[0]);
    expect(moved[1] - base[1]).toBeCloseTo(0.25 * 2, 14);
  });

  it("finds the kernel weight omega_oc[u, v]: moving it moves map o by delta times the input window", () => {
    const model = sequential({
      inputShape: [2, 4, 4],
      dtype: "float64",
      layers: [{ type: "conv2d", name: "C", filters: 2, kernel: 3 }],
    }).initialize(2);
    const theta = model.getParameters();
    const input = randomVector(model.inputSize, 4);
    const base = outputs(model, theta, input);
    theta[convWeightIndex(model, "C", 1, 0, 2, 1)] += 0.5;
    const moved = outputs(model, theta, input);
    for (let y = 0; y < 2; y++) {
      for (let x = 0; x < 2; x++) {
        expect(moved[(0 * 2 + y) * 2 + x]).toBe(base[(0 * 2 + y) * 2 + x]);
        const window = input[(0 * 4 + y + 2) * 4 + x + 1];
        expect(moved[(1 * 2 + y) * 2 + x] - base[(1 * 2 + y) * 2 + x]).toBeCloseTo(0.5 * window, 14);
      }
    }
  });

  it("names the layers there are when asked for one that is not", () => {
    expect(() => convWeightIndex(smallNet(), "C9", 0, 0, 0, 0)).toThrow(
      /no layer named 'C9'; the model has C1, /,
    );
  });

  it("rejects a kernel row outside the kernel, naming the layer", () => {
    expect(() => convWeightIndex(smallNet(), "C1", 0, 0, 3, 0)).toThrow(
      /layer 'C1': kernel row u = 3 is outside 0..2/,
    );
  });
});

describe("filter normalization", () => {
  it("gives each direction block the norm of its filter in theta", () => {
    const model = smallNet();
    const theta = model.getParameters();
    const groups = modelThetaGroups(model);
    const plane = randomFilterNormalizedPlane(theta, { seed: 11, groups });
    for (const group of groups.filter((g) => g.kind === "filter")) {
      const indices = groupIndices(group);
      expect(blockNorm(plane.d1, indices)).toBeCloseTo(blockNorm(theta, indices), 12);
      expect(blockNorm(plane.d2, indices)).toBeCloseTo(blockNorm(theta, indices), 12);
    }
  });

  it("zeroes the bias blocks by default and rescales them when asked not to", () => {
    const model = smallNet();
    const theta = model.getParameters();
    theta.forEach((_, i) => (theta[i] += 0.1 * Math.sin(i)));
    const groups = modelThetaGroups(model);
    const biases = groups.filter((g) => g.kind === "bias");
    expect(biases.map((g) => g.name)).toEqual(["C1/b", "D/b"]);
    const zeroed = filterNormalize(randomVector(theta.length, 1), theta, groups);
    const kept = filterNormalize(randomVector(theta.length, 1), theta, groups, { zeroBiases: false });
    for (const group of biases) {
      const indices = groupIndices(group);
      expect(blockNorm(zeroed, indices)).toBe(0);
      expect(blockNorm(kept, indices)).toBeCloseTo(blockNorm(theta, indices), 12);
    }
  });

  it("keeps each block's direction, changing only its length", () => {
    const theta = randomVector(6, 5);
    const groups: ThetaGroup[] = [
      { name: "even", kind: "filter", offset: 0, length: 3, stride: 2 },
      { name: "odd", kind: "filter", offset: 1, length: 3, stride: 2 },
    ];
    const raw = randomVector(6, 6);
    const normalized = filterNormalize(Float64Array.from(raw), theta, groups);
    for (const group of groups) {
      const indices = groupIndices(group);
      const ratio = normalized[indices[0]] / raw[indices[0]];
      expect(ratio).toBeGreaterThan(0);
      for (const i of indices) expect(normalized[i]).toBeCloseTo(ratio * raw[i], 14);
    }
  });

  it("rescales the whole direction to ||theta|| when no groups are given", () => {
    const theta = randomVector(9, 8);
    const plane = randomFilterNormalizedPlane(theta, { seed: 2 });
    const all = Array.from({ length: 9 }, (_, i) => i);
    expect(blockNorm(plane.d1, all)).toBeCloseTo(blockNorm(theta, all), 12);
    expect(plane.kind).toBe("random-filter-normalized");
  });

  it("draws the same plane from the same seed", () => {
    const theta = randomVector(9, 8);
    const a = randomFilterNormalizedPlane(theta, { seed: 4 });
    const b = randomFilterNormalizedPlane(theta, { seed: 4 });
    expect(Array.from(a.d1)).toEqual(Array.from(b.d1));
    expect(Array.from(a.d2)).toEqual(Array.from(b.d2));
  });

  it("refuses groups that leave part of theta out", () => {
    const groups: ThetaGroup[] = [{ name: "head", kind: "filter", offset: 0, length: 4 }];
    expect(() => filterNormalize(randomVector(6, 1), randomVector(6, 2), groups)).toThrow(
      /cover 4 of the 6 entries/,
    );
  });

  it("refuses overlapping groups, naming both", () => {
    const groups: ThetaGroup[] = [
      { name: "a", kind: "filter", offset: 0, length: 4 },
      { name: "b", kind: "filter", offset: 3, length: 3 },
    ];
    expect(() => filterNormalize(randomVector(6, 1), randomVector(6, 2), groups)).toThrow(
      /group 1 \('b'\): index 3 already belongs to group 0 \('a'\)/,
    );
  });

  it("refuses a center that is zero on every group, where normalization leaves nothing to move", () => {
    expect(() => randomFilterNormalizedPlane(new Float64Array(4), { seed: 1 })).toThrow(/nothing to move/);
  });
});

describe("planes", () => {
  it("moves exactly coordinates i and j on a parameter plane", () => {
    const plane = parameterPlane(Float64Array.from([1, 2, 3, 4]), 3, 1);
    expect(Array.from(plane.d1)).toEqual([0, 0, 0, 1]);
    expect(Array.from(plane.d2)).toEqual([0, 1, 0, 0]);
    expect(plane.x).toEqual({ label: "theta[3]", parameterIndex: 3 });
  });

  it("rejects a parameter index outside theta", () => {
    expect(() => parameterPlane(new Float64Array(3), 0, 3)).toThrow(/index j = 3 is outside 0..2/);
  });

  it("rejects parallel directions", () => {
    const c = new Float64Array(3);
    const d = Float64Array.from([1, 2, 3]);
    expect(() =>
      landscapePlane(
        c,
        d,
        d.map((v) => -2 * v),
        "parameters",
        { label: "a" },
        { label: "b" },
      ),
    ).toThrow(/parallel/);
  });
});
