/**
 * A one-line progress report for long commands (`%surface` and `%race` on a network), replaced in place as
 * `%train` replaces its curves: what is done of the total and, once a rate is known, the time left. It appears
 * only when the work runs longer than `showAfterMs`, so quick runs (a test surface) print nothing extra, and it
 * is redrawn at most every `updateEveryMs` so a fast loop does not flood the front end.
 */
import { DisplayHandle } from "../execution/cell-context";
import type { Outputs } from "../execution/display";
import { escapeHtml } from "./html";

export interface ProgressOptions {
  /** Show nothing before the work has run this long (default 1000 ms). */
  showAfterMs?: number;
  /** Redraw at most this often (default 250 ms). */
  updateEveryMs?: number;
  /** The clock, in ms (tests pass a fake one). */
  now?: () => number;
}

/** "about 55 s left" from the share done so far and the time it took; empty before anything is done. */
export function timeLeft(done: number, total: number, elapsedMs: number): string {
  if (done <= 0 || total <= done || elapsedMs <= 0) return "";
  const seconds = ((total - done) * elapsedMs) / done / 1000;
  if (seconds < 1) return "under 1 s left";
  if (seconds < 120) return `about ${Math.round(seconds)} s left`;
  return `about ${Math.round(seconds / 60)} min left`;
}

export class ProgressLine {
  private readonly display: DisplayHandle | undefined;
  private readonly started: number;
  private lastShown = Number.NEGATIVE_INFINITY;
  private shown = false;
  private readonly now: () => number;

  constructor(
    outputs: Outputs | undefined,
    private readonly title: string,
    private readonly options: ProgressOptions = {},
  ) {
    this.display = outputs ? new DisplayHandle(outputs) : undefined;
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
  }

  /** Milliseconds since the line was created. */
  elapsedMs(): number {
    return this.now() - this.started;
  }

  /** Reports `text` when the work has run long enough and the last report is old enough. */
  update(text: string): void {
    const now = this.now();
    if (now - this.started < (this.options.showAfterMs ?? 1000)) return;
    if (now - this.lastShown < (this.options.updateEveryMs ?? 250)) return;
    this.lastShown = now;
    this.show(text);
  }

  /** The last report (how it ended), shown only when the line was shown before. */
  finish(text: string): void {
    if (this.shown) this.show(text);
  }

  private show(text: string): void {
    if (!this.display) return;
    const line = `${this.title}: ${text}`;
    this.display.show({ "text/plain": line, "text/html": `<pre>${escapeHtml(line)}</pre>` });
    this.shown = true;
  }
}
