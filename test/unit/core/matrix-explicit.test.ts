import { describe, expect, it } from "vitest";
import {
  averagePoolMatrix,
  fromDocumentVec,
  MaxPoolLayer,
  SeededRandom,
  toDocumentVec,
  ConvMatrixForm,
  convGeometry,
  convLayerSizeTable,
  matrixFormSizes,
  maxPoolMatrix,
  paddingMatrix,
  phiMatrix,
  poolAfter,
  poolGeometry,
  SparseMatrix,
} from "@deltalab/core";

describe("Lin's conv-layer slides' size table", () => {
  it("follows a LeNet-5 first layer through padding, convolution, activation and pooling", () => {
    const conv = convGeometry({
      inChannels: 1,
      height: 28,
      width: 28,
      outChannels: 6,
      kernel: 5,
      padding: 2,
    });
    expect(convLayerSizeTable(conv, poolAfter(conv, 2))).toEqual([
      { operation: "padding", input: [28, 28, 1], output: [32, 32, 1] },
      { operation: "convolution", input: [32, 32, 1], output: [28, 28, 6] },
      { operation: "activation", input: [28, 28, 6], output: [28, 28, 6] },
      { operation: "pooling", input: [28, 28, 6], output: [14, 14, 6] },
    ]);
  });

  it("rounds down a stride that does not divide the padded size: floor((7 + 2 - 3) / 2) + 1 = 4", () => {
    const conv = convGeometry({
      inChannels: 2,
      height: 7,
      width: 8,
      outChannels: 3,
      kernel: 3,
      stride: 2,
      padding: 1,
    });
    expect([conv.outHeight, conv.outWidth]).toEqual([4, 4]);
  });

  it("counts P_pool's rows, columns and non-zeros as the built matrix has them", () => {
    const conv = convGeometry({ inChannels: 2, height: 9, width: 8, outChannels: 3, kernel: 3, padding: 1 });
    const pool = poolAfter(conv, 2);
    const built = maxPoolMatrix(
      pool,
      new Float64Array(3 * 9 * 8).map((_, k) => Math.cos(k)),
    );
    expect(matrixFormSizes(conv, pool).P_pool).toEqual({
      rows: built.rows,
      cols: built.cols,
      nnz: built.nnz,
    });
    expect([built.rows, built.cols]).toEqual([3 * 4 * 4, 3 * 9 * 8]);
  });

  it("rejects a pooling stage whose input is not the convolution's output", () => {
    const conv = convGeometry({ inChannels: 1, height: 8, width: 8, outChannels: 2, kernel: 3 });
    const pool = poolGeometry({ channels: 2, height: 8, width: 8, kernel: 2 });
    expect(() => convLayerSizeTable(conv, pool)).toThrow(
      "the pooling input 8x8x2 is not the convolution output 6x6x2",
    );
  });

  it("rejects a filter larger than the padded image", () => {
    expect(() => convGeometry({ inChannels: 1, height: 3, width: 3, outChannels: 1, kernel: 4 })).toThrow(
      "convGeometry: a 4x4 filter does not fit the 3x3 padded input",
    );
  });
});

