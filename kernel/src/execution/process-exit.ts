/**
 * `process.exit()` called from a cell (or a library a cell uses) would end the kernel and lose every variable of
 * the session. As IPython does with `sys.exit()`, the kernel refuses it: the call throws a `ProcessExit` error,
 * which fails the cell that made it (or, from a timer, is reported as a stray error) and the kernel goes on. A
 * restart or a shutdown from Jupyter still ends the process, through the exit kept here.
 */

export class ProcessExit extends Error {
  override name = "ProcessExit";

  constructor(readonly code: number | string | undefined) {
    super(
      `process.exit(${code ?? ""}) would end the kernel and lose every variable; the kernel keeps running. ` +
        "Use Kernel > Restart Kernel for a fresh start, or Kernel > Shut Down Kernel to end it.",
    );
  }
}

/** Replaces `process.exit` with the refusing version; returns the real exit, for the kernel's own use. */
export function refuseProcessExit(): (code?: number) => never {
  const exit = process.exit.bind(process) as (code?: number) => never;
  process.exit = ((code?: number | string) => {
    throw new ProcessExit(code);
  }) as typeof process.exit;
  return exit;
}
