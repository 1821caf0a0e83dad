import { describe, expect, it } from "vitest";
import {
  backtracking,
  brentSearch,
  goldenSectionSearch,
  strongWolfe,
  type LineFunction,
  type LineTrial,
} from "@deltalab/core";

/** A recording slice from closed-form phi and phi'. */
function slice(phi: (a: number) => number, dphi: (a: number) => number) {
  const trials: LineTrial[] = [];
  const line: LineFunction = {
    phi(a) {
      const p = phi(a);
      trials.push({ alpha: a, phi: p, dphi: NaN });
      return p;
    },
    phiAndDerivative(a) {
      const r = { phi: phi(a), dphi: dphi(a) };
      trials.push({ alpha: a, ...r });
      return r;
    },
  };
  return { line, trials };
}

// phi(a) = (a - 2)^2 + 0.3 sin(3a): one minimizer near 2, phi'(0) < 0.
const phi = (a: number) => (a - 2) ** 2 + 0.3 * Math.sin(3 * a);
const dphi = (a: number) => 2 * (a - 2) + 0.9 * Math.cos(3 * a);
const phi0 = phi(0);
const dphi0 = dphi(0);

describe("line searches", () => {
  it("backtracking returns a step satisfying the Armijo condition (eq. 187)", () => {
    const { line } = slice(phi, dphi);
    const r = backtracking({ c1: 0.3 }).search(line, phi0, dphi0, 10);
    expect(r.success).toBe(true);
    expect(r.alpha).toBeLessThan(10);
    expect(r.phi).toBeLessThanOrEqual(phi0 + 0.3 * r.alpha * dphi0);
  });

  it("backtracking treats a NaN phi as too long a step", () => {
    const { line } = slice((a) => (a > 1 ? NaN : phi(a)), dphi);
    const r = backtracking().search(line, phi0, dphi0, 8);
    expect(r.success).toBe(true);
    expect(r.alpha).toBeLessThanOrEqual(1);
  });

  it("strong Wolfe returns a step satisfying both strong Wolfe conditions (eq. 189-190)", () => {
    for (const [c2, start] of [
      [0.9, 1e-3],
      [0.1, 1e-3],
      [0.1, 50],
      [0.9, 50],
    ]) {
      const { line, trials } = slice(phi, dphi);
      const r = strongWolfe({ c2 }).search(line, phi0, dphi0, start);
      expect(r.success).toBe(true);
      expect(r.phi).toBeLessThanOrEqual(phi0 + 1e-4 * r.alpha * dphi0);
      expect(Math.abs(dphi(r.alpha))).toBeLessThanOrEqual(c2 * Math.abs(dphi0));
      expect(trials.length).toBeGreaterThan(0);
      expect(trials.every((t) => t.phi === phi(t.alpha) && t.dphi === dphi(t.alpha))).toBe(true);
    }
  });

  it("strong Wolfe recovers from an infinite phi beyond the first trial", () => {
    const { line } = slice(
      (a) => (a > 3 ? Infinity : phi(a)),
      (a) => (a > 3 ? NaN : dphi(a)),
    );
    const r = strongWolfe().search(line, phi0, dphi0, 100);
    expect(r.success).toBe(true);
    expect(Math.abs(dphi(r.alpha))).toBeLessThanOrEqual(0.9 * Math.abs(dphi0));
  });

  it("golden section and both Brent variants solve phi'(alpha) = 0 (eq. 119)", () => {
    // Reference minimizer by Newton's method on phi'.
    let a = 2;
    for (let i = 0; i < 50; i++) a -= dphi(a) / (2 - 2.7 * Math.sin(3 * a));
    for (const search of [goldenSectionSearch(), brentSearch(), brentSearch({ derivatives: true })]) {
      const { line } = slice(phi, dphi);
      const r = search.search(line, phi0, dphi0, 0.1);
      expect(r.success, search.name).toBe(true);
      expect(r.alpha, search.name).toBeCloseTo(a, 6);
      expect(r.phi).toBeLessThanOrEqual(phi(a) + 1e-12);
    }
  });

  it("Brent with parabolic steps needs fewer evaluations than golden section on a smooth slice", () => {
    const count = (search: ReturnType<typeof brentSearch>) => {
      const { line, trials } = slice(phi, dphi);
      search.search(line, phi0, dphi0, 0.1);
      return trials.length;
    };
    expect(count(brentSearch())).toBeLessThan(count(goldenSectionSearch()));
  });

  it("rejects an ascent direction and bad constants", () => {
    const { line } = slice(phi, dphi);
    expect(() => strongWolfe().search(line, phi0, 1, 1)).toThrow(/not a descent direction/);
    expect(() => strongWolfe({ c1: 0.5, c2: 0.4 })).toThrow(/c2 must lie/);
    expect(() => backtracking({ c1: 2 })).toThrow(/c1 must lie/);
  });
});
