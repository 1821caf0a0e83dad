import { describe, expect, it } from "vitest";
import { Tensor, fromDocumentVec, mat, toDocumentVec, vec } from "@deltalab/core";

describe("tensor layout", () => {
  it("stores NCHW row-major with the width index fastest", () => {
    const t = Tensor.zeros([2, 3, 4, 5]);
    expect(t.offset(1, 2, 3, 4)).toBe(((1 * 3 + 2) * 4 + 3) * 5 + 4);
    expect(t.offset(0, 0, 0, 1)).toBe(1);
  });

  it("refuses data whose length does not match the shape", () => {
    expect(() => new Tensor([2, 3], new Float64Array(5))).toThrow(/needs 6 elements, data has 5/);
  });

  it("vec stacks the columns of a matrix (Lin, matrix-form slides eq. 5)", () => {
    // M = [[1, 2, 3], [4, 5, 6]] row-major; its columns are (1, 4), (2, 5), (3, 6).
    expect(Array.from(vec([1, 2, 3, 4, 5, 6], 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it("mat inverts vec", () => {
    const m = [1, 2, 3, 4, 5, 6];
    expect(Array.from(mat(vec(m, 2, 3), 2, 3))).toEqual(m);
  });
});

describe("conversion to the documents' Z^{in,i}", () => {
  // One sample of shape [C, H, W] = [2, 3, 2] with value 100 c + 10 h + w at (c, h, w), inside a batch of two.
  const C = 2;
  const H = 3;
  const W = 2;
  const batch = new Float64Array(2 * C * H * W);
  for (let c = 0; c < C; c++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) batch[C * H * W + (c * H + h) * W + w] = 100 * c + 10 * h + w;
    }
  }

  it("orders Z^{in,i} columns with the first spatial index fastest and stacks them (Lin, matrix-form slides)", () => {
    // Z^{in,i} = [z_{1,1,c} z_{2,1,c} z_{3,1,c} z_{1,2,c} ...] per row c: columns (h, w) = (0,0), (1,0), (2,0), (0,1), ...
    const columns: number[][] = [];
    for (let w = 0; w < W; w++) {
      for (let h = 0; h < H; h++) columns.push([0 + 10 * h + w, 100 + 10 * h + w]);
    }
    expect(Array.from(toDocumentVec(batch, [C, H, W], 1))).toEqual(columns.flat());
  });

  it("round-trips through fromDocumentVec", () => {
    const back = new Float64Array(batch.length);
    fromDocumentVec(toDocumentVec(batch, [C, H, W], 1), [C, H, W], back, 1);
    expect(Array.from(back.subarray(C * H * W))).toEqual(Array.from(batch.subarray(C * H * W)));
  });
});
