import { describe, expect, it } from "vitest";
import { parseCommandLine, splitArgs, splitCell, UsageError } from "../../../kernel/src/commands/parse";

describe("splitArgs", () => {
  it("splits on whitespace", () => {
    expect(splitArgs("  a  b\tc ")).toEqual(["a", "b", "c"]);
  });

  it("keeps quoted words together and drops the quotes", () => {
    expect(splitArgs(`--title "two words" 'x y'`)).toEqual(["--title", "two words", "x y"]);
  });

  it("honours backslash escapes outside and inside double quotes", () => {
    expect(splitArgs(`a\\ b "say \\"hi\\""`)).toEqual(["a b", `say "hi"`]);
  });

  it("keeps an empty quoted word", () => {
    expect(splitArgs(`a "" b`)).toEqual(["a", "", "b"]);
  });

  it("rejects an unclosed quote", () => {
    expect(() => splitArgs(`"open`)).toThrow(UsageError);
  });
});

describe("parseCommandLine", () => {
  it("reads the name and the words", () => {
    expect(parseCommandLine("%train model --epochs 3", 4)).toEqual({
      name: "train",
      args: ["model", "--epochs", "3"],
      line: 4,
    });
  });

  it("is undefined for TypeScript", () => {
    expect(parseCommandLine("const x = 10 % 3;")).toBeUndefined();
  });
});

describe("splitCell", () => {
  it("makes a %% cell one command whose body is the rest of the cell", () => {
    const parts = splitCell("%%derive --wrt w\nz = w*x\nr = z^2");
    expect(parts).toEqual([
      {
        kind: "command",
        invocation: { name: "derive", args: ["--wrt", "w"], line: 0, body: "z = w*x\nr = z^2" },
      },
    ]);
  });

  it("runs command lines and code in order, code keeping its first line number", () => {
    const parts = splitCell("const a = 1;\n%help\nconst b = 2;\nb");
    expect(parts.map((p) => p.kind)).toEqual(["code", "command", "code"]);
    expect(parts[2]).toEqual({ kind: "code", code: "const b = 2;\nb", firstLine: 2 });
  });

  it("leaves a cell without commands as one code part", () => {
    expect(splitCell("let x = 5 % 2;\nx")).toEqual([
      { kind: "code", code: "let x = 5 % 2;\nx", firstLine: 0 },
    ]);
  });
});
