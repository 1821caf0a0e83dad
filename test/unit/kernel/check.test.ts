import { describe, expect, it } from "vitest";
import { compareAnswer, compareFormula } from "../../../kernel/src/exercises/answer";
import { exercise } from "../../../kernel/src/exercises/exercise";
import { checkSpec } from "../../../kernel/src/commands/check";
import { memoryContext } from "../../../kernel/src/commands/commandContext";
import { CommandRegistry } from "../../../kernel/src/commands/registry";
import { JUPYTER_DISPLAY } from "../../../kernel/src/execution/display";

const sigma = (x: number) => 1 / (1 + Math.exp(-x));

/** The hand-derivation notes' network: f = (w1 z1 + w2 z2 + w3 z3 - y)^2 with z1 = sigma(s.x), z2 = sigma(u.x), z3 = sigma(v.x). */
function loss(p: Record<string, number>): number {
  const z1 = sigma(p.s1! * p.x1! + p.s2! * p.x2!);
  const z2 = sigma(p.u1! * p.x1! + p.u2! * p.x2!);
  const z3 = sigma(p.v1! * p.x1! + p.v2! * p.x2!);
  return (p.w1! * z1 + p.w2! * z2 + p.w3! * z3 - p.y!) ** 2;
}

const Z2 = "sigma(u1*x1 + u2*x2)";
const DFDU1 = `2*(w1*sigma(s1*x1 + s2*x2) + w2*${Z2} + w3*sigma(v1*x1 + v2*x2) - y)*w2*${Z2}*(1 - ${Z2})*x1`;

describe("compareAnswer on numbers", () => {
  it("accepts the CNN lecture's flattened size written as a product", () => {
    expect(compareAnswer("14*14*64", 12544).correct).toBe(true);
  });

  it("rejects a number outside the tolerance and accepts one inside", () => {
    expect(compareAnswer(1.01, 1, { tolerance: { relative: 1e-3 } }).correct).toBe(false);
    expect(compareAnswer(1.0005, 1, { tolerance: { relative: 1e-3 } }).correct).toBe(true);
  });

  it("says a text that is not a number cannot be read, and does not count it as wrong", () => {
    const verdict = compareAnswer("twelve", 12);
    expect(verdict).toMatchObject({ correct: false, readable: false });
    expect(verdict.message).toMatch(/should be a number/);
  });
});

describe("compareAnswer on arrays", () => {
  // The CNN lecture's pooling example: 2x2 max pooling with stride 2 of the 4x4 slice, computed here by hand.
  const slice = [
    [1, 1, 2, 4],
    [5, 6, 7, 8],
    [3, 2, 1, 0],
    [1, 2, 3, 4],
  ];
  const pooled = [0, 1].map((i) =>
    [0, 1].map((j) => Math.max(...[0, 1].flatMap((u) => [0, 1].map((v) => slice[2 * i + u]![2 * j + v]!)))),
  );

  it("accepts the pooled matrix given as JSON text", () => {
    expect(pooled).toEqual([
      [6, 8],
      [3, 4],
    ]);
    expect(compareAnswer("[[6, 8], [3, 4]]", pooled).correct).toBe(true);
  });

  it("names a wrong shape", () => {
    expect(compareAnswer([6, 8, 3, 4], pooled).message).toMatch(/shape is 4; the expected shape is 2x2/);
  });

  it("counts the wrong entries without showing the expected ones", () => {
    const verdict = compareAnswer(
      [
        [6, 8],
        [3, 3],
      ],
      pooled,
    );
    expect(verdict.correct).toBe(false);
    expect(verdict.message).toBe("1 of 4 entries are not the expected values");
  });
});

describe("compareFormula", () => {
  it("proves a rearranged polynomial equal symbolically", () => {
    expect(compareFormula("x^2 - y^2", "(x + y)*(x - y)").message).toBe("right (equal symbolically)");
  });

  it("accepts the homework's df/du1 written with the factor order changed, at random points", () => {
    const rewritten = `x1*w2*(1 - ${Z2})*${Z2}*2*(w3*sigma(v1*x1 + v2*x2) + w2*${Z2} + w1*sigma(s1*x1 + s2*x2) - y)`;
    const verdict = compareFormula(rewritten, DFDU1);
    expect(verdict.correct).toBe(true);
  });

  it("rejects df/du1 without the inner factor x1 (the chain rule stopped one step early)", () => {
    const verdict = compareFormula(DFDU1.replace(/\*x1$/, ""), DFDU1);
    expect(verdict.correct).toBe(false);
    expect(verdict.message).toMatch(/differs from the expected one at \d+ of \d+ random points/);
  });

  it("names a symbol the formula does not have", () => {
    const verdict = compareFormula("2*q*x1", DFDU1);
    expect(verdict).toMatchObject({ correct: false, readable: false });
    expect(verdict.message).toMatch(/uses q/);
  });

  it("reports an unreadable formula without throwing", () => {
    expect(compareFormula("2*(x1", DFDU1).readable).toBe(false);
  });
});