describe("the explicit matrices", () => {
  const conv = convGeometry({
    inChannels: 2,
    height: 4,
    width: 5,
    outChannels: 3,
    kernel: 3,
    stride: 2,
    padding: 1,
  });

  it("have the sizes of Lin's matrix-form slides: P_phi is hhd a_out b_out x d a_pad b_pad, P_pad is d a_pad b_pad x d a b", () => {
    const pad = paddingMatrix(conv);
    const phi = phiMatrix(conv);
    expect([pad.rows, pad.cols, pad.nnz]).toEqual([2 * 6 * 7, 2 * 4 * 5, 2 * 4 * 5]);
    expect([phi.rows, phi.cols, phi.nnz]).toEqual([3 * 3 * 2 * (2 * 3), 2 * 6 * 7, 3 * 3 * 2 * 6]);
    const sizes = matrixFormSizes(conv);
    expect(sizes.P_pad).toEqual({ rows: pad.rows, cols: pad.cols, nnz: pad.nnz });
    expect(sizes.P_phi).toEqual({ rows: phi.rows, cols: phi.cols, nnz: phi.nnz });
    expect(sizes.W).toEqual({ rows: 3, cols: 18 });
  });

  it("pad a 1-channel 2x2 image with a ring of zeros, in vec order (rows fastest)", () => {
    const pad = paddingMatrix(
      convGeometry({ inChannels: 1, height: 2, width: 2, outChannels: 1, kernel: 1, padding: 1 }),
    );
    // Z = [[1, 3], [2, 4]] has vec(Z) = (1, 2, 3, 4); pad(Z) is 4x4 with Z in the middle.
    const padded = pad.multiply([1, 2, 3, 4]);
    expect(Array.from(padded)).toEqual([0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0]);
  });

  it("turn a 3x3 image into the sums of the hand-derivation notes: z_1 = c1 p1 + c2 p2 + c3 p4 + c4 p5, and so on", () => {
    const form = new ConvMatrixForm(
      convGeometry({ inChannels: 1, height: 3, width: 3, outChannels: 1, kernel: 2 }),
    );
    const [c1, c2, c3, c4] = [0.5, -1, 2, 3];
    const p = [0, 1.5, -2, 0.25, 4, -1, 3, 0.5, 2, -3]; // p[1..9], row by row as in the hand-derivation notes
    // vec(Z) runs down the columns; vec(W) lists (u, v) = (0,0), (1,0), (0,1), (1,1): c1, c3, c2, c4.
    const vecZ = [p[1], p[4], p[7], p[2], p[5], p[8], p[3], p[6], p[9]];
    const S = form.forward([c1, c3, c2, c4], [0], vecZ);
    const z = (a: number, b: number, c: number, d: number) => c1 * p[a] + c2 * p[b] + c3 * p[c] + c4 * p[d];
    // S's columns are the output positions with the row fastest: z1 (top left), z3 (bottom left), z2, z4.
    expect(Array.from(S)).toEqual([z(1, 2, 4, 5), z(4, 5, 7, 8), z(2, 3, 5, 6), z(5, 6, 8, 9)]);
  });

  it("give the hand-derivation notes' gradient df/dc_1 for its 3x3 network (conv, sigmoid, average pooling, squared loss)", () => {
    // f = ((z_1 + z_2 + z_3 + z_4) / 4 - y)^2, z_k = sigmoid(window_k . c). The hand-derivation notes write
    // df/dc_1 = 1/2 sqrt(f) sum_k z_k (1 - z_k) p_(first pixel of window k); sqrt(f) must be the signed residual.
    const form = new ConvMatrixForm(
      convGeometry({ inChannels: 1, height: 3, width: 3, outChannels: 1, kernel: 2 }),
    );
    const pool = averagePoolMatrix(poolGeometry({ channels: 1, height: 2, width: 2, kernel: 2 }));
    const p = [0, 0.2, -0.5, 0.9, 0.4, -0.3, 0.8, 0.1, -0.7, 0.6];
    const vecZ = [p[1], p[4], p[7], p[2], p[5], p[8], p[3], p[6], p[9]];
    const [c1, c2, c3, c4] = [0.3, -0.8, 0.5, 1.1];
    const y = 0.9; // above the output, so the residual is negative and sqrt(f) would have the wrong sign
    const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));
    const z = form.forward([c1, c3, c2, c4], [0], vecZ).map(sigmoid); // z_1, z_3, z_2, z_4
    const residual = pool.multiply(z)[0] - y;
    expect(residual).toBeLessThan(0);
    const dS = pool.transposeMultiply([2 * residual]).map((d, k) => d * z[k] * (1 - z[k]));
    const { dW } = form.backward([c1, c3, c2, c4], vecZ, dS);
    const [z1, z3, z2, z4] = z;
    const seed002 =
      0.5 *
      residual *
      (z1 * (1 - z1) * p[1] + z2 * (1 - z2) * p[2] + z3 * (1 - z3) * p[4] + z4 * (1 - z4) * p[5]);
    expect(dW[0]).toBeCloseTo(seed002, 14);
  });

  it("compose: P_phi P_pad applied at once equals applying P_pad then P_phi", () => {
    const product = phiMatrix(conv).times(paddingMatrix(conv));
    const vecZ = Array.from({ length: 40 }, (_, k) => Math.sin(k + 1));
    const stepwise = phiMatrix(conv).multiply(paddingMatrix(conv).multiply(vecZ));
    expect(Array.from(product.multiply(vecZ))).toEqual(Array.from(stepwise));
    expect(product.nnz).toBeLessThan(phiMatrix(conv).nnz);
  });
});

