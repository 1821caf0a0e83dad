/**
 * Joins the execution layer and the commands into the protocol's CellRunner: a cell's `%command` lines run as
 * commands, the TypeScript between them runs in the executor, in order; the last part's value is the cell's.
 */
import { hasSyntaxErrors, isCompleteCode } from "./tslab";
import { thrownError } from "./execution/errors";
import type { MimeBundle, Outputs } from "./execution/display";
import type { CellExecutor, ExecutionResult } from "./execution/executor";
import { missingVariable, type CommandContext } from "./commands/commandContext";
import { splitCell, UsageError, type CellPart } from "./commands/parse";
import { CommandUsageError, type CommandRegistry } from "./commands/registry";
import { usage } from "./commands/spec";
import type { CellRunner, Completion, IsCompleteResult } from "./protocol/cell-runner";

const NO_VALUE: ExecutionResult = { status: "ok", hasValue: false };

function usageFailure(error: UsageError): ExecutionResult {
  const lines = error instanceof CommandUsageError ? error.lines() : [`UsageError: ${error.message}`];
  return { status: "error", error: { ename: "UsageError", evalue: error.message, traceback: lines } };
}

function interrupted(evalue: string): ExecutionResult {
  return { status: "error", error: { ename: "Interrupted", evalue, traceback: [`Interrupted: ${evalue}`] } };
}

export class DeltalabRunner implements CellRunner {
  constructor(
    private readonly executor: CellExecutor,
    /** The commands, asked for only when a cell or a completion needs them (they load the whole engine). */
    private readonly commandRegistry: () => CommandRegistry,
  ) {}

  private commands(): CommandRegistry {
    return this.commandRegistry();
  }

  /** The context commands run in: the executor's variables, the cell's outputs and interrupt signal. */
  commandContext(outputs: Outputs): CommandContext {
    const executor = this.executor;
    return {
      lookup: (name) => {
        if (!(name in executor.locals)) throw missingVariable(name);
        return executor.locals[name];
      },
      bind: (name, value, typeText) => executor.declare(name, typeText, value),
      names: () => Object.keys(executor.locals),
      outputs,
      get signal() {
        return executor.signal;
      },
    };
  }

  async run(code: string, executionCount: number, outputs: Outputs): Promise<ExecutionResult> {
    this.executor.beginCell();
    try {
      return await this.runParts(code, executionCount, outputs);
    } finally {
      this.executor.endCell();
    }
  }

  private async runParts(code: string, executionCount: number, outputs: Outputs): Promise<ExecutionResult> {
    let parts: CellPart[];
    try {
      parts = splitCell(code);
    } catch (error) {
      if (error instanceof UsageError) return usageFailure(error);
      throw error;
    }
    if (parts.every((part) => part.kind === "code")) return this.executor.execute(code, executionCount);
    let result = NO_VALUE;
    for (const part of parts) {
      if (part.kind === "code") {
        // Blank lines in place of the lines before the part keep the cell's line numbers in errors.
        result = await this.executor.execute("\n".repeat(part.firstLine) + part.code, executionCount);
      } else {
        result = await this.runCommand(part, outputs);
      }
      if (result.status === "error") return result;
    }
    return result;
  }

  private async runCommand(
    part: Extract<CellPart, { kind: "command" }>,
    outputs: Outputs,
  ): Promise<ExecutionResult> {
    try {
      const value = await this.commands().run(part.invocation, this.commandContext(outputs));
      if (this.executor.signal.aborted)
        return interrupted("the command stopped early; what it had done is kept");
      return value === undefined ? NO_VALUE : { status: "ok", hasValue: true, value };
    } catch (error) {
      if (this.executor.signal.aborted) return interrupted("the command was interrupted");
      if (error instanceof UsageError) return usageFailure(error);
      return { status: "error", error: thrownError(error) };
    }
  }

  evaluate(expression: string, executionCount: number): Promise<ExecutionResult> {
    return this.executor.execute(`(${expression}\n)`, executionCount);
  }

  /** Interrupts the cell with this serial number (phase.ts) if it still runs. */
  interruptCell(serial: number): void {
    this.executor.interruptCell(serial);
  }

  interrupt(): void {
    this.executor.interrupt();
  }

  isComplete(code: string): IsCompleteResult {
    const trimmed = code.trimStart();
    if (trimmed.startsWith("%%"))
      return /\n\s*\n$/.test(code) ? { status: "complete" } : { status: "incomplete", indent: "" };
    if (trimmed.startsWith("%") && !trimmed.includes("\n")) return { status: "complete" };
    const result = isCompleteCode(code);
    if (!result.completed) return { status: "incomplete", indent: result.indent ?? "" };
    return hasSyntaxErrors(code) ? { status: "invalid" } : { status: "complete" };
  }

  complete(code: string, cursor: number): Completion {
    const lineStart = code.lastIndexOf("\n", cursor - 1) + 1;
    const command = /^%%?([\w-]*)$/.exec(code.slice(lineStart, cursor));
    if (command) {
      const prefix = command[1] ?? "";
      const matches = this.commands()
        .all()
        .map((spec) => spec.name)
        .filter((name) => name.startsWith(prefix));
      return { matches, cursor_start: cursor - prefix.length, cursor_end: cursor };
    }
    const option = /^%%?([\w-]+)\s.*?(--[\w-]*)$/.exec(code.slice(lineStart, cursor));
    const spec = option ? this.commands().get(option[1] ?? "") : undefined;
    if (option && spec) {
      const typed = option[2] ?? "--";
      const matches = (spec.options ?? []).map((o) => `--${o.name}`).filter((name) => name.startsWith(typed));
      return { matches, cursor_start: cursor - typed.length, cursor_end: cursor };
    }
    const info = this.executor.complete(code, cursor);
    return { matches: info.candidates, cursor_start: info.start, cursor_end: info.end };
  }

  inspect(code: string, cursor: number): MimeBundle | undefined {
    const lineStart = code.lastIndexOf("\n", cursor - 1) + 1;
    const command = /^%%?([\w-]+)/.exec(code.slice(lineStart));
    const spec = command ? this.commands().get(command[1] ?? "") : undefined;
    if (spec) return { "text/plain": `%${spec.name}: ${spec.summary}\nusage: ${usage(spec)}` };
    const text = this.executor.inspect(code, cursor);
    return text ? { "text/plain": text } : undefined;
  }

  close(): void {
    this.executor.close();
  }
}
