import { describe, expect, it } from "vitest";
import {
  Conv2dLayer,
  ConvMatrixForm,
  convGeometry,
  maxPoolMatrix,
  poolAfter,
  convParameterCount,
  explicitConvBackward,
  explicitConvForward,
  im2colConvBackward,
  im2colConvForward,
  SeededRandom,
  type ConnectionTable,
  type ConvGeometry,
  type ConvGeometryOptions,
} from "@deltalab/core";

interface Case {
  readonly name: string;
  readonly options: ConvGeometryOptions;
  readonly batch: number;
  readonly connections?: ConnectionTable;
}

const cases: Case[] = [
  {
    name: "one channel, 3x3 filter",
    options: { inChannels: 1, height: 6, width: 5, outChannels: 2, kernel: 3 },
    batch: 2,
  },
  {
    name: "stride 2 with padding 1",
    options: { inChannels: 3, height: 7, width: 8, outChannels: 4, kernel: 3, stride: 2, padding: 1 },
    batch: 3,
  },
  {
    name: "rectangular filter, stride and padding",
    options: {
      inChannels: 2,
      height: 9,
      width: 6,
      outChannels: 3,
      kernel: [3, 2],
      stride: [2, 3],
      padding: [2, 1],
    },
    batch: 2,
  },
  {
    name: "stride larger than the filter",
    options: { inChannels: 2, height: 10, width: 10, outChannels: 2, kernel: 2, stride: 3 },
    batch: 1,
  },
  {
    name: "a partial connection table (LeNet-style)",
    options: { inChannels: 3, height: 6, width: 7, outChannels: 4, kernel: 3, padding: 1 },
    batch: 2,
    connections: [[0], [0, 1], [1, 2], [2, 0, 1]],
  },
];

/** Geometries drawn at random (seeded): any channels, sizes, filter, stride and padding, some partial tables. */
function randomCases(count: number, seed: number): Case[] {
  const random = new SeededRandom(seed);
  const between = (lo: number, hi: number) => lo + random.nextInt(hi - lo + 1);
  return Array.from({ length: count }, (_, k) => {
    const inChannels = between(1, 3);
    const outChannels = between(1, 4);
    const padding: [number, number] = [between(0, 2), between(0, 2)];
    const height = between(2, 9);
    const width = between(2, 9);
    const kernel: [number, number] = [
      between(1, Math.min(4, height + 2 * padding[0])),
      between(1, Math.min(4, width + 2 * padding[1])),
    ];
    const stride: [number, number] = [between(1, 3), between(1, 3)];
    const partial = k % 2 === 1;
    const connections = partial
      ? Array.from({ length: outChannels }, (_, o) =>
          [...Array(inChannels).keys()].filter((c) => (c + o) % 2 === 0 || c === o % inChannels),
        )
      : undefined;
    const options = { inChannels, height, width, outChannels, kernel, stride, padding };
    return {
      name: `random ${JSON.stringify(options)}${partial ? " with a partial table" : ""}`,
      options,
      batch: between(1, 2),
      connections,
    };
  });
}

function randomArray(length: number, random: SeededRandom): Float64Array {
  return Float64Array.from({ length }, () => 2 * random.next() - 1);
}

/**
 * The direct convolution of Hedberg eq. 60-62 is the engine's Conv2dLayer. Its parameters hold vec(W) in the same
 * order as ours for a full table, and leave out the zero blocks of a partial one; `weightIndex` maps between them.
 * The layer is asked for its direct loops: its default lowers to im2col + GEMM, the very path checked here.
 */
function directLayer(c: Case, g: ConvGeometry): Conv2dLayer {
  const { outChannels: filters, kernel, stride, padding } = c.options;
  const attrs = {
    filters,
    kernel,
    stride,
    padding,
    connections: c.connections,
    algorithm: "direct" as const,
  };
  return new Conv2dLayer("C", [g.inChannels, g.height, g.width], attrs);
}

/** Our vec(W) entry of omega_{oc}[u, v]. */
function ourIndex(g: ConvGeometry, o: number, c: number, u: number, v: number): number {
  return o + g.outChannels * (u + g.kernelHeight * (v + g.kernelWidth * c));
}

