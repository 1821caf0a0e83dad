import {
  axesAround,
  computeGrid,
  interpolateLine,
  landscapePlane,
  parameterPlane,
  SeededRandom,
  type Objective,
  type PlaneEvaluator,
} from "@deltalab/core";
import { describe, expect, it, vi } from "vitest";

/** f(theta) = 1/2 theta^T A theta + b^T theta with A = M^T M + I, in R^n. */
function quadratic(n: number, seed: number) {
  const random = new SeededRandom(seed);
  const m = Float64Array.from({ length: n * n }, () => random.nextNormal());
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < n; k++) A[i * n + j] += m[k * n + i] * m[k * n + j];
      if (i === j) A[i * n + j] += 1;
    }
  const b = Float64Array.from({ length: n }, () => random.nextNormal());
  const Av = (v: Float64Array) =>
    Float64Array.from({ length: n }, (_, i) => dot(A.subarray(i * n, i * n + n), v));
  const f = (theta: Float64Array) => 0.5 * dot(theta, Av(theta)) + dot(b, theta);
  const objective: Objective = {
    dim: n,
    value: f,
    valueAndGradient(theta, g) {
      g.set(Av(theta).map((v, i) => v + b[i]));
      return f(theta);
    },
  };
  return { A, b, Av, f, objective };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function randomVector(n: number, random: SeededRandom): Float64Array {
  return Float64Array.from({ length: n }, () => random.nextNormal());
}

