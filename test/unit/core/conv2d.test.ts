import { describe, expect, it } from "vitest";
import { Conv2dLayer, LayerConfigError, conv2dInputDeltaByRotation, type Conv2dAttrs } from "@deltalab/core";
import { SeededRandom } from "@deltalab/core";

function randomArray(length: number, random: SeededRandom): Float64Array {
  return Float64Array.from({ length }, () => random.nextNormal());
}

describe("conv2d forward", () => {
  it("matches the 3x3 image and 2x2 filter of the hand-derivation notes written out by hand", () => {
    // Hand-derivation notes: z1 = c1 p1 + c2 p2 + c3 p4 + c4 p5, z2 = c1 p2 + c2 p3 + c3 p5 + c4 p6, z3 = c1 p4 + ..., z4 = c1 p5 + ...
    const p = [0.3, -1.2, 0.7, 2.0, 0.1, -0.4, 1.5, -0.9, 0.6];
    const [c1, c2, c3, c4] = [0.5, -0.25, 1.5, 0.75];
    const layer = new Conv2dLayer("conv", [1, 3, 3], { filters: 1, kernel: 2 });
    const params = new Float64Array(layer.parameterCount);
    params[layer.weightIndex(0, 0, 0, 0)] = c1;
    params[layer.weightIndex(0, 0, 0, 1)] = c2;
    params[layer.weightIndex(0, 0, 1, 0)] = c3;
    params[layer.weightIndex(0, 0, 1, 1)] = c4;
    const y = new Float64Array(4);
    layer.forward(params, Float64Array.from(p), y, 1);
    const at = (k: number) => p[k - 1];
    const expected = [
      c1 * at(1) + c2 * at(2) + c3 * at(4) + c4 * at(5),
      c1 * at(2) + c2 * at(3) + c3 * at(5) + c4 * at(6),
      c1 * at(4) + c2 * at(5) + c3 * at(7) + c4 * at(8),
      c1 * at(5) + c2 * at(6) + c3 * at(8) + c4 * at(9),
    ];
    for (let k = 0; k < 4; k++) expect(y[k]).toBeCloseTo(expected[k], 14);
  });

  it("places omega_{oc}[u, v] at o + d_out (u + kh v + kh kw c) of vec(W) with a full table (Lin, matrix-form slides)", () => {
    const layer = new Conv2dLayer("conv", [3, 5, 5], { filters: 4, kernel: [2, 3] });
    expect(layer.weightIndex(1, 2, 1, 2)).toBe(1 + 4 * (1 + 2 * 2 + 2 * 3 * 2));
    expect(layer.parameterCount).toBe(4 * 2 * 3 * 3 + 4);
  });

  it("zero padding equals convolving an explicitly padded image", () => {
    const random = new SeededRandom(3);
    const padded = new Conv2dLayer("padded", [2, 4, 3], { filters: 2, kernel: 3, padding: 1 });
    const plain = new Conv2dLayer("plain", [2, 6, 5], { filters: 2, kernel: 3 });
    const params = randomArray(padded.parameterCount, random);
    const x = randomArray(2 * 4 * 3, random);
    const xPadded = new Float64Array(2 * 6 * 5);
    for (let c = 0; c < 2; c++) {
      for (let h = 0; h < 4; h++)
        for (let w = 0; w < 3; w++) xPadded[(c * 6 + h + 1) * 5 + w + 1] = x[(c * 4 + h) * 3 + w];
    }
    const y1 = new Float64Array(padded.outputSize);
    const y2 = new Float64Array(plain.outputSize);
    padded.forward(params, x, y1, 1);
    plain.forward(params, xPadded, y2, 1);
    for (let k = 0; k < y1.length; k++) expect(y1[k]).toBeCloseTo(y2[k], 13);
  });

  it("stride s keeps every s-th output of the stride-1 convolution (Remark 4)", () => {
    const random = new SeededRandom(4);
    const strided = new Conv2dLayer("s2", [1, 7, 6], { filters: 2, kernel: 2, stride: 2 });
    const dense = new Conv2dLayer("s1", [1, 7, 6], { filters: 2, kernel: 2 });
    const params = randomArray(strided.parameterCount, random);
    const x = randomArray(42, random);
    const ys = new Float64Array(strided.outputSize);
    const yd = new Float64Array(dense.outputSize);
    strided.forward(params, x, ys, 1);
    dense.forward(params, x, yd, 1);
    const [, hs, ws] = strided.outputShape;
    const [, hd, wd] = dense.outputShape;
    for (let o = 0; o < 2; o++) {
      for (let i = 0; i < hs; i++) {
        for (let j = 0; j < ws; j++) {
          expect(ys[(o * hs + i) * ws + j]).toBeCloseTo(yd[(o * hd + 2 * i) * wd + 2 * j], 13);
        }
      }
    }
  });

  it("a partial table gives the same output as the full table with the missing kernels zero", () => {
    const random = new SeededRandom(5);
    const table = [[0, 2], [1], [0, 1, 2]];
    const partial = new Conv2dLayer("partial", [3, 4, 4], { filters: 3, kernel: 2, connections: table });
    const full = new Conv2dLayer("full", [3, 4, 4], { filters: 3, kernel: 2 });
    const pp = randomArray(partial.parameterCount, random);
    const fp = new Float64Array(full.parameterCount);
    for (let o = 0; o < 3; o++) {
      for (const c of table[o]) {
        for (let u = 0; u < 2; u++)
          for (let v = 0; v < 2; v++) fp[full.weightIndex(o, c, u, v)] = pp[partial.weightIndex(o, c, u, v)];
      }
      fp[full.weightCount + o] = pp[partial.weightCount + o];
    }
    expect(partial.weightIndex(1, 0, 0, 0)).toBe(-1);
    const x = randomArray(48, random);
    const y1 = new Float64Array(partial.outputSize);
    const y2 = new Float64Array(full.outputSize);
    partial.forward(pp, x, y1, 1);
    full.forward(fp, x, y2, 1);
    for (let k = 0; k < y1.length; k++) expect(y1[k]).toBeCloseTo(y2[k], 13);
  });
});

