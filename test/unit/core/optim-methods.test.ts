import { describe, expect, it } from "vitest";
import {
  backtracking,
  bfgs,
  brentSearch,
  conjugateGradient,
  fixedStepDescent,
  gradientDescent,
  lbfgs,
  linearConjugateGradient,
  runMethod,
  type Objective,
} from "@deltalab/core";
import { beale, conditionedQuadratic, himmelblau, rosenbrock, sixHumpCamel } from "@deltalab/core";

/** f = 1/2 x^T A x - b^T x for a random SPD A = Q^T Q + shift I. */
function randomQuadratic(n: number, seed: number, shift = 0.1) {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  const Q = Array.from({ length: n * n }, rand);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let t = i === j ? shift : 0;
      for (let k = 0; k < n; k++) t += Q[k * n + i] * Q[k * n + j];
      A[i * n + j] = t;
    }
  const b = Float64Array.from({ length: n }, rand);
  const objective: Objective = {
    dim: n,
    value: (x) => objective.valueAndGradient(x, new Float64Array(n)),
    valueAndGradient(x, g) {
      let f = 0;
      for (let i = 0; i < n; i++) {
        let ax = 0;
        for (let j = 0; j < n; j++) ax += A[i * n + j] * x[j];
        g[i] = ax - b[i];
        f += 0.5 * x[i] * ax - b[i] * x[i];
      }
      return f;
    },
  };
  return { A, b, objective };
}

describe("linear conjugate gradient", () => {
  it("solves an SPD system in at most n steps (eq. 156-161)", () => {
    const n = 8;
    const { A, b } = randomQuadratic(n, 7, 1);
    const r = linearConjugateGradient(A, b, { tolerance: 1e-12, maxIterations: n });
    expect(r.converged).toBe(true);
    expect(r.iterations).toBeLessThanOrEqual(n);
    for (let i = 0; i < n; i++) {
      let ax = 0;
      for (let j = 0; j < n; j++) ax += A[i * n + j] * r.x[j];
      expect(ax).toBeCloseTo(b[i], 9);
    }
  });

  it("takes as many steps as A has distinct eigenvalues", () => {
    // A = diag(1, 1, 4, 4, 4, 9): three distinct eigenvalues, so r_3 = 0.
    const diagonal = [1, 1, 4, 4, 4, 9];
    const r = linearConjugateGradient(
      (v, out) => diagonal.forEach((a, i) => (out[i] = a * v[i])),
      Float64Array.from([1, 2, 3, 4, 5, 6]),
      { tolerance: 1e-13 },
    );
    expect(r.iterations).toBe(3);
  });

  it("reports an indefinite operator instead of dividing by d^T A d <= 0", () => {
    const r = linearConjugateGradient(Float64Array.from([1, 0, 0, -1]), Float64Array.from([0, 1]));
    expect(r.positiveDefinite).toBe(false);
  });
});

describe("batch methods on the picture surfaces", () => {
  const methods = () => [
    gradientDescent(),
    conjugateGradient({ beta: "fletcher-reeves" }),
    conjugateGradient({ beta: "polak-ribiere+" }),
    conjugateGradient({ beta: "hestenes-stiefel" }),
    bfgs(),
    lbfgs({ memory: 5 }),
  ];
  for (const make of [rosenbrock, himmelblau, beale, sixHumpCamel, () => conditionedQuadratic(50)]) {
    const problem = make();
    it(`every line-searched method reaches a minimum of ${problem.name}`, () => {
      for (const method of methods()) {
        const isGd = method.name.startsWith("gradient descent");
        const r = runMethod(problem, problem.start, method, {
          gradientTolerance: 1e-7,
          maxIterations: isGd ? 20000 : 500,
        });
        expect(r.converged, `${method.name}: ${r.message}`).toBe(true);
        const nearest = Math.min(...problem.minimizers.map((m) => Math.hypot(m[0] - r.x[0], m[1] - r.x[1])));
        // Six-hump camel has local minima too; its customary start lies in the basin of a global one.
        expect(nearest, method.name).toBeLessThan(1e-4);
        expect(r.f).toBeCloseTo(problem.minimum, 8);
      }
    });
  }

  it("BFGS needs fewer iterations than steepest descent on Rosenbrock", () => {
    const p = rosenbrock();
    const a = runMethod(p, p.start, bfgs(), { gradientTolerance: 1e-6 });
    const b = runMethod(p, p.start, gradientDescent(), { gradientTolerance: 1e-6, maxIterations: 20000 });
    expect(a.iterations * 10).toBeLessThan(b.iterations);
  });
});