describe("computeGrid", () => {
  it("matches the closed form of a quadratic on a plane of non-orthogonal directions", async () => {
    const n = 6;
    const q = quadratic(n, 1);
    const random = new SeededRandom(2);
    const center = randomVector(n, random);
    const d1 = randomVector(n, random);
    const d2 = randomVector(n, random);
    const plane = landscapePlane(center, d1, d2, "parameters", { label: "d1" }, { label: "d2" });
    const grid = await computeGrid(q.objective, plane, {
      x: { min: -1, max: 2, count: 7 },
      y: { min: -0.5, max: 0.5, count: 5 },
    });
    // f(c + a d1 + b d2) = f(c) + a g.d1 + b g.d2 + (a^2 d1'Ad1 + 2ab d1'Ad2 + b^2 d2'Ad2) / 2, g = Ac + b.
    const g = q.Av(center).map((v, i) => v + q.b[i]);
    const [A11, A12, A22] = [dot(d1, q.Av(d1)), dot(d1, q.Av(d2)), dot(d2, q.Av(d2))];
    expect(grid.complete).toBe(true);
    expect(grid.x).toEqual([-1, -0.5, 0, 0.5, 1, 1.5, 2]);
    expect(grid.y).toEqual([-0.5, -0.25, 0, 0.25, 0.5]);
    grid.y.forEach((beta, j) =>
      grid.x.forEach((alpha, i) => {
        const closed =
          q.f(center) +
          alpha * dot(g, d1) +
          beta * dot(g, d2) +
          0.5 * (alpha * alpha * A11 + 2 * alpha * beta * A12 + beta * beta * A22);
        expect(grid.loss[j][i]).toBeCloseTo(closed, 9);
      }),
    );
  });

  it("stops between rows when the signal is aborted, returning the rows done", async () => {
    const q = quadratic(3, 3);
    const controller = new AbortController();
    const grid = await computeGrid(q.objective, parameterPlane(new Float64Array(3), 0, 1), {
      x: { min: -1, max: 1, count: 4 },
      y: { min: -1, max: 1, count: 10 },
      onProgress: ({ rowsDone }) => {
        if (rowsDone === 3) controller.abort();
      },
      signal: controller.signal,
    });
    expect(grid.complete).toBe(false);
    expect(grid.plannedRows).toBe(10);
    expect(grid.y).toHaveLength(3);
    expect(grid.loss).toHaveLength(3);
    expect(grid.y[2]).toBeCloseTo(-1 + 4 / 9, 15);
  });

  it("stops when the progress callback returns false, after the batch it reports", async () => {
    const q = quadratic(3, 3);
    const reports: number[] = [];
    const grid = await computeGrid(q.objective, parameterPlane(new Float64Array(3), 0, 2), {
      x: { min: -1, max: 1, count: 3 },
      y: { min: -1, max: 1, count: 9 },
      rowsPerBatch: 2,
      onProgress: ({ rowsDone }) => {
        reports.push(rowsDone);
        return rowsDone < 4;
      },
    });
    expect(reports).toEqual([2, 4]);
    expect(grid.loss).toHaveLength(4);
    expect(grid.complete).toBe(false);
  });

  it("lets an abort arriving from a timer stop the grid, since it yields between evaluations", async () => {
    const controller = new AbortController();
    let points = 0;
    const slow: PlaneEvaluator = {
      evaluate(_plane, alpha, _beta, out) {
        points += alpha.length;
        const until = Date.now() + 5;
        while (Date.now() < until);
        out.fill(alpha.length);
      },
    };
    setTimeout(() => controller.abort(), 20);
    const grid = await computeGrid(slow, parameterPlane(new Float64Array(2), 0, 1), {
      x: { min: 0, max: 1, count: 2 },
      y: { min: 0, max: 1, count: 10_000 },
      signal: controller.signal,
    });
    expect(grid.complete).toBe(false);
    // Whole rows only: the points of a row cut short by the abort are dropped.
    expect(grid.loss.length).toBe(Math.floor(points / 2));
    expect(grid.loss.length).toBeLessThan(10_000);
  });

  it("passes whole batches of rows to a quick asynchronous evaluator, once it has timed one point", async () => {
    const sizes: number[] = [];
    const evaluator: PlaneEvaluator = {
      async evaluate(_plane, alpha, beta, out) {
        sizes.push(alpha.length);
        await Promise.resolve();
        for (let k = 0; k < out.length; k++) out[k] = alpha[k] + 10 * beta[k];
      },
    };
    const grid = await computeGrid(evaluator, parameterPlane(new Float64Array(2), 0, 1), {
      x: { min: 0, max: 1, count: 2 },
      y: { min: 0, max: 4, count: 5 },
      rowsPerBatch: 2,
    });
    expect(sizes).toEqual([1, 3, 4, 2]);
    expect(grid.loss[3]).toEqual([30, 31]);
  });

  it("marks points where the loss is not finite with null", async () => {
    const objective: Objective = {
      dim: 2,
      value: (t) => (t[0] > 0 ? Infinity : t[0] + t[1]),
      valueAndGradient: () => NaN,
    };
    const grid = await computeGrid(objective, parameterPlane(new Float64Array(2), 0, 1), {
      x: { min: -1, max: 1, count: 3 },
      y: { min: 0, max: 1, count: 2 },
    });
    expect(grid.loss).toEqual([
      [-1, 0, null],
      [0, 1, null],
    ]);
  });

  it("rejects an axis whose range is empty, naming it", async () => {
    const q = quadratic(2, 1);
    await expect(
      computeGrid(q.objective, parameterPlane(new Float64Array(2), 0, 1), {
        x: { min: 0, max: 1, count: 3 },
        y: { min: 1, max: 1, count: 3 },
      }),
    ).rejects.toThrow(/grid y: expected finite min < max/);
  });

  it("rejects directions of another length than the center", async () => {
    const q = quadratic(3, 1);
    const plane = { center: new Float64Array(3), d1: new Float64Array(2), d2: new Float64Array(3) };
    await expect(
      computeGrid(q.objective, plane, { x: { min: 0, max: 1, count: 2 }, y: { min: 0, max: 1, count: 2 } }),
    ).rejects.toThrow(/d1 has length 2, expected 3/);
  });

  it("rejects a plane of another dimension than the objective", async () => {
    const q = quadratic(3, 1);
    await expect(
      computeGrid(q.objective, parameterPlane(new Float64Array(2), 0, 1), {
        x: { min: 0, max: 1, count: 2 },
        y: { min: 0, max: 1, count: 2 },
      }),
    ).rejects.toThrow(/plane lives in R\^2, but the objective has dim = 3/);
  });
});

describe("axesAround", () => {
  it("covers the origin and every path point, with the margin on each side", () => {
    const axes = axesAround(
      [
        { x: [-1, 0.5], y: [0.5, 1] },
        { x: [3], y: [2] },
      ],
      { count: [5, 7], margin: 0.25 },
    );
    expect(axes.x).toEqual({ min: -2, max: 4, count: 5 });
    expect(axes.y).toEqual({ min: -0.5, max: 2.5, count: 7 });
  });

  it("gives paths that never leave the origin the square from -1 to 1", () => {
    expect(axesAround([{ x: [0, 0], y: [0, 0] }], { count: 3 })).toEqual({
      x: { min: -1, max: 1, count: 3 },
      y: { min: -1, max: 1, count: 3 },
    });
  });
});