/** Calls f(ours, theirs) for every parameter the layer has: each connected weight, then each bias. */
function forEachParameter(
  g: ConvGeometry,
  layer: Conv2dLayer,
  f: (ours: number, theirs: number) => void,
): void {
  for (let o = 0; o < g.outChannels; o++) {
    for (let c = 0; c < g.inChannels; c++) {
      for (let u = 0; u < g.kernelHeight; u++) {
        for (let v = 0; v < g.kernelWidth; v++) {
          const theirs = layer.weightIndex(o, c, u, v);
          if (theirs >= 0) f(ourIndex(g, o, c, u, v), theirs);
        }
      }
    }
    f(g.outChannels * g.patchSize + o, layer.weightCount + o);
  }
}

function layerParams(g: ConvGeometry, layer: Conv2dLayer, params: Float64Array): Float64Array {
  const out = new Float64Array(layer.parameterCount);
  forEachParameter(g, layer, (ours, theirs) => (out[theirs] = params[ours]));
  return out;
}

function directConv(c: Case, g: ConvGeometry, params: Float64Array, x: Float64Array): Float64Array {
  const layer = directLayer(c, g);
  const y = new Float64Array(c.batch * layer.outputSize);
  layer.forward(layerParams(g, layer, params), x, y, c.batch);
  return y;
}

function maxAbsDifference(x: ArrayLike<number>, y: ArrayLike<number>): number {
  expect(x.length).toBe(y.length);
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
  return max;
}

function setUp(c: Case, seed: number) {
  const g = convGeometry(c.options);
  const random = new SeededRandom(seed);
  const params = randomArray(convParameterCount(g), random);
  const x = randomArray(c.batch * g.inChannels * g.height * g.width, random);
  const outLength = c.batch * g.outChannels * g.outPositions;
  return { g, params, x, outLength, form: new ConvMatrixForm(g, c.connections), random };
}

describe("three convolution paths agree in Float64", () => {
  for (const [k, c] of [...cases, ...randomCases(10, 2026)].entries()) {
    it(`im2col + GEMM equals the direct loop: ${c.name}`, () => {
      const { g, params, x, outLength } = setUp(c, 100 + k);
      const y = new Float64Array(outLength);
      im2colConvForward(g, params, x, y, c.batch, { connections: c.connections });
      expect(maxAbsDifference(y, directConv(c, g, params, x))).toBeLessThan(1e-12);
    });

    it(`explicit P_phi P_pad matrices equal the direct loop: ${c.name}`, () => {
      const { g, params, x, outLength, form } = setUp(c, 200 + k);
      const y = new Float64Array(outLength);
      explicitConvForward(form, params, x, y, c.batch);
      expect(maxAbsDifference(y, directConv(c, g, params, x))).toBeLessThan(1e-12);
    });
  }
});

/** r = sum(G .* S) + 1/2 sum(S .* S), so dr/dS = G + S; quadratic in each argument, so central differences are exact. */
function objective(y: Float64Array, G: Float64Array): { value: number; dS: Float64Array } {
  let value = 0;
  const dS = new Float64Array(y.length);
  for (let k = 0; k < y.length; k++) {
    value += G[k] * y[k] + 0.5 * y[k] * y[k];
    dS[k] = G[k] + y[k];
  }
  return { value, dS };
}