describe("the df/du1 the exercises expect", () => {
  it("is the central difference of the network's loss", () => {
    const point = { w1: 0.7, w2: -1.1, w3: 0.4, s1: 0.3, s2: -0.5, u1: 0.9, u2: 0.2, v1: -0.6, v2: 1.3 };
    const at = { ...point, x1: 1.5, x2: -0.8, y: 0.25 };
    const h = 1e-6;
    const difference = (loss({ ...at, u1: at.u1 + h }) - loss({ ...at, u1: at.u1 - h })) / (2 * h);
    const fn = new Function("sigma", ...Object.keys(at), `return ${DFDU1.replace(/\^/g, "**")};`) as (
      ...args: unknown[]
    ) => number;
    expect(fn(sigma, ...Object.values(at))).toBeCloseTo(difference, 7);
  });
});

describe("exercise", () => {
  const make = () =>
    exercise({
      title: "CNN lecture, 200x200 image: parameters of a fully-connected layer with 400,000 hidden units",
      answer: 200 * 200 * 400000,
      hints: ["every pixel connects to every hidden unit", "multiply the number of pixels by 400,000"],
      solution: "40,000 pixels times 400,000 units is 1.6e10",
    });

  it("walks the hint ladder on wrong answers and keeps the answer back", () => {
    const ex = make();
    const first = ex.check(400000);
    expect(first).toMatchObject({ correct: false, hintNumber: 1, attempts: 1 });
    expect(first.hint).toBe("every pixel connects to every hidden unit");
    const second = ex.check("200*200");
    expect(second.hintNumber).toBe(2);
    const plain = String(second[JUPYTER_DISPLAY]()["text/plain"]);
    expect(plain).toMatch(/^wrong: /);
    expect(plain).not.toContain("16000000000");
    expect(ex.check("16e9")).toMatchObject({ correct: true, attempts: 3 });
  });

  it("does not count a missing answer as a try", () => {
    const ex = make();
    const result = ex.check(undefined);
    expect(result).toMatchObject({ correct: false, readable: false, attempts: 0 });
    expect(String(result[JUPYTER_DISPLAY]()["text/plain"])).toMatch(
      /^not checked: .*\nthere is no answer yet/,
    );
  });

  it("shows the answer only when asked", () => {
    expect(String(make().solution()[JUPYTER_DISPLAY]()["text/plain"])).toContain("answer: 16000000000");
  });

  it("refuses a spec without a title or with an answer of the wrong kind", () => {
    expect(() => exercise({ title: "", answer: 1 })).toThrow(/needs a title/);
    expect(() => exercise({ title: "t", answer: { a: 1 } as unknown as number })).toThrow(/must be a number/);
  });
});

describe("%check", () => {
  const registry = new CommandRegistry([checkSpec]);
  const run = (args: string[], variables: Record<string, unknown>) =>
    registry.run({ name: "check", args, line: 0 }, memoryContext(variables));

  it("checks a formula given after the exercise's name", async () => {
    const ex = exercise({ title: "d/dx of x^2 y", answer: "2*x*y" });
    const result = (await run(["ex", "2*y*x"], { ex })) as { correct: boolean };
    expect(result.correct).toBe(true);
  });

  it("reads the answer from a notebook variable", async () => {
    const ex = exercise({
      title: "pooling",
      answer: [
        [6, 8],
        [3, 4],
      ],
    });
    const result = (await run(["ex", "mine"], {
      ex,
      mine: [
        [6, 8],
        [3, 5],
      ],
    })) as { correct: boolean };
    expect(result.correct).toBe(false);
  });

  it("says so when the name is not an exercise", async () => {
    await expect(run(["x", "1"], { x: 3 })).rejects.toThrow(/x is not an exercise/);
  });

  it("shows the solution with --solution", async () => {
    const ex = exercise({ title: "t", answer: 3, solution: "1 + 2" });
    const result = (await run(["ex", "--solution"], { ex })) as { answer: number };
    expect(result.answer).toBe(3);
  });
});