describe("interpolateLine", () => {
  it("matches the closed form of a quadratic along (1 - t) theta_a + t theta_b", async () => {
    const q = quadratic(5, 4);
    const random = new SeededRandom(9);
    const a = randomVector(5, random);
    const b = randomVector(5, random);
    const profile = await interpolateLine(q.objective, a, b, { from: -0.5, to: 1.5, count: 9 });
    expect(profile.complete).toBe(true);
    expect(profile.t).toEqual([-0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5]);
    profile.t.forEach((t, k) => {
      const point = a.map((v, i) => (1 - t) * v + t * b[i]);
      expect(profile.loss[k]).toBeCloseTo(q.f(point), 10);
    });
    expect(profile.loss[2]).toBeCloseTo(q.f(a), 12);
    expect(profile.loss[6]).toBeCloseTo(q.f(b), 12);
  });

  it("stops early with the points done when aborted", async () => {
    const q = quadratic(2, 4);
    const controller = new AbortController();
    const profile = await interpolateLine(q.objective, new Float64Array(2), Float64Array.from([1, 1]), {
      count: 50,
      pointsPerBatch: 5,
      signal: controller.signal,
      onProgress: ({ pointsDone }) => {
        if (pointsDone >= 10) controller.abort();
      },
    });
    expect(profile.complete).toBe(false);
    expect(profile.t).toHaveLength(10);
    expect(profile.loss).toHaveLength(10);
  });

  it("refuses two identical solutions", async () => {
    const q = quadratic(2, 4);
    const a = Float64Array.from([1, 2]);
    await expect(interpolateLine(q.objective, a, Float64Array.from(a))).rejects.toThrow(/same point/);
  });
});

describe("computeGrid on a slow objective", () => {
  /** A plane evaluator whose every point costs `msPerPoint` on a fake clock; f = alpha + 10 beta. */
  function slowEvaluator(msPerPoint: number, clock: { now: number }) {
    const calls: number[] = [];
    const evaluator: PlaneEvaluator = {
      evaluate(_plane, alpha, beta, out) {
        calls.push(alpha.length);
        clock.now += msPerPoint * alpha.length;
        for (let k = 0; k < alpha.length; k++) out[k] = alpha[k] + 10 * beta[k];
      },
    };
    return { evaluator, calls };
  }
  const plane = {
    center: Float64Array.of(0, 0),
    d1: Float64Array.of(1, 0),
    d2: Float64Array.of(0, 1),
  };
  const axes = { x: { min: 0, max: 4, count: 5 }, y: { min: 0, max: 2, count: 3 } };

  it("evaluates a few points at a time when points are slow, and gets every value right", async () => {
    const clock = { now: 0 };
    const spy = vi.spyOn(performance, "now").mockImplementation(() => clock.now);
    try {
      const { evaluator, calls } = slowEvaluator(100, clock);
      const grid = await computeGrid(evaluator, plane, axes);
      expect(Math.max(...calls)).toBeLessThanOrEqual(2); // 200 ms a slice: two points of 100 ms
      expect(calls.reduce((a, b) => a + b, 0)).toBe(15);
      expect(grid.loss).toEqual([
        [0, 1, 2, 3, 4],
        [10, 11, 12, 13, 14],
        [20, 21, 22, 23, 24],
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  it("stops within the row it is in once the signal is aborted, keeping only whole rows", async () => {
    const clock = { now: 0 };
    const spy = vi.spyOn(performance, "now").mockImplementation(() => clock.now);
    try {
      const controller = new AbortController();
      const { evaluator, calls } = slowEvaluator(100, clock);
      const aborting: PlaneEvaluator = {
        evaluate(p, alpha, beta, out) {
          evaluator.evaluate(p, alpha, beta, out);
          if (calls.length === 2) controller.abort();
        },
      };
      const grid = await computeGrid(aborting, plane, { ...axes, signal: controller.signal });
      expect(calls).toHaveLength(2);
      expect(grid.y).toEqual([]);
      expect(grid.complete).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });

  it("takes whole rows at once when points are quick", async () => {
    const clock = { now: 0 };
    const spy = vi.spyOn(performance, "now").mockImplementation(() => clock.now);
    try {
      const { evaluator, calls } = slowEvaluator(0.001, clock);
      await computeGrid(evaluator, plane, axes);
      expect(calls).toEqual([1, 4, 5, 5]);
    } finally {
      spy.mockRestore();
    }
  });
});
