/**
 * Errors of a cell as the messaging spec wants them: ename, evalue and a traceback whose lines point at the
 * cell's own lines (not at the JavaScript the converter emitted).
 */
import { inspect } from "node:util";
import { dirname } from "node:path";
import type { Diagnostic } from "../tslab";

/** Frames inside the kernel itself are left out of tracebacks. */
const KERNEL_DIR = dirname(__dirname);

export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** The error for type or syntax errors found before the cell ran. */
export function diagnosticsError(cell: string, diagnostics: Diagnostic[]): CellError {
  const lines = cell.split("\n");
  const traceback: string[] = [];
  for (const diagnostic of diagnostics) {
    const where = diagnostic.fileName ? `${diagnostic.fileName} ` : "";
    traceback.push(
      `${where}line ${diagnostic.start.line + 1}, column ${diagnostic.start.character + 1}: ${diagnostic.messageText}`,
    );
    const source = diagnostic.fileName ? undefined : lines[diagnostic.start.line];
    if (source !== undefined) {
      traceback.push(`    ${source}`);
      traceback.push(`    ${" ".repeat(diagnostic.start.character)}^`);
    }
  }
  const first = diagnostics[0];
  return {
    ename: "TypeScriptError",
    evalue: first ? `line ${first.start.line + 1}: ${first.messageText}` : "the cell does not compile",
    traceback,
  };
}

const SIGINT_CODE = "ERR_SCRIPT_EXECUTION_INTERRUPTED";

/** Whether `error` is vm's "interrupted by SIGINT" (code run with breakOnSigint). */
export function isSigintError(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === SIGINT_CODE;
}

/** The error for an interrupted cell. */
export function interruptedError(): CellError {
  return {
    ename: "Interrupted",
    evalue: "the cell was interrupted",
    traceback: ["Interrupted: the cell was interrupted"],
  };
}

export interface CellSource {
  /** The name cells' frames carry in stack traces. */
  filename: string;
  /** The cell's TypeScript source. */
  cell: string;
  /** For each line of the running script (0-based), the 0-based cell line, or -1. */
  lineMap: number[];
}

/** The error for a value thrown while the cell ran, with frames in the cell rewritten to cell lines. */
export function thrownError(thrown: unknown, source?: CellSource): CellError {
  if (!(thrown instanceof Error)) {
    const text = inspect(thrown);
    return { ename: "Thrown", evalue: text, traceback: [`Thrown: ${text}`] };
  }
  const ename = thrown.name || "Error";
  const evalue = thrown.message;
  const traceback = [`${ename}: ${evalue}`];
  const cellLines = source ? source.cell.split("\n") : [];
  for (const frame of (thrown.stack ?? "").split("\n").slice(1)) {
    if (!frame.trimStart().startsWith("at ")) continue;
    if (source && frame.includes(source.filename)) {
      const rewritten = rewriteCellFrame(frame, source, cellLines);
      if (rewritten !== undefined) traceback.push(rewritten);
    } else if (!frame.includes("node:") && !frame.includes(KERNEL_DIR)) {
      traceback.push(frame);
    }
  }
  return { ename, evalue, traceback: foldRepeats(traceback) };
}

/** Runs of one frame repeated (a runaway recursion) shown once, then how often it repeats, as Python does. */
function foldRepeats(lines: string[]): string[] {
  const folded: string[] = [];
  for (let i = 0; i < lines.length; ) {
    let j = i + 1;
    while (j < lines.length && lines[j] === lines[i]) j++;
    folded.push(lines[i]);
    if (j - i > 2) folded.push(`    [the frame above repeated ${j - i - 1} more times]`);
    else if (j - i === 2) folded.push(lines[i]);
    i = j;
  }
  return folded;
}

function rewriteCellFrame(frame: string, source: CellSource, cellLines: string[]): string | undefined {
  const position = new RegExp(`${escapeRegExp(source.filename)}:(\\d+):(\\d+)`).exec(frame);
  if (!position) return frame;
  const scriptLine = Number(position[1]) - 1;
  const cellLine = source.lineMap[scriptLine] ?? -1;
  const name = /at (?:async )?([^\s(]+) \(/.exec(frame)?.[1];
  const inWhat = name && !name.startsWith("eval") ? ` in ${name}` : "";
  if (cellLine < 0) return inWhat ? `    at ${source.filename}${inWhat}` : undefined;
  return `    at ${source.filename}, line ${cellLine + 1}${inWhat}: ${(cellLines[cellLine] ?? "").trim()}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
