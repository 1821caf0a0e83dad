import { describe, expect, it } from "vitest";
import { derive, parseNetwork, texName } from "../../../kernel/src/commands/derive";
import { UsageError } from "../../../kernel/src/commands/parse";

const point = { w: 0.5, b: -0.1, x: 1.5, t: 0.2 };

describe("derive", () => {
  it("splits one expression into z = w x + b, a = tanh(z) and the output", () => {
    const names = parseNetwork("r = (tanh(w*x + b) - t)^2 / 2").map((d) => d.name);
    expect(names).toEqual(["z1", "a1", "r"]);
  });

  it("gives the closed-form gradient of a tanh neuron's squared error", () => {
    const result = derive("r = (tanh(w*x + b) - t)^2 / 2", { wrt: ["w", "b"], at: point });
    const y = Math.tanh(point.w * point.x + point.b);
    const delta = (y - point.t) * (1 - y * y); // Hedberg eq. 14 with phi = tanh
    expect(result.gradients[0]?.analytic).toBeCloseTo(delta * point.x, 12); // eq. 38
    expect(result.gradients[1]?.analytic).toBeCloseTo(delta, 12); // eq. 39
  });

  it("agrees with its central difference", () => {
    const result = derive("r = (tanh(w*x + b) - t)^2 / 2", { wrt: ["w"], at: point });
    expect(result.gradients[0]?.relativeError).toBeLessThan(1e-8);
  });

  it("sums over both paths when a parameter is used twice", () => {
    const result = derive("z = w*x\nr = z * w", { wrt: ["w"], at: { w: 3, x: 2 } });
    expect(result.gradients[0]?.paths).toHaveLength(2);
    expect(result.gradients[0]?.analytic).toBeCloseTo(2 * 3 * 2, 12); // d(w^2 x)/dw = 2 w x
  });

  it("chains through two layers written as definitions", () => {
    const at = { w1: 0.3, w2: -0.8, x: 1, t: 0.5 };
    const result = derive("z1 = w1*x\ny1 = tanh(z1)\nz2 = w2*y1\nr = (z2 - t)^2 / 2", { wrt: ["w1"], at });
    const y1 = Math.tanh(at.w1 * at.x);
    expect(result.gradients[0]?.analytic).toBeCloseTo((at.w2 * y1 - at.t) * at.w2 * (1 - y1 * y1) * at.x, 12);
  });

  it("names a symbol that has no value", () => {
    expect(() => derive("r = w*x", { wrt: ["w"], at: { w: 1 } })).toThrow(/needs a value for x/);
  });

  it("rejects a parameter that does not occur", () => {
    expect(() => derive("r = w*x", { wrt: ["v"], at: { w: 1, x: 2 } })).toThrow(UsageError);
  });

  it("writes the chain rule as a product of partial derivatives in LaTeX", () => {
    const result = derive("r = (tanh(w*x + b) - t)^2 / 2", { wrt: ["w"], at: point });
    const chain = result.latex[result.latex.length - 1] ?? "";
    expect(chain).toContain(
      "\\frac{\\partial r}{\\partial a_{1}} \\frac{\\partial a_{1}}{\\partial z_{1}} \\frac{\\partial z_{1}}{\\partial w}",
    );
  });
});

describe("texName", () => {
  it("subscripts trailing digits and spells Greek letters", () => {
    expect([texName("w1"), texName("z_2"), texName("alpha"), texName("x")]).toEqual([
      "w_{1}",
      "z_{2}",
      "\\alpha",
      "x",
    ]);
  });
});
