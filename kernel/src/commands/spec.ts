/**
 * A command = a typed function plus a thin parser. The spec lists the options a command takes; `parseOptions`
 * turns the words after `%name` into typed values and names what was wrong when they do not fit.
 */
import type { CommandContext } from "./commandContext";
import { UsageError } from "./parse";

export type OptionKind = "string" | "number" | "integer" | "flag" | "choice" | "list";

export interface OptionSpec {
  /** The long name, used as `--name value` or `--name=value`. */
  name: string;
  kind: OptionKind;
  description: string;
  /** For "choice": the accepted values. */
  choices?: readonly string[];
  /** Shown in the usage; the command function applies its own defaults. */
  defaultText?: string;
  /** The value's placeholder in the usage (default from the kind, e.g. NUMBER). */
  metavar?: string;
}

export interface PositionalSpec {
  name: string;
  description: string;
  optional?: boolean;
  /** Takes all remaining words (only the last positional). */
  rest?: boolean;
}

export type OptionValue = string | number | boolean | string[];
export type ParsedOptions = Record<string, OptionValue | undefined>;

export interface ParsedArgs {
  positional: string[];
  options: ParsedOptions;
  body?: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  positional?: PositionalSpec[];
  options?: OptionSpec[];
  /** What the body of a `%%name` cell is, when the command takes one. */
  body?: string;
  examples?: string[];
  run(args: ParsedArgs, context: CommandContext): Promise<unknown>;
}

/** `--as NAME`, which every command that produces a value accepts. */
export const AS_OPTION: OptionSpec = {
  name: "as",
  kind: "string",
  description: "bind the result to this variable for later cells",
  metavar: "NAME",
};

export function usage(spec: CommandSpec): string {
  const positional = (spec.positional ?? []).map((p) => {
    const name = p.rest ? `${p.name}...` : p.name;
    return p.optional ? `[${name}]` : name;
  });
  const options = (spec.options ?? []).map((o) =>
    o.kind === "flag" ? `[--${o.name}]` : `[--${o.name} ${valueName(o)}]`,
  );
  return [`%${spec.name}`, ...positional, ...options].join(" ");
}

function valueName(option: OptionSpec): string {
  if (option.metavar) return option.metavar;
  if (option.kind === "choice") return (option.choices ?? []).join("|");
  if (option.kind === "list") return "A,B,...";
  return option.kind === "string" ? "VALUE" : option.kind.toUpperCase();
}

function convert(option: OptionSpec, raw: string): OptionValue {
  switch (option.kind) {
    case "number": {
      const value = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(value))
        throw new UsageError(`--${option.name} must be a number, got ${JSON.stringify(raw)}`);
      return value;
    }
    case "integer": {
      const value = Number(raw);
      if (!/^[-+]?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
        throw new UsageError(`--${option.name} must be an integer, got ${JSON.stringify(raw)}`);
      }
      return value;
    }
    case "choice":
      if (!(option.choices ?? []).includes(raw)) {
        throw new UsageError(
          `--${option.name} must be one of ${(option.choices ?? []).join(", ")}; got ${JSON.stringify(raw)}`,
        );
      }
      return raw;
    case "list": {
      const items = raw.split(",").map((item) => item.trim());
      if (items.some((item) => item === ""))
        throw new UsageError(`--${option.name} must be a comma-separated list, got ${JSON.stringify(raw)}`);
      return items;
    }
    default:
      return raw;
  }
}

/** Parses the words of an invocation against a spec. */
export function parseOptions(spec: CommandSpec, words: string[], body?: string): ParsedArgs {
  const options: ParsedOptions = {};
  const positional: string[] = [];
  const known = new Map((spec.options ?? []).map((option) => [option.name, option]));
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? "";
    if (!word.startsWith("--") || word === "--") {
      positional.push(word);
      continue;
    }
    const equals = word.indexOf("=");
    const name = word.slice(2, equals < 0 ? undefined : equals);
    const option = known.get(name);
    if (!option) {
      const names = [...known.keys()].map((n) => `--${n}`).join(", ");
      throw new UsageError(
        `unknown option --${name}${names ? `; options are ${names}` : "; this command takes no options"}`,
      );
    }
    if (name in options) throw new UsageError(`--${name} given twice`);
    if (option.kind === "flag") {
      if (equals >= 0) throw new UsageError(`--${name} is a flag and takes no value`);
      options[name] = true;
      continue;
    }
    const raw = equals >= 0 ? word.slice(equals + 1) : words[++i];
    if (raw === undefined) throw new UsageError(`--${name} needs a value (${valueName(option)})`);
    options[name] = convert(option, raw);
  }
  const expected = spec.positional ?? [];
  const required = expected.filter((p) => !p.optional).length;
  if (positional.length < required) {
    const missing = expected.slice(positional.length, required).map((p) => p.name);
    throw new UsageError(`missing ${missing.join(", ")}`);
  }
  if (positional.length > expected.length && !expected[expected.length - 1]?.rest) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positional[expected.length])}`);
  }
  if (body !== undefined && !spec.body)
    throw new UsageError(`%${spec.name} takes no cell body; use %${spec.name} on a line`);
  return body === undefined ? { positional, options } : { positional, options, body };
}

/** Typed accessors for parsed option values (the spec guarantees the kind). */
export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.options[name];
  return typeof value === "string" ? value : undefined;
}

export function numberOption(args: ParsedArgs, name: string): number | undefined {
  const value = args.options[name];
  return typeof value === "number" ? value : undefined;
}

export function flagOption(args: ParsedArgs, name: string): boolean {
  return args.options[name] === true;
}

export function listOption(args: ParsedArgs, name: string): string[] | undefined {
  const value = args.options[name];
  return Array.isArray(value) ? value : undefined;
}
