/**
 * Parsing of IPython-style commands: `%name args` on a line, `%%name args` heading a cell whose other lines are
 * the command's body. Arguments split like a shell's: whitespace separates, single or double quotes group,
 * a backslash escapes the next character inside double quotes or outside quotes.
 */

/** Raised for input that a command cannot take; the message says what was wrong, the usage is added by the caller. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface CommandInvocation {
  name: string;
  args: string[];
  /** The lines after a `%%name` heading; undefined for a `%name` line. */
  body?: string;
  /** 0-based line of the cell where the command starts. */
  line: number;
}

/** One part of a cell: TypeScript to run, or a command. */
export type CellPart =
  | { kind: "code"; code: string; firstLine: number }
  | { kind: "command"; invocation: CommandInvocation };

/** Splits an argument string into words. */
export function splitArgs(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? "";
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === "\\" && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === "\\" && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote) throw new UsageError(`unclosed ${quote} quote in ${JSON.stringify(text)}`);
  if (inWord) words.push(word);
  return words;
}

const COMMAND_LINE = /^%([A-Za-z][\w-]*)(?:\s+(.*))?$/;

/** Parses one `%name args` line (without a second %); undefined when the line is not a command. */
export function parseCommandLine(line: string, lineNumber = 0): CommandInvocation | undefined {
  const match = COMMAND_LINE.exec(line.trim());
  if (!match) return undefined;
  return { name: match[1] ?? "", args: splitArgs(match[2] ?? ""), line: lineNumber };
}

/** Whether a line is a command line (`%name ...`; `%%` only counts on a cell's first line). */
export function isCommandLine(line: string): boolean {
  return COMMAND_LINE.test(line.trim());
}

/**
 * Splits a cell into parts. A cell starting with `%%name` is one command whose body is the rest of the cell.
 * Otherwise each `%name` line is a command and the TypeScript between them is code; code parts keep their
 * line numbers (`firstLine`) so errors point at the cell's own lines.
 */
export function splitCell(cell: string): CellPart[] {
  const lines = cell.split("\n");
  const first = lines.findIndex((line) => line.trim() !== "");
  const heading = first >= 0 ? (lines[first] ?? "").trim() : "";
  if (heading.startsWith("%%")) {
    const invocation = parseCommandLine(heading.slice(1), first);
    if (!invocation)
      throw new UsageError(`${JSON.stringify(heading)} is not a command heading; expected %%name args`);
    return [{ kind: "command", invocation: { ...invocation, body: lines.slice(first + 1).join("\n") } }];
  }
  const parts: CellPart[] = [];
  let code: string[] = [];
  let codeStart = 0;
  const flush = () => {
    if (code.some((line) => line.trim() !== ""))
      parts.push({ kind: "code", code: code.join("\n"), firstLine: codeStart });
    code = [];
  };
  lines.forEach((line, index) => {
    const invocation = parseCommandLine(line, index);
    if (invocation) {
      flush();
      parts.push({ kind: "command", invocation });
      codeStart = index + 1;
    } else {
      if (code.length === 0) codeStart = index;
      code.push(line);
    }
  });
  flush();
  return parts;
}
