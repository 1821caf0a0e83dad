import { describe, expect, it } from "vitest";
import { ActivationLayer, activation } from "@deltalab/core";

function backwardAt(name: "relu" | "leaky-relu", x: number): number {
  const layer = new ActivationLayer("a", [1], { activation: name, slope: 0.1 });
  const input = Float64Array.from([x]);
  const y = new Float64Array(1);
  const dx = new Float64Array(1);
  layer.forward(new Float64Array(0), input, y, 1);
  layer.backward(new Float64Array(0), input, y, Float64Array.from([1]), dx, new Float64Array(0), 1);
  return dx[0];
}

describe("activations", () => {
  it("takes ReLU'(0) as 0 (Lin, matrix-form slides, after Krizhevsky et al. 2012)", () => {
    expect(backwardAt("relu", 0)).toBe(0);
    expect(backwardAt("relu", 1e-9)).toBe(1);
  });

  it("takes leaky ReLU's derivative at 0 as its slope", () => {
    expect(backwardAt("leaky-relu", 0)).toBe(0.1);
    expect(backwardAt("leaky-relu", -2)).toBe(0.1);
  });

  it("scales LeCun's tanh so that f(1) = 1 and f(-1) = -1 to three decimals (LeCun et al. 1998, appendix A)", () => {
    const f = activation("lecun-tanh");
    expect(f.value(1)).toBeCloseTo(1, 3);
    expect(f.value(-1)).toBeCloseTo(-1, 3);
  });

  it("computes the sigmoid without overflow far from 0", () => {
    const f = activation("sigmoid");
    expect(f.value(-800)).toBe(0);
    expect(f.value(800)).toBe(1);
    expect(f.value(0)).toBe(0.5);
  });

  it("names the known activations when given an unknown one", () => {
    expect(() => activation("swish" as "relu")).toThrow(
      /unknown activation 'swish'; known: identity, sigmoid, tanh/,
    );
  });
});
