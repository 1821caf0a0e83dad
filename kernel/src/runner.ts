/**
 * Joins the execution layer and the commands into the protocol's CellRunner: a cell's `%command` lines run as
 * commands, the TypeScript between them runs in the executor, in order; the last part's value is the cell's.
 */
import { hasSyntaxErrors, isCompleteCode } from "./tslab";
import type { MimeBundle, Outputs } from "./execution/display";
import type { CellExecutor, ExecutionResult } from "./execution/executor";
import type { CellRunner, Completion, IsCompleteResult } from "./protocol/runner";

export class DeltalabRunner implements CellRunner {
  constructor(private readonly executor: CellExecutor) {}

  async run(code: string, executionCount: number, _outputs: Outputs): Promise<ExecutionResult> {
    return this.executor.execute(code, executionCount);
  }

  interrupt(): void {
    this.executor.interrupt();
  }

  isComplete(code: string): IsCompleteResult {
    const result = isCompleteCode(code);
    if (!result.completed) return { status: "incomplete", indent: result.indent ?? "" };
    return hasSyntaxErrors(code) ? { status: "invalid" } : { status: "complete" };
  }

  complete(code: string, cursor: number): Completion {
    const info = this.executor.complete(code, cursor);
    return { matches: info.candidates, cursor_start: info.start, cursor_end: info.end };
  }

  inspect(code: string, cursor: number): MimeBundle | undefined {
    const text = this.executor.inspect(code, cursor);
    return text ? { "text/plain": text } : undefined;
  }

  close(): void {
    this.executor.close();
  }
}
