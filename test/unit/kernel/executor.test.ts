import { afterEach, describe, expect, it } from "vitest";
import { CellExecutor, type ExecutionResult } from "../../../kernel/src/execution/executor";
import { CellModules } from "../../../kernel/src/execution/modules";
import { quotePropertyNames } from "../../../kernel/src/tslab";

let executor: CellExecutor | undefined;

afterEach(() => {
  executor?.close();
  executor = undefined;
});

/** Runs the cells in order on one executor and returns the last cell's result. */
async function run(...cells: string[]): Promise<ExecutionResult> {
  const unused = () => ({});
  const builtins = { deltalab: unused, "@deltalab/core": unused, "@deltalab/shaders": unused };
  executor = new CellExecutor(new CellModules(process.cwd(), builtins));
  let result: ExecutionResult = { status: "ok", hasValue: false };
  for (const [i, cell] of cells.entries()) {
    executor.beginCell();
    result = await executor.execute(cell, i + 1);
    if (result.status === "error") throw new Error(`cell ${i + 1} failed: ${result.error.evalue}`);
  }
  return result;
}

describe("cells that use an earlier cell's variables", () => {
  it("destructure an earlier object with renamed properties", async () => {
    expect(
      await run("const o = { a: 1, b: 2 };", "const { a: first, b: second } = o; first * 10 + second"),
    ).toEqual({ status: "ok", hasValue: true, value: 12 });
  });

  it("put an earlier variable in an object by shorthand", async () => {
    expect(await run("const x = 5;", "({ x, y: 1 })")).toEqual({
      status: "ok",
      hasValue: true,
      value: { x: 5, y: 1 },
    });
  });

  it("assign to an earlier variable through a destructuring assignment", async () => {
    expect(await run("let q = 0;", "({ q } = { q: 7 });", "q")).toEqual({
      status: "ok",
      hasValue: true,
      value: 7,
    });
  });
});

describe("quotePropertyNames", () => {
  it("keeps the line count and leaves other code alone", () => {
    const src = "const { a: b,\n c } = o;\nconst p = { x,\n y: 1 };\no.a;";
    const rewritten = quotePropertyNames(src);
    expect(rewritten).toBe('const { "a": b,\n c } = o;\nconst p = { "x": x,\n y: 1 };\no.a;');
    expect(rewritten.split("\n")).toHaveLength(src.split("\n").length);
  });
});
