import { describe, expect, it } from "vitest";
import {
  benchmarkCosts,
  benchmarkOptimizers,
  dataProfile,
  evaluationsToSolve,
  gradientDescent,
  mghProblems,
  performanceProfile,
  sgd,
  type BenchmarkProblem,
  type IterateState,
  type Method,
  type Objective,
} from "@deltalab/core";

describe("performance and data profiles (worked by hand)", () => {
  // Four problems, two solvers; Infinity = not solved. Problem 3 is solved by neither.
  const costs = [
    [10, 20],
    [30, 15],
    [Infinity, 40],
    [Infinity, Infinity],
  ];

  it("Dolan-More rho_s(tau): the share of problems within a factor tau of the best solver", () => {
    // ratios: solver 0 -> 1, 2, inf, inf; solver 1 -> 2, 1, 1, inf
    expect(performanceProfile(costs, [1, 1.5, 2, 10])).toEqual([
      [0.25, 0.25, 0.5, 0.5],
      [0.5, 0.5, 0.75, 0.75],
    ]);
  });

  it("More-Wild d_s(kappa): the share solved within kappa (n_p + 1) evaluations", () => {
    // n_p + 1 = 2, 5, 10, 3: solver 0 needs kappa >= 5 (p0), 6 (p1); solver 1 kappa >= 10 (p0), 3 (p1), 4 (p2).
    expect(dataProfile(costs, [1, 4, 9, 2], [1, 2, 5, 10])).toEqual([
      [0, 0, 0.25, 0.5],
      [0, 0, 0.5, 0.75],
    ]);
  });

  it("More-Wild's convergence test f <= fL + tau (f0 - fL) on a history", () => {
    const point = (evaluations: number, f: number) => ({ evaluations, gradientEvaluations: 0, ms: 0, f });
    const history = [point(1, 10), point(3, 4), point(7, 1.5), point(9, 1)];
    // fL = 1, f0 = 10: tau = 0.7 -> 7.3 (3 evaluations), 0.1 -> 1.9 (7), 1e-3 -> 1.009 (9), never below fL
    expect(evaluationsToSolve(history, 1, 0.7)).toBe(3);
    expect(evaluationsToSolve(history, 1, 0.1)).toBe(7);
    expect(evaluationsToSolve(history, 1, 1e-3)).toBe(9);
    expect(evaluationsToSolve(history, 0.5, 1e-3)).toBe(Infinity);
  });

  it("rejects tables of the wrong shape", () => {
    expect(() => performanceProfile([[1, 2], [3]], [1])).toThrow(/one cost per solver/);
    expect(() => dataProfile([[1]], [1, 2], [1])).toThrow(/one dimension per problem/);
  });
});

/** A second count of distinct evaluation points, kept by the test's own wrapper. */
function countingObjective(inner: Objective) {
  const seen = new Set<string>();
  const objective: Objective = {
    dim: inner.dim,
    value: (x) => (seen.add(JSON.stringify(Array.from(x))), inner.value(x)),
    valueAndGradient: (x, g) => (seen.add(JSON.stringify(Array.from(x))), inner.valueAndGradient(x, g)),
  };
  return { objective, seen };
}

describe("benchmarkOptimizers", () => {
  const mgh = mghProblems();
  const rosenbrock = mgh.find((p) => p.number === 1)!;
  const beale = mgh.find((p) => p.number === 5)!;

  it("runs built-in, configured and transform solvers on every problem and counts evaluations independently", () => {
    const counters = [countingObjective(rosenbrock), countingObjective(beale)];
    const problems: BenchmarkProblem[] = [
      { name: "rosenbrock", objective: counters[0].objective, start: rosenbrock.start, minimum: 0 },
      { name: "beale", objective: counters[1].objective, start: beale.start, minimum: 0 },
    ];
    const result = benchmarkOptimizers(
      problems,
      [
        { name: "bfgs", solver: "bfgs" },
        { name: "descent", solver: gradientDescent() },
        { name: "sgd", solver: sgd({ step: 1e-4 }) },
      ],
      { gradientTolerance: 1e-6, maxIterations: 300 },
    );
    expect(result.complete).toBe(true);
    expect(result.runs).toHaveLength(6);
    expect(result.solvers).toEqual(["bfgs", "descent", "sgd"]);
    // each run's count equals the distinct points a second wrapper saw when the solver runs alone
    for (const [s, solver] of (["bfgs", gradientDescent(), sgd({ step: 1e-4 })] as const).entries()) {
      const alone = countingObjective(rosenbrock);
      const single = benchmarkOptimizers(
        [{ name: "rosenbrock", objective: alone.objective, start: rosenbrock.start }],
        [{ name: "one", solver }],
        { gradientTolerance: 1e-6, maxIterations: 300 },
      );
      expect(single.runs[0].evaluations).toBe(alone.seen.size);
      expect(single.runs[0].evaluations).toBe(
        result.runs.find((r) => r.problem === 0 && r.solver === s)!.evaluations,
      );
    }
    expect(counters[0].seen.size).toBeGreaterThan(0);
    const bfgsRosenbrock = result.runs.find((r) => r.problem === 0 && r.solver === 0)!;
    expect(bfgsRosenbrock.f).toBeLessThan(1e-10);
    expect(bfgsRosenbrock.history[0].f).toBeCloseTo(rosenbrock.value(rosenbrock.start), 12);
    expect(bfgsRosenbrock.history.at(-1)!.f).toBe(bfgsRosenbrock.f);
    // the history's lowest f never rises, and its evaluation counts grow
    for (let i = 1; i < bfgsRosenbrock.history.length; i++) {
      expect(bfgsRosenbrock.history[i].f).toBeLessThan(bfgsRosenbrock.history[i - 1].f);
      expect(bfgsRosenbrock.history[i].evaluations).toBeGreaterThan(
        bfgsRosenbrock.history[i - 1].evaluations,
      );
    }
    // at tau = 1e-3 BFGS passes the test on both problems; SGD with a tiny step on neither
    const costs = benchmarkCosts(result, 1e-3);
    expect(Number.isFinite(costs[0][0]) && Number.isFinite(costs[1][0])).toBe(true);
    expect(costs[0][2]).toBe(Infinity);
  });

  it("keeps the finished runs when stopped, and reports a failing solver as a run", () => {
    const broken: Method<IterateState> = {
      name: "broken",
      initialState: () => {
        throw new Error("cell bug");
      },
      updateState: () => ({ progress: false }),
    };
    const problems = [rosenbrock, beale].map((p) => ({ name: p.name, objective: p, start: p.start }));
    const stopped = benchmarkOptimizers(
      problems,
      [
        { name: "broken", solver: broken },
        { name: "lbfgs", solver: "lbfgs" },
      ],
      { onRun: (_run, done) => (done === 3 ? false : undefined) },
    );
    expect(stopped.complete).toBe(false);
    expect(stopped.runs.map((r) => [r.problem, r.solver])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
    ]);
    expect(stopped.runs[0].reason).toBe("error");
    expect(stopped.runs[0].message).toBe("cell bug");
  });

  it("says what a solver must be", () => {
    const p = [{ name: "r", objective: rosenbrock, start: rosenbrock.start }];
    expect(() => benchmarkOptimizers(p, [{ name: "x", solver: {} as never }])).toThrow(
      /initialState, updateState/,
    );
    expect(() => benchmarkOptimizers(p, [{ name: "x", solver: "nope" as never }])).toThrow(
      /unknown method "nope"/,
    );
    expect(() => benchmarkOptimizers([], [{ name: "b", solver: "bfgs" }])).toThrow(/no problems/);
  });
});