describe("quasi-Newton agreement", () => {
  it("L-BFGS with m >= n takes the same iterates as BFGS on a quadratic with exact line searches", () => {
    const n = 6;
    const { objective } = randomQuadratic(n, 3);
    const x0 = Float64Array.from([1, -1, 0.5, 2, 0, -0.3]);
    const exact = () => brentSearch({ derivatives: true, tolerance: 1e-12 });
    const options = { gradientTolerance: 1e-9, maxIterations: n + 2 };
    const a = runMethod(objective, x0, bfgs({ lineSearch: exact() }), options);
    const b = runMethod(objective, x0, lbfgs({ memory: n, lineSearch: exact() }), options);
    expect(a.trajectory.length).toBe(b.trajectory.length);
    for (let k = 0; k < a.trajectory.length; k++) {
      for (let i = 0; i < n; i++) expect(b.trajectory[k].x[i]).toBeCloseTo(a.trajectory[k].x[i], 6);
    }
    // and both finish in about n steps, as CG would (quadratic termination).
    expect(a.iterations).toBeLessThanOrEqual(n + 1);
  });
});

describe("the driver", () => {
  it("stops with 'diverged' on a step that makes f infinite and returns the last finite iterate", () => {
    const p = conditionedQuadratic(10);
    const r = runMethod(p, p.start, fixedStepDescent(0.5), { maxIterations: 10000 });
    expect(r.reason).toBe("diverged");
    expect(r.converged).toBe(false);
    expect(Number.isFinite(r.f)).toBe(true);
    expect(r.f).toBeCloseTo(p.value(r.x), 12);
  });

  it("stops with 'diverged' when the objective returns NaN", () => {
    const nanAfter: Objective = {
      dim: 1,
      value: (x) => (x[0] < -5 ? NaN : x[0]),
      valueAndGradient(x, g) {
        g[0] = 1;
        return this.value(x);
      },
    };
    const r = runMethod(nanAfter, Float64Array.from([0]), fixedStepDescent(1));
    expect(r.reason).toBe("diverged");
    expect(r.x[0]).toBe(-5);
  });

  it("counts every evaluation and records the trajectory thinned on request", () => {
    const p = rosenbrock();
    let calls = 0;
    const counted: Objective = {
      dim: 2,
      value: (x) => (calls++, p.value(x)),
      valueAndGradient: (x, g) => (calls++, p.valueAndGradient(x, g)),
    };
    const r = runMethod(counted, p.start, bfgs(), { trajectoryEvery: 5 });
    expect(r.functionEvaluations).toBe(calls);
    expect(r.trajectory[0].iteration).toBe(0);
    expect(r.trajectory.slice(1, -1).every((t) => t.iteration % 5 === 0)).toBe(true);
    expect(r.trajectory[r.trajectory.length - 1].iteration).toBe(r.iterations);
  });

  it("lets a callback stop the run and honours the iteration budget", () => {
    const p = rosenbrock();
    const seen: number[] = [];
    const r = runMethod(p, p.start, lbfgs(), {
      callback: (info) => (seen.push(info.iteration), info.iteration === 3 ? false : undefined),
    });
    expect(r.reason).toBe("stopped by callback");
    expect(seen).toEqual([1, 2, 3]);
    const q = runMethod(p, p.start, gradientDescent({ lineSearch: backtracking() }), { maxIterations: 7 });
    expect(q.reason).toBe("iteration budget");
    expect(q.iterations).toBe(7);
  });

  it("rejects a starting point of the wrong length", () => {
    expect(() => runMethod(rosenbrock(), new Float64Array(3), bfgs())).toThrow(/x0 has length 3.*dim = 2/);
  });
});
