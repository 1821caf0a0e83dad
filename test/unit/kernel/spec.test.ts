import { describe, expect, it } from "vitest";
import { UsageError } from "../../../kernel/src/commands/parse";
import { parseOptions, usage, type CommandSpec } from "../../../kernel/src/commands/spec";

const spec: CommandSpec = {
  name: "demo",
  summary: "a command for tests",
  positional: [{ name: "MODEL", description: "the model" }],
  options: [
    { name: "epochs", kind: "integer", description: "passes" },
    { name: "lr", kind: "number", description: "step size" },
    { name: "optimizer", kind: "choice", choices: ["sgd", "adam"], description: "method" },
    { name: "quiet", kind: "flag", description: "no progress" },
    { name: "with", kind: "list", description: "several" },
  ],
  run: async () => undefined,
};

describe("parseOptions", () => {
  it("converts each kind of option", () => {
    const args = parseOptions(spec, [
      "m",
      "--epochs",
      "3",
      "--lr=0.5",
      "--optimizer",
      "adam",
      "--quiet",
      "--with",
      "a,b",
    ]);
    expect(args).toEqual({
      positional: ["m"],
      options: { epochs: 3, lr: 0.5, optimizer: "adam", quiet: true, with: ["a", "b"] },
    });
  });

  it("names an unknown option and lists the known ones", () => {
    expect(() => parseOptions(spec, ["m", "--epoch", "3"])).toThrow(
      /unknown option --epoch; options are --epochs/,
    );
  });

  it("rejects a fractional integer", () => {
    expect(() => parseOptions(spec, ["m", "--epochs", "2.5"])).toThrow(
      /--epochs must be an integer, got "2.5"/,
    );
  });

  it("rejects a value outside the choices", () => {
    expect(() => parseOptions(spec, ["m", "--optimizer", "lbfgs"])).toThrow(/one of sgd, adam/);
  });

  it("rejects a missing value", () => {
    expect(() => parseOptions(spec, ["m", "--lr"])).toThrow(/--lr needs a value/);
  });

  it("rejects a missing positional argument", () => {
    expect(() => parseOptions(spec, ["--quiet"])).toThrow(/missing MODEL/);
  });

  it("rejects a body for a command that takes none", () => {
    expect(() => parseOptions(spec, ["m"], "body")).toThrow(UsageError);
  });
});

describe("usage", () => {
  it("lists positional arguments and options with their placeholders", () => {
    expect(usage(spec)).toBe(
      "%demo MODEL [--epochs INTEGER] [--lr NUMBER] [--optimizer sgd|adam] [--quiet] [--with A,B,...]",
    );
  });
});
