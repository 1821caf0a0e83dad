import {
  cpuEvaluator,
  landscapePlane,
  lossSurfacePayload,
  projectPath,
  withSurfaceLoss,
  type Objective,
} from "@deltalab/core";
import { LOSS_SURFACE_SCHEMA_V1, lossSurfaceProblems } from "@deltalab/core/payloads";
import Ajv from "ajv";
import { describe, expect, it } from "vitest";

/** f(theta) = (1/2) sum_i lambda_i theta_i^2 on R^4. */
const lambda = [2, 3, 5, 7];
const quadratic: Objective = {
  dim: 4,
  value: (t) => 0.5 * lambda.reduce((sum, l, i) => sum + l * t[i] * t[i], 0),
  valueAndGradient(t, g) {
    lambda.forEach((l, i) => (g[i] = l * t[i]));
    return this.value(t);
  },
};

/** The plane theta = alpha (2 e1) + beta e2 through the origin. */
const plane = landscapePlane(
  new Float64Array(4),
  Float64Array.from([2, 0, 0, 0]),
  Float64Array.from([0, 1, 0, 0]),
  "random-filter-normalized",
  { label: "d1" },
  { label: "d2" },
);

// theta_1 = (3, -1, 0.5, 0) projects to 3 e1 - e2 = 1.5 d1 - 1 d2, at distance 0.5 (its e3 part).
// theta_0 = (0, 0, 0, 0) is the center: in the plane.
const iterates = [new Float64Array(4), Float64Array.from([3, -1, 0.5, 0])];
const projectedLoss = 0.5 * (2 * 9 + 3 * 1);
const trueLoss = projectedLoss + 0.5 * 5 * 0.25;

const grid = {
  x: [-2, 2],
  y: [-2, 2],
  loss: [
    [1, 2],
    [3, 4],
  ],
};

describe("honest trajectories: distance and surface loss", () => {
  it("gives an iterate off the plane its distance, its true loss and the loss at its projection (closed form)", () => {
    const path = projectPath(plane, iterates, { optimizer: "gd", objective: quadratic });
    expect(path.x[1]).toBeCloseTo(1.5, 14);
    expect(path.y[1]).toBeCloseTo(-1, 14);
    expect(path.distance).toEqual([0, expect.closeTo(0.5, 14)]);
    expect(path.loss[1]).toBeCloseTo(trueLoss, 12);
    expect(path.surfaceLoss?.[1]).toBeCloseTo(projectedLoss, 12);
    expect(path.surfaceLoss?.[0]).toBe(0);
  });

  it("computes the surface loss through a plane evaluator, as the grid does", async () => {
    const projected = projectPath(plane, iterates, { optimizer: "gd", objective: quadratic });
    const { surfaceLoss: _fromObjective, ...bare } = projected;
    const path = await withSurfaceLoss(cpuEvaluator(quadratic), plane, bare);
    expect(path.surfaceLoss).toEqual([0, expect.closeTo(projectedLoss, 12)]);
  });

  it("stops computing the surface loss at an interrupt and leaves the path without it", async () => {
    const projected = projectPath(plane, iterates, { optimizer: "gd", objective: quadratic });
    const { surfaceLoss: _fromObjective, ...bare } = projected;
    const controller = new AbortController();
    const cpu = cpuEvaluator(quadratic);
    let calls = 0;
    // The first slice is one point; the interrupt lands while it is evaluated.
    const interrupting = {
      evaluate: async (...args: Parameters<typeof cpu.evaluate>) => {
        calls += 1;
        controller.abort();
        return cpu.evaluate(...args);
      },
    };
    const path = await withSurfaceLoss(interrupting, plane, bare, controller.signal);
    expect(calls).toBe(1);
    expect(path.surfaceLoss).toBeUndefined();
    expect(path.x).toEqual(bare.x);
  });

  it("carries distance and surface loss into a payload that the v1 schema accepts", () => {
    const path = projectPath(plane, iterates, { optimizer: "gd", objective: quadratic });
    const payload = lossSurfacePayload(plane, grid, [path]);
    const drawn = payload.trajectories[0];
    expect(drawn.distance).toEqual(path.distance);
    expect(drawn.surfaceLoss).toEqual(path.surfaceLoss);
    const validate = new Ajv({ allowUnionTypes: true, strict: true }).compile(LOSS_SURFACE_SCHEMA_V1);
    expect(validate(JSON.parse(JSON.stringify(payload))), JSON.stringify(validate.errors)).toBe(true);
  });

  it("still accepts a v1 payload written without the two fields", () => {
    const payload = {
      directions: { kind: "pca", x: { label: "PC1" }, y: { label: "PC2" } },
      grid,
      trajectories: [{ optimizer: "old", x: [0, 1], y: [0, 1], loss: [2, 1], inPlane: false }],
    };
    const validate = new Ajv({ allowUnionTypes: true, strict: true }).compile(LOSS_SURFACE_SCHEMA_V1);
    expect(validate(payload), JSON.stringify(validate.errors)).toBe(true);
  });

  it("reports a distance array whose length differs from the path's", () => {
    const path = { optimizer: "gd", x: [0, 1], y: [0, 1], loss: [1, 2], inPlane: false, distance: [0] };
    const directions = { kind: plane.kind, x: plane.x, y: plane.y };
    expect(lossSurfaceProblems({ directions, grid, trajectories: [path] })).toEqual([
      "trajectories[0] (gd): distance has 1 values, x has 2",
    ]);
  });

  it("refuses a negative distance, naming the path and the iterate", () => {
    const path = { optimizer: "gd", x: [0, 1], y: [0, 1], loss: [1, 2], inPlane: false, distance: [0, -1] };
    expect(() => lossSurfacePayload(plane, grid, [path])).toThrow(/'gd': distance\[1\] is -1/);
  });
});
