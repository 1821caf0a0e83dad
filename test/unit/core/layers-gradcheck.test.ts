import { describe, expect, it } from "vitest";
import {
  ACTIVATION_NAMES,
  checkLayerGradients,
  gradientCheckTable,
  createLayer,
  type LayerSpec,
  type Shape,
} from "@deltalab/core";

/** Every layer type and every option variant, checked against central differences (gradcheck.ts). */
const cases: [string, LayerSpec, Shape][] = [
  ["dense", { type: "dense", units: 4 }, [5]],
  ["dense without bias", { type: "dense", units: 3, bias: false }, [4]],
  ["conv2d, full table", { type: "conv2d", filters: 3, kernel: 3 }, [2, 6, 5]],
  ["conv2d, stride 2", { type: "conv2d", filters: 2, kernel: 3, stride: 2 }, [2, 7, 8]],
  ["conv2d, padding 1", { type: "conv2d", filters: 2, kernel: 3, padding: 1 }, [2, 4, 5]],
  [
    "conv2d, stride 2 and padding 2",
    { type: "conv2d", filters: 2, kernel: 3, stride: 2, padding: 2 },
    [1, 5, 6],
  ],
  ["conv2d, non-square kernel", { type: "conv2d", filters: 2, kernel: [2, 3], stride: [1, 2] }, [2, 5, 6]],
  [
    "conv2d, partial connection table",
    { type: "conv2d", filters: 3, kernel: 2, connections: [[0], [1, 2], [0, 2]] },
    [3, 4, 4],
  ],
  [
    "conv2d, one kernel per output map",
    { type: "conv2d", filters: 2, kernel: 2, sharing: "map", connections: [[0, 1], [1]] },
    [2, 4, 3],
  ],
  ["weighted sub-sampling", { type: "weighted-subsample", size: 2 }, [2, 4, 6]],
  ["weighted sub-sampling, size not dividing the input", { type: "weighted-subsample", size: 2 }, [1, 5, 5]],
  [
    "weighted sub-sampling, cross weights (eq. 86)",
    { type: "weighted-subsample", size: 2, connections: [[0, 2], [1], [0, 1, 2]], sharing: "connection" },
    [3, 4, 4],
  ],
  [
    "weighted sub-sampling, single weights over a connection table (Table 6)",
    { type: "weighted-subsample", size: [2, 3], connections: [[0, 1], [1]], sharing: "map" },
    [2, 4, 6],
  ],
  ["max pooling", { type: "max-pool", size: 2 }, [2, 4, 4]],
  ["max pooling, overlapping windows", { type: "max-pool", size: 3, stride: 1 }, [1, 4, 5]],
  ["average pooling", { type: "average-pool", size: 2 }, [2, 4, 6]],
  ["average pooling, overlapping windows", { type: "average-pool", size: [2, 3], stride: 1 }, [1, 4, 5]],
  ["vanilla sub-sampling", { type: "subsample", factor: 2 }, [2, 5, 4]],
  ["flatten", { type: "flatten" }, [2, 3, 2]],
  ["flatten in the document's vec order", { type: "flatten", order: "document" }, [2, 3, 2]],
  ["softmax", { type: "softmax" }, [6]],
  ["radial basis", { type: "rbf", units: 3, beta: 0.3 }, [4]],
];

// The convolution cases once more with the direct loops instead of the lowered GEMM path.
const directConvolutions: [string, LayerSpec, Shape][] = cases
  .filter(([, spec]) => spec.type === "conv2d")
  .map(([label, spec, shape]) => [
    `${label}, direct loops`,
    { ...spec, algorithm: "direct" } as LayerSpec,
    shape,
  ]);

describe("layer gradients against central differences", () => {
  for (const [label, spec, shape] of [...cases, ...directConvolutions]) {
    it(`${label}: input delta and parameter gradients match`, () => {
      const layer = createLayer(spec, shape, label);
      const report = checkLayerGradients(layer, { batch: 2, seed: 7 });
      expect(report.rows.length).toBe(1 + layer.parameterGroups.length);
      for (const row of report.rows)
        expect(row.relativeError, `${row.layer} ${row.group}`).toBeLessThan(1e-7);
    });
  }

  for (const activation of ACTIVATION_NAMES) {
    it(`activation ${activation}: the input delta matches`, () => {
      const layer = createLayer({ type: "activation", activation }, [3, 4], activation);
      const report = checkLayerGradients(layer, { batch: 3, seed: 11 });
      expect(report.rows[0].relativeError).toBeLessThan(1e-7);
    });
  }

  it("reports a wrong gradient as failed", () => {
    const layer = createLayer({ type: "dense", units: 2 }, [3], "broken");
    const honest = layer.backward.bind(layer);
    layer.backward = (params, x, y, dy, dx, grad, batch) => {
      honest(params, x, y, dy, dx, grad, batch);
      grad[0] += 0.1;
    };
    const report = checkLayerGradients(layer);
    expect(report.passed).toBe(false);
    expect(report.rows.find((row) => row.group === "W")?.passed).toBe(false);
    expect(report.rows.find((row) => row.group === "b")?.passed).toBe(true);
    const table = gradientCheckTable(report);
    expect(table.columns).toEqual(["layer", "group", "count", "max |error|", "relative error", "passed"]);
    expect(table.rows.map((row) => [row[1], row[5]])).toEqual([
      ["input", "yes"],
      ["W", "no"],
      ["b", "yes"],
    ]);
  });
});
