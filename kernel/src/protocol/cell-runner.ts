/** What the protocol layer needs from the layers below it: run cells, stop them, and answer editor questions. */
import type { MimeBundle, Outputs } from "../execution/display";
import type { ExecutionResult } from "../execution/executor";

export interface IsCompleteResult {
  status: "complete" | "incomplete" | "invalid" | "unknown";
  indent?: string;
}

export interface Completion {
  matches: string[];
  cursor_start: number;
  cursor_end: number;
}

export interface CellRunner {
  /** Runs a cell (TypeScript, commands, or both); output goes to `outputs`, the last value comes back. */
  run(code: string, executionCount: number, outputs: Outputs): Promise<ExecutionResult>;
  /** Evaluates one expression in the cells' namespace (for user_expressions); no commands, no history. */
  evaluate(expression: string, executionCount: number): Promise<ExecutionResult>;
  /** Stops the running cell (cooperatively for asynchronous work). */
  interrupt(): void;
  isComplete(code: string): IsCompleteResult;
  complete(code: string, cursor: number): Completion;
  /** Help for the name at `cursor` (TypeScript quick info, or a command's usage), or undefined. */
  inspect(code: string, cursor: number): MimeBundle | undefined;
  /** Forgets all variables (used by a restart in place). */
  close(): void;
}
