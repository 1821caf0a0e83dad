import { describe, expect, it } from "vitest";
import { CLASSIC_FILTERS, convGeometry, filterParams, im2colConvForward } from "@deltalab/core";

const g = convGeometry({ inChannels: 1, height: 6, width: 7, outChannels: 1, kernel: 3 });

function apply(name: string, image: (row: number, col: number) => number): Float64Array {
  const filter = CLASSIC_FILTERS.find((f) => f.name === name);
  if (!filter) throw new Error(`no filter ${name}`);
  const x = Float64Array.from({ length: 42 }, (_, k) => image(Math.floor(k / 7), k % 7));
  const y = new Float64Array(g.outPositions);
  im2colConvForward(g, filterParams(filter), x, y, 1);
  return y;
}

describe("the CNN lecture's filter table", () => {
  it("blurs keep a constant image constant (their weights sum to 1)", () => {
    for (const name of ["box-blur", "gaussian-blur", "sharpen"]) {
      for (const value of apply(name, () => 3)) expect(value).toBeCloseTo(3, 12);
    }
  });

  it("edge detectors give zero on a linear ramp, which has no edge", () => {
    for (const name of ["edge-laplacian-4", "edge-laplacian-8", "edge-diagonal"]) {
      for (const value of apply(name, (row, col) => 2 * row - col + 1)) expect(value).toBeCloseTo(0, 12);
    }
  });

  it("the 4-neighbour Laplacian of row^2 + col^2 is 4 everywhere", () => {
    for (const value of apply("edge-laplacian-4", (row, col) => row * row + col * col)) expect(value).toBe(4);
  });

  it("puts K(m, n) at the offset (m, n) of the window: the diagonal detector on a single bright pixel", () => {
    // A 1 at (row 2, col 3): the window at (i, j) sees it at offset (2 - i, 3 - j), so y(i, j) = K(2 - i, 3 - j).
    const y = apply("edge-diagonal", (row, col) => (row === 2 && col === 3 ? 1 : 0));
    expect(y[0 * 5 + 1]).toBe(1); // K(2, 2)
    expect(y[2 * 5 + 1]).toBe(-1); // K(0, 2)
    expect(y[0 * 5 + 3]).toBe(-1); // K(2, 0)
    expect(y[1 * 5 + 2]).toBe(0); // K(1, 1)
  });
});
