import {
  bfgs,
  computeGrid,
  landscapePlane,
  lossSurfacePayload,
  parameterPlane,
  projectOntoPlane,
  projectPath,
  rosenbrock,
  runMethod,
  SeededRandom,
  type Objective,
} from "@deltalab/core";
import { LOSS_SURFACE_SCHEMA_V1 } from "@deltalab/core/payloads";
import Ajv from "ajv";
import { describe, expect, it } from "vitest";

function randomVector(n: number, random: SeededRandom): Float64Array {
  return Float64Array.from({ length: n }, () => random.nextNormal());
}

/** A plane in R^7 with non-orthogonal, non-unit directions, and a unit vector w orthogonal to both. */
function obliquePlane() {
  const random = new SeededRandom(21);
  const center = randomVector(7, random);
  const d1 = randomVector(7, random);
  const d2 = d1.map((v) => 0.6 * v + random.nextNormal());
  const w = randomVector(7, random);
  // Orthogonalize w against span(d1, d2) by solving the 2 x 2 normal equations (twice, against rounding).
  for (let pass = 0; pass < 2; pass++) {
    const g11 = dot(d1, d1);
    const g12 = dot(d1, d2);
    const g22 = dot(d2, d2);
    const r1 = dot(d1, w);
    const r2 = dot(d2, w);
    const det = g11 * g22 - g12 * g12;
    const a = (g22 * r1 - g12 * r2) / det;
    const b = (g11 * r2 - g12 * r1) / det;
    for (let i = 0; i < 7; i++) w[i] -= a * d1[i] + b * d2[i];
  }
  const length = Math.sqrt(dot(w, w));
  for (let i = 0; i < 7; i++) w[i] /= length;
  const plane = landscapePlane(center, d1, d2, "random-filter-normalized", { label: "d1" }, { label: "d2" });
  return { plane, center, d1, d2, w };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

const sumOfSquares: Objective = {
  dim: 7,
  value: (t) => dot(t, t),
  valueAndGradient(t, g) {
    t.forEach((v, i) => (g[i] = 2 * v));
    return dot(t, t);
  },
};

describe("projection onto a plane", () => {
  it("gives a path lying in the plane its exact coordinates and zero distance", () => {
    const { plane, center, d1, d2 } = obliquePlane();
    const coordinates = [
      [0, 0],
      [1.5, -2],
      [-0.25, 0.75],
      [3, 3],
    ];
    const path = coordinates.map(([a, b]) => center.map((c, i) => c + a * d1[i] + b * d2[i]));
    const projected = projectPath(plane, path, { optimizer: "made up", objective: sumOfSquares });
    coordinates.forEach(([a, b], k) => {
      expect(projected.x[k]).toBeCloseTo(a, 12);
      expect(projected.y[k]).toBeCloseTo(b, 12);
      expect(projected.distance[k]).toBeLessThan(1e-12);
    });
    expect(projected.inPlane).toBe(true);
    expect(projected.surfaceLoss?.map((v) => v ?? NaN)).toEqual(
      projected.loss.map((v) => expect.closeTo(v, 10)),
    );
  });

  it("keeps the coordinates of a point moved off the plane and reports how far it moved", () => {
    const { plane, center, d1, d2, w } = obliquePlane();
    const onPlane = center.map((c, i) => c + 0.5 * d1[i] - 1.25 * d2[i]);
    const off = onPlane.map((v, i) => v + 0.3 * w[i]);
    const point = projectOntoPlane(plane, off);
    expect(point.x).toBeCloseTo(0.5, 12);
    expect(point.y).toBeCloseTo(-1.25, 12);
    expect(point.distance).toBeCloseTo(0.3, 12);
  });

  it("says a path is off the plane, keeping its true loss apart from the surface height under it", () => {
    const { plane, center, d1, w } = obliquePlane();
    const inside = center.map((c, i) => c + d1[i]);
    const outside = inside.map((v, i) => v + 2 * w[i]);
    const projected = projectPath(plane, [inside, outside], { optimizer: "gd", objective: sumOfSquares });
    expect(projected.inPlane).toBe(false);
    expect(projected.distance[1]).toBeCloseTo(2, 12);
    expect(projected.loss[1]).toBeCloseTo(dot(outside, outside), 10);
    expect(projected.surfaceLoss?.[1]).toBeCloseTo(dot(inside, inside), 10);
  });

  it("takes the true loss from an optimizer's trajectory without evaluating it again", () => {
    const { plane, center } = obliquePlane();
    const projected = projectPath(plane, [{ iteration: 4, x: center, f: 123 }], { optimizer: "recorded" });
    expect(projected.loss).toEqual([123]);
    expect(projected.iteration).toEqual([4]);
  });

  it("refuses bare iterates without an objective to compute their loss", () => {
    const { plane, center } = obliquePlane();
    expect(() => projectPath(plane, [center], { optimizer: "bare" })).toThrow(
      /without its loss; pass an objective/,
    );
  });
});

describe("loss-surface payload", () => {
  it("draws a BFGS run on Rosenbrock's valley in the parameter plane as a valid payload, in the plane", async () => {
    const f = rosenbrock();
    const run = runMethod(f, f.start, bfgs(), { maxIterations: 200 });
    const plane = parameterPlane(new Float64Array(2), 0, 1);
    const grid = await computeGrid(f, plane, {
      x: { min: -2, max: 2, count: 21 },
      y: { min: -1, max: 3, count: 21 },
    });
    const path = projectPath(plane, run.trajectory, { optimizer: "bfgs", objective: f });
    const payload = lossSurfacePayload(plane, grid, [path], { title: "Rosenbrock", scale: "log" });

    const validate = new Ajv({ allowUnionTypes: true, strict: true }).compile(LOSS_SURFACE_SCHEMA_V1);
    expect(validate(JSON.parse(JSON.stringify(payload))), JSON.stringify(validate.errors)).toBe(true);
    const drawn = payload.trajectories[0];
    expect(drawn.inPlane).toBe(true);
    run.trajectory.forEach((point, k) => {
      expect(drawn.x[k]).toBe(point.x[0]);
      expect(drawn.y[k]).toBe(point.x[1]);
      expect(drawn.loss[k]).toBe(point.f);
    });
    expect(payload.directions).toEqual({
      kind: "parameters",
      x: { label: "theta[0]", parameterIndex: 0 },
      y: { label: "theta[1]", parameterIndex: 1 },
    });
  });

  it("refuses a grid stopped before its second row", () => {
    const plane = parameterPlane(new Float64Array(2), 0, 1);
    expect(() => lossSurfacePayload(plane, { x: [0, 1], y: [0], loss: [[1, 2]] }, [])).toThrow(/1 row\(s\)/);
  });

  it("refuses a path whose loss is not finite, naming the path and the iterate", () => {
    const plane = parameterPlane(new Float64Array(2), 0, 1);
    const grid = {
      x: [0, 1],
      y: [0, 1],
      loss: [
        [0, 1],
        [1, 2],
      ],
    };
    const path = { optimizer: "sgd", x: [0, 1], y: [0, 1], loss: [1, NaN], inPlane: true };
    expect(() => lossSurfacePayload(plane, grid, [path])).toThrow(/'sgd': loss\[1\] is NaN/);
  });
});
