import { describe, expect, it } from "vitest";
import { bfgs, BFGS_MAX_PARAMETERS, minimize, type Objective } from "../../../core/src/index";

/** f(x) = 1/2 ||x||^2, counting evaluations. */
function sphere(dim: number): Objective & { evaluations: number } {
  return {
    dim,
    evaluations: 0,
    value(x) {
      this.evaluations++;
      return 0.5 * x.reduce((sum, v) => sum + v * v, 0);
    },
    valueAndGradient(x, g) {
      this.evaluations++;
      g.set(x);
      return 0.5 * x.reduce((sum, v) => sum + v * v, 0);
    },
  };
}

describe("BFGS on a problem too large for its dense matrix", () => {
  it("refuses before evaluating anything, naming the size and L-BFGS", () => {
    const n = 61706; // LeNet-5's parameters: a 28 GiB matrix
    const problem = sphere(n);
    expect(() => minimize(problem, new Float64Array(n).fill(1), bfgs())).toThrow(/28\.4 GiB.*L-BFGS/);
    expect(problem.evaluations).toBe(0);
  });

  it("still solves the largest size it accepts", () => {
    const problem = sphere(BFGS_MAX_PARAMETERS);
    const result = minimize(problem, new Float64Array(BFGS_MAX_PARAMETERS).fill(1), bfgs());
    expect(result.f).toBeLessThan(1e-12);
  });
});
