/**
 * The timers a cell sees. A callback a cell hands to setTimeout, setInterval or setImmediate runs later, outside the
 * cell, where nothing would stop an endless loop in it: an interrupt would find the thread blocked in no cell, and
 * terminating that JavaScript from the control thread takes Node down ("async hook stack has become corrupted").
 * So each callback runs as a cell's synchronous part does, under vm with breakOnSigint (`run`): an interrupt stops
 * it, a line on stderr (the output of the cell running, or of the last one) names it, an interrupted interval is
 * cleared, and the kernel goes on. The line is written at once rather than thrown, so that it reaches the cell that
 * the same interrupt fails before that cell's reply.
 *
 * A timer belongs to the cell that was current when it was set: once that cell is interrupted, its callback no
 * longer runs (an interval is cleared), so that an interrupted `while (true) { await sleep(5) }` stops for good
 * instead of looping on unseen. An interrupt between cells interrupts no cell (executor.ts), so it leaves the
 * timers of finished cells running.
 *
 * The cell's code gets these as its own `setTimeout`, `setInterval` and `setImmediate` (parameters of the function
 * the cell is compiled into), so the kernel's own timers and the libraries' are untouched. The handles are Node's.
 */
import { promisify } from "node:util";
import { isSigintError } from "./errors";

export interface CellTimers {
  setTimeout: typeof setTimeout;
  setInterval: typeof setInterval;
  setImmediate: typeof setImmediate;
}

type Callback = (...args: unknown[]) => unknown;

/**
 * `run` runs its work under vm with breakOnSigint and throws vm's SIGINT error when interrupted; `cellSignal` is
 * the interrupt signal of the current cell.
 */
export function interruptibleTimers(
  run: (work: () => unknown) => unknown,
  cellSignal: () => AbortSignal,
): CellTimers {
  const guarded = (what: string, callback: unknown, args: unknown[], onInterrupt?: () => void): unknown => {
    // Anything but a function goes to Node unchanged, so that it throws its own TypeError.
    if (typeof callback !== "function") return callback;
    const owner = cellSignal();
    return () => {
      if (owner.aborted) {
        onInterrupt?.();
        return;
      }
      try {
        run(() => (callback as Callback)(...args));
      } catch (error) {
        if (!isSigintError(error)) throw error;
        onInterrupt?.();
        const cleared = onInterrupt ? "; the interval is cleared" : "";
        process.stderr.write(`Interrupted: a ${what} callback set by a cell was interrupted${cleared}\n`);
      }
    };
  };
  const timeout = (callback: unknown, ms?: number, ...args: unknown[]) =>
    setTimeout(guarded("setTimeout", callback, args) as Callback, ms);
  const interval = (callback: unknown, ms?: number, ...args: unknown[]) => {
    const handle: NodeJS.Timeout = setInterval(
      guarded("setInterval", callback, args, () => clearInterval(handle)) as Callback,
      ms,
    );
    return handle;
  };
  const immediate = (callback: unknown, ...args: unknown[]) =>
    setImmediate(guarded("setImmediate", callback, args) as Callback);
  // util.promisify(setTimeout) in a cell gives Node's promise form, as it would without the wrapper.
  for (const [wrapper, original] of [
    [timeout, setTimeout],
    [immediate, setImmediate],
  ] as const) {
    Object.defineProperty(wrapper, promisify.custom, {
      value: (original as unknown as Record<symbol, unknown>)[promisify.custom],
    });
  }
  return {
    setTimeout: timeout as unknown as typeof setTimeout,
    setInterval: interval as unknown as typeof setInterval,
    setImmediate: immediate as unknown as typeof setImmediate,
  };
}