describe("the backward of the matrix form", () => {
  for (const [k, c] of cases.entries()) {
    it(`dr/dW = dS phi^T, dr/db = dS 1 and dr/dZ = P_pad^T P_phi^T vec(W^T dS) match central differences: ${c.name}`, () => {
      const { params, x, outLength, form, random } = setUp(c, 300 + k);
      const G = randomArray(outLength, random);
      const r = (p: Float64Array, input: Float64Array) => {
        const y = new Float64Array(outLength);
        explicitConvForward(form, p, input, y, c.batch);
        return objective(y, G);
      };
      const grad = new Float64Array(params.length);
      const dx = new Float64Array(x.length);
      explicitConvBackward(form, params, x, r(params, x).dS, dx, grad, c.batch);
      const h = 1e-4;
      const central = (f: (t: number) => number) => (f(h) - f(-h)) / (2 * h);
      for (let i = 0; i < params.length; i++) {
        const fd = central(
          (t) =>
            r(
              params.map((p, m) => (m === i ? p + t : p)),
              x,
            ).value,
        );
        expect(Math.abs(grad[i] - fd)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd)));
      }
      for (let i = 0; i < x.length; i++) {
        const fd = central(
          (t) =>
            r(
              params,
              x.map((p, m) => (m === i ? p + t : p)),
            ).value,
        );
        expect(Math.abs(dx[i] - fd)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd)));
      }
    });

    it(`im2col backward (col2im) equals the explicit-matrix backward: ${c.name}`, () => {
      const { g, params, x, outLength, form, random } = setUp(c, 400 + k);
      const dy = randomArray(outLength, random);
      const [gradA, gradB] = [new Float64Array(params.length), new Float64Array(params.length)];
      const [dxA, dxB] = [new Float64Array(x.length), new Float64Array(x.length)];
      explicitConvBackward(form, params, x, dy, dxA, gradA, c.batch);
      im2colConvBackward(g, params, x, dy, dxB, gradB, c.batch, { connections: c.connections });
      expect(maxAbsDifference(gradB, gradA)).toBeLessThan(1e-12);
      expect(maxAbsDifference(dxB, dxA)).toBeLessThan(1e-12);
    });
  }
});

describe("the backward agrees with the direct layer's (Hedberg eq. 74, 79-81)", () => {
  for (const [k, c] of [...cases, ...randomCases(10, 2027)].entries()) {
    it(`im2col + GEMM gives the layer's weight, bias and input gradients: ${c.name}`, () => {
      const { g, params, x, outLength, random } = setUp(c, 500 + k);
      const dy = randomArray(outLength, random);
      const layer = directLayer(c, g);
      const theirGrad = new Float64Array(layer.parameterCount);
      const theirDx = new Float64Array(x.length);
      const y = new Float64Array(outLength);
      layer.backward(layerParams(g, layer, params), x, y, dy, theirDx, theirGrad, c.batch);
      const grad = new Float64Array(params.length);
      const dx = new Float64Array(x.length);
      im2colConvBackward(g, params, x, dy, dx, grad, c.batch, { connections: c.connections });
      let worst = 0;
      forEachParameter(
        g,
        layer,
        (ours, theirs) => (worst = Math.max(worst, Math.abs(grad[ours] - theirGrad[theirs]))),
      );
      expect(worst).toBeLessThan(1e-12);
      expect(maxAbsDifference(dx, theirDx)).toBeLessThan(1e-12);
    });
  }
});

describe("a whole layer of Lin's conv-layer slides eq. 2: convolution, tanh, max pooling through P_pool", () => {
  // Z_next = mat(P_pool vec(tanh(S))), P_pool chosen by the input; with r = sum(G .* Z_next),
  // dr/dS = tanh'(S) .* mat(P_pool^T vec(G)) and dr/dvec(Z) = P_pad^T P_phi^T vec(W^T dr/dS).
  const g = convGeometry({ inChannels: 2, height: 7, width: 6, outChannels: 3, kernel: 2, padding: 1 });
  const pool = poolAfter(g, 2);
  const form = new ConvMatrixForm(g);
  const random = new SeededRandom(11);
  const vecW = randomArray(g.outChannels * g.patchSize, random);
  const bias = randomArray(g.outChannels, random);
  const vecZ = randomArray(g.inChannels * g.height * g.width, random);
  const G = randomArray(pool.channels * pool.outHeight * pool.outWidth, random);
  const layer = (z: ArrayLike<number>) => {
    const activated = form.forward(vecW, bias, z).map(Math.tanh);
    const P_pool = maxPoolMatrix(pool, activated);
    return { activated, P_pool, value: P_pool.multiply(activated).reduce((sum, v, k) => sum + v * G[k], 0) };
  };

  it("has the input gradient of the chain rule through P_pool^T, checked by central differences", () => {
    const { activated, P_pool } = layer(vecZ);
    const dS = P_pool.transposeMultiply(G).map((d, k) => d * (1 - activated[k] ** 2));
    const { dZ } = form.backward(vecW, vecZ, dS);
    const h = 1e-6;
    for (let i = 0; i < vecZ.length; i++) {
      const fd =
        (layer(vecZ.map((z, m) => (m === i ? z + h : z))).value -
          layer(vecZ.map((z, m) => (m === i ? z - h : z))).value) /
        (2 * h);
      expect(Math.abs(dZ[i] - fd)).toBeLessThan(1e-6);
    }
  });
});