describe("pooling through P_pool", () => {
  // The CNN lecture's example: a 4x4 single depth slice, 2x2 max pooling with stride 2 gives [[6, 8], [3, 4]].
  const slice = [
    [1, 1, 2, 4],
    [5, 6, 7, 8],
    [3, 2, 1, 0],
    [1, 2, 3, 4],
  ];
  const vecSlice = [0, 1, 2, 3].flatMap((col) => slice.map((row) => row[col]));
  const pool = poolGeometry({ channels: 1, height: 4, width: 4, kernel: 2 });

  it("reproduces the CNN lecture's max-pooling example", () => {
    const P = maxPoolMatrix(pool, vecSlice);
    expect([P.rows, P.cols, P.nnz]).toEqual([4, 16, 4]);
    // vec of [[6, 8], [3, 4]] runs down the columns.
    expect(Array.from(P.multiply(vecSlice))).toEqual([6, 3, 8, 4]);
  });

  it("passes the delta of each pooled output back to the maximum of its window only (P_pool^T)", () => {
    const P = maxPoolMatrix(pool, vecSlice);
    const delta = P.transposeMultiply([10, 20, 30, 40]);
    const expected = new Array(16).fill(0);
    expected[1 + 4 * 1] = 10; // the 6 at row 1, column 1
    expected[2 + 4 * 0] = 20; // the 3 at row 2, column 0
    expected[1 + 4 * 3] = 30; // the 8 at row 1, column 3
    expected[3 + 4 * 3] = 40; // the 4 at row 3, column 3
    expect(Array.from(delta)).toEqual(expected);
  });

  it("gives tied maxima to the first in scan order (row by row), so every row still holds a single 1", () => {
    // The window [[1, 5], [5, 2]] has vec (1, 5, 5, 2): the 5 at row 0, column 1 comes first in scan order.
    const P = maxPoolMatrix(poolGeometry({ channels: 1, height: 2, width: 2, kernel: 2 }), [1, 5, 5, 2]);
    expect(Array.from(P.toDense())).toEqual([0, 0, 1, 0]);
  });

  for (const stride of [2, 1]) {
    it(`selects the same entries as the engine's max-pooling layer, ties included (3x3 window, stride ${stride})`, () => {
      const g = poolGeometry({ channels: 3, height: 7, width: 6, kernel: 3, stride });
      const random = new SeededRandom(stride);
      const x = Float64Array.from({ length: 3 * 7 * 6 }, () => random.nextInt(4)); // small integers: many ties
      const layer = new MaxPoolLayer("P", [3, 7, 6], { size: 3, stride });
      const y = new Float64Array(layer.outputSize);
      layer.forward(new Float64Array(0), x, y, 1);
      const dy = Float64Array.from({ length: layer.outputSize }, () => random.next());
      const dx = new Float64Array(x.length);
      layer.backward(new Float64Array(0), x, y, dy, dx, new Float64Array(0), 1);

      const P = maxPoolMatrix(g, toDocumentVec(x, [3, 7, 6], 0));
      const pooled = new Float64Array(y.length);
      fromDocumentVec(P.multiply(toDocumentVec(x, [3, 7, 6], 0)), [3, g.outHeight, g.outWidth], pooled, 0);
      const delta = new Float64Array(x.length);
      fromDocumentVec(
        P.transposeMultiply(toDocumentVec(dy, [3, g.outHeight, g.outWidth], 0)),
        [3, 7, 6],
        delta,
        0,
      );
      expect(Array.from(pooled)).toEqual(Array.from(y));
      expect(Array.from(delta)).toEqual(Array.from(dx));
    });
  }

  it("averages the hand-derivation notes' four convolution outputs with one row of 1/4", () => {
    const P = averagePoolMatrix(poolGeometry({ channels: 1, height: 2, width: 2, kernel: 2 }));
    expect(Array.from(P.toDense())).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it("keeps channels apart: each pooled value comes from its own channel", () => {
    const g = poolGeometry({ channels: 2, height: 2, width: 2, kernel: 2 });
    // channel 0 holds 1..4, channel 1 holds -1..-4, interleaved in vec order (channel fastest).
    const input = [1, -1, 2, -2, 3, -3, 4, -4];
    expect(Array.from(maxPoolMatrix(g, input).multiply(input))).toEqual([4, -1]);
  });
});

describe("SparseMatrix", () => {
  const A = new SparseMatrix(2, 3, Int32Array.of(0, 2, 3), Int32Array.of(0, 2, 1), Float64Array.of(1, 2, 3));
  // A = [[1, 0, 2], [0, 3, 0]]

  it("expands to the dense matrix it stores", () => {
    expect(Array.from(A.toDense())).toEqual([1, 0, 2, 0, 3, 0]);
  });

  it("multiplies by the transpose as the dense transpose does", () => {
    expect(Array.from(A.transposeMultiply([5, 7]))).toEqual([5, 21, 10]);
    expect(Array.from(A.transpose().toDense())).toEqual([1, 0, 0, 3, 2, 0]);
  });

  it("multiplies two sparse matrices as dense ones", () => {
    const B = new SparseMatrix(
      3,
      2,
      Int32Array.of(0, 1, 2, 4),
      Int32Array.of(1, 0, 0, 1),
      Float64Array.of(4, 5, 6, 7),
    );
    // B = [[0, 4], [5, 0], [6, 7]]; A B = [[12, 18], [15, 0]]
    expect(Array.from(A.times(B).toDense())).toEqual([12, 18, 15, 0]);
  });

  it("describes its size and non-zero count", () => {
    expect(A.describe()).toBe("2 x 3, 3 non-zeros (density 50.0%)");
  });

  it("rejects a vector of the wrong length", () => {
    expect(() => A.multiply([1, 2])).toThrow("SparseMatrix.multiply: x must have length 3, got 2");
  });
});