describe("conv2d input delta equals the padded delta correlated with the rot180 kernel (eq. 74)", () => {
  const variants: [string, [number, number, number], Conv2dAttrs][] = [
    ["stride 1", [2, 5, 6], { filters: 3, kernel: 3 }],
    ["stride 2 (Remark 5)", [2, 7, 6], { filters: 2, kernel: [3, 2], stride: 2 }],
    ["padding 2", [1, 4, 4], { filters: 2, kernel: 3, padding: 2 }],
    ["partial table", [3, 5, 5], { filters: 2, kernel: 2, connections: [[0, 2], [1]] }],
    ["one kernel per map", [2, 5, 5], { filters: 2, kernel: 2, sharing: "map" }],
  ];
  for (const [label, shape, attrs] of variants) {
    it(label, () => {
      const random = new SeededRandom(9);
      const layer = new Conv2dLayer(label, shape, attrs);
      const batch = 2;
      const params = randomArray(layer.parameterCount, random);
      const x = randomArray(batch * layer.inputSize, random);
      const y = new Float64Array(batch * layer.outputSize);
      const dy = randomArray(batch * layer.outputSize, random);
      layer.forward(params, x, y, batch);
      const dx = new Float64Array(batch * layer.inputSize);
      layer.backward(params, x, y, dy, dx, new Float64Array(layer.parameterCount), batch);
      const reference = conv2dInputDeltaByRotation(layer, params, dy, batch);
      for (let k = 0; k < dx.length; k++) expect(dx[k]).toBeCloseTo(reference[k], 12);
    });
  }
});

describe("conv2d configuration errors", () => {
  it("refuses a kernel larger than the padded input", () => {
    expect(() => new Conv2dLayer("C1", [1, 4, 4], { filters: 1, kernel: 5, padding: 0 })).toThrow(
      /layer 'C1': kernel 5x5 is larger than the padded input 4x4/,
    );
  });

  it("refuses stride 0", () => {
    expect(() => new Conv2dLayer("C1", [1, 8, 8], { filters: 1, kernel: 3, stride: 0 })).toThrow(
      /layer 'C1': stride must be a positive integer, got 0/,
    );
  });

  it("refuses a connection table naming a missing input map", () => {
    expect(
      () =>
        new Conv2dLayer("C3", [6, 8, 8], {
          filters: 2,
          kernel: 3,
          connections: [
            [0, 1],
            [5, 6],
          ],
        }),
    ).toThrow(
      /layer 'C3': the connection table names input map 6 for output map 1, but the input has maps 0..5/,
    );
  });

  it("throws LayerConfigError for a table with the wrong number of rows", () => {
    expect(
      () => new Conv2dLayer("C3", [2, 8, 8], { filters: 3, kernel: 3, connections: [[0], [1]] }),
    ).toThrow(LayerConfigError);
  });
});

describe("conv2d lowered to GEMM (Lin, matrix-form slides eq. 1, 4) agrees with the direct loops of eq. 61", () => {
  const variants: [string, [number, number, number], Conv2dAttrs][] = [
    ["full table", [3, 6, 5], { filters: 4, kernel: 3 }],
    ["stride and padding", [2, 7, 6], { filters: 3, kernel: [3, 2], stride: [2, 1], padding: [1, 2] }],
    ["partial table", [3, 5, 5], { filters: 3, kernel: 2, connections: [[0, 2], [1], [0, 1, 2]] }],
    ["one kernel per map", [2, 5, 4], { filters: 2, kernel: 2, sharing: "map", connections: [[0, 1], [1]] }],
    ["one output position (LeNet-5's C5 shape)", [4, 5, 5], { filters: 6, kernel: 5 }],
  ];
  for (const [label, shape, attrs] of variants) {
    it(label, () => {
      const random = new SeededRandom(13);
      const lowered = new Conv2dLayer(label, shape, { ...attrs, algorithm: "lowered" });
      const direct = new Conv2dLayer(label, shape, { ...attrs, algorithm: "direct" });
      const batch = 3;
      const params = randomArray(lowered.parameterCount, random);
      const x = randomArray(batch * lowered.inputSize, random);
      const dy = randomArray(batch * lowered.outputSize, random);
      const results = [lowered, direct].map((layer) => {
        const y = new Float64Array(batch * layer.outputSize);
        const dx = new Float64Array(batch * layer.inputSize);
        const grad = new Float64Array(layer.parameterCount);
        layer.forward(params, x, y, batch);
        layer.backward(params, x, y, dy, dx, grad, batch);
        return [y, dx, grad];
      });
      for (let part = 0; part < 3; part++) {
        const [a, b] = [results[0][part], results[1][part]];
        for (let k = 0; k < a.length; k++)
          expect(Math.abs(a[k] - b[k])).toBeLessThan(1e-12 * (1 + Math.abs(b[k])));
      }
    });
  }
});

describe("conv2d argument checks", () => {
  it("names the layer, the argument and both sizes when an array is too short", () => {
    const layer = new Conv2dLayer("C1", [1, 4, 4], { filters: 2, kernel: 3 });
    const params = new Float64Array(layer.parameterCount);
    expect(() => layer.forward(params, new Float64Array(30), new Float64Array(16), 2)).toThrow(
      /layer 'C1': input: expected 2 samples of shape \[1, 4, 4\] \(32 values\), got 30 values/,
    );
  });
});
