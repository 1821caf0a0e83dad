import { describe, expect, it } from "vitest";
import { AveragePoolLayer, MaxPoolLayer, SubsampleLayer, WeightedSubsampleLayer } from "@deltalab/core";

const run = (
  layer: { forward: MaxPoolLayer["forward"]; outputSize: number },
  x: number[],
  params = new Float64Array(0),
) => {
  const y = new Float64Array(layer.outputSize);
  layer.forward(params, Float64Array.from(x), y, 1);
  return Array.from(y);
};

describe("pooling and sub-sampling", () => {
  it("max pooling reproduces the CNN lecture example", () => {
    const layer = new MaxPoolLayer("pool", [1, 4, 4], { size: 2 });
    const x = [1, 1, 2, 4, 5, 6, 7, 8, 3, 2, 1, 0, 1, 2, 3, 4];
    expect(run(layer, x)).toEqual([6, 8, 3, 4]);
  });

  it("max pooling sends the delta to the first maximum in scan order when entries tie", () => {
    const layer = new MaxPoolLayer("pool", [1, 2, 2], { size: 2 });
    const x = Float64Array.from([1, 5, 5, 5]);
    const dx = new Float64Array(4);
    layer.backward(
      new Float64Array(0),
      x,
      new Float64Array(1),
      Float64Array.from([2]),
      dx,
      new Float64Array(0),
      1,
    );
    expect(Array.from(dx)).toEqual([0, 2, 0, 0]);
  });

  it("average pooling averages each window", () => {
    const layer = new AveragePoolLayer("pool", [1, 2, 4], { size: 2 });
    expect(run(layer, [1, 2, 3, 4, 5, 6, 7, 8])).toEqual([3.5, 5.5]);
  });

  it("vanilla sub-sampling keeps every K-th row and column (Table 8)", () => {
    const layer = new SubsampleLayer("sub", [1, 3, 3], { factor: 2 });
    expect(layer.outputShape).toEqual([1, 2, 2]);
    expect(run(layer, [1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual([1, 3, 7, 9]);
  });

  it("weighted sub-sampling computes alpha times the window sum plus b (eq. 87)", () => {
    const layer = new WeightedSubsampleLayer("S2", [2, 2, 2], { size: 2 });
    const params = Float64Array.from([0.5, -1, 0.25, 3]); // alpha = (0.5, -1), b = (0.25, 3)
    expect(run(layer, [1, 2, 3, 4, 1, 1, 1, 1], params)).toEqual([0.5 * 10 + 0.25, -1 * 4 + 3]);
  });

  it("weighted sub-sampling with cross weights computes sum_j alpha_ij S_j + b_i (eq. 86)", () => {
    // Two input maps 2x2 with window sums S_0 = 10, S_1 = 4; output 0 reads both, output 1 reads map 1.
    const layer = new WeightedSubsampleLayer("S", [2, 2, 2], {
      size: 2,
      connections: [[0, 1], [1]],
      sharing: "connection",
    });
    expect(layer.parameterCount).toBe(3 + 2);
    // alpha stacked by columns of A (N_out x N_in) without missing entries: alpha_00, alpha_01, alpha_11; then b.
    const params = Float64Array.from([0.5, -1, 2, 0.25, 3]);
    expect(run(layer, [1, 2, 3, 4, 1, 1, 1, 1], params)).toEqual([0.5 * 10 - 1 * 4 + 0.25, 2 * 4 + 3]);
  });

  it("refuses a window larger than the input", () => {
    expect(() => new MaxPoolLayer("P", [1, 3, 3], { size: 4 })).toThrow(
      /layer 'P': window 4x4 is larger than the input 3x3/,
    );
  });
});