describe("a partial connection table as zero blocks of W", () => {
  const c = cases[4];

  it("ignores the weights of unconnected blocks in the forward pass", () => {
    const { g, params, x, outLength } = setUp(c, 7);
    const before = new Float64Array(outLength);
    im2colConvForward(g, params, x, before, c.batch, { connections: c.connections });
    // Output 0 does not read channel 2: change omega_{0,2} entirely.
    const moved = params.slice();
    for (let k = 0; k < 9; k++) moved[0 + g.outChannels * (2 * 9 + k)] += 5;
    const after = new Float64Array(outLength);
    im2colConvForward(g, moved, x, after, c.batch, { connections: c.connections });
    expect(Array.from(after)).toEqual(Array.from(before));
  });

  it("gives those weights a zero gradient", () => {
    const { g, params, x, outLength, random } = setUp(c, 8);
    const grad = new Float64Array(params.length);
    im2colConvBackward(g, params, x, randomArray(outLength, random), null, grad, c.batch, {
      connections: c.connections,
    });
    const unconnected = [...Array(9).keys()].map((k) => grad[0 + g.outChannels * (2 * 9 + k)]);
    expect(unconnected).toEqual(new Array(9).fill(0));
    expect(grad[0 + g.outChannels * 0]).not.toBe(0);
  });
});

describe("im2col + GEMM in Float32", () => {
  it("agrees with the Float64 direct loop to single precision", () => {
    const c = cases[1];
    const { g, params, x, outLength } = setUp(c, 9);
    const y = new Float32Array(outLength);
    im2colConvForward(g, Float32Array.from(params), Float32Array.from(x), y, c.batch);
    const reference = directConv(
      c,
      g,
      Float64Array.from(Float32Array.from(params)),
      Float64Array.from(Float32Array.from(x)),
    );
    expect(maxAbsDifference(y, reference)).toBeLessThan(1e-5);
  });
});

describe("im2col backward in Float32", () => {
  it("agrees with the Float64 backward to single precision", () => {
    const c = cases[2];
    const { g, params, x, outLength, random } = setUp(c, 10);
    const dy = randomArray(outLength, random);
    const grad64 = new Float64Array(params.length);
    const dx64 = new Float64Array(x.length);
    im2colConvBackward(g, params, x, dy, dx64, grad64, c.batch);
    const grad32 = new Float32Array(params.length);
    const dx32 = new Float32Array(x.length);
    im2colConvBackward(
      g,
      Float32Array.from(params),
      Float32Array.from(x),
      Float32Array.from(dy),
      dx32,
      grad32,
      c.batch,
    );
    expect(maxAbsDifference(grad32, grad64)).toBeLessThan(1e-5);
    expect(maxAbsDifference(dx32, dx64)).toBeLessThan(1e-5);
  });
});

describe("argument checks", () => {
  it("rejects an input array shorter than the batch needs", () => {
    const g = convGeometry(cases[0].options);
    expect(() =>
      im2colConvForward(
        g,
        new Float64Array(convParameterCount(g)),
        new Float64Array(10),
        new Float64Array(100),
        2,
      ),
    ).toThrow("im2colConvForward: input needs at least 60 entries, has 10");
  });

  it("rejects a connection table naming a channel the input lacks", () => {
    const g = convGeometry(cases[0].options);
    expect(() => new ConvMatrixForm(g, [[0], [1]])).toThrow(
      "connection table: output channel 1 reads channel 1, outside 0..0",
    );
  });
});
