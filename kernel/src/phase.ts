/**
 * Where the main thread is, shared with the control thread through a SharedArrayBuffer so that an interrupt can
 * pick the right tool: while a cell's synchronous part runs under vm with breakOnSigint, SIGINT stops it (and is
 * sent again if it arrived before vm was listening); otherwise a blocked thread is running code after an `await`.
 */
export const OUTSIDE_VM = 0;
export const UNDER_VM = 1;

/** A one-slot phase shared between threads. */
export type PhaseCell = Int32Array;

export function createPhaseCell(): PhaseCell {
  return new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
}

export function setPhase(cell: PhaseCell | undefined, phase: typeof OUTSIDE_VM | typeof UNDER_VM): void {
  if (cell) Atomics.store(cell, 0, phase);
}

export function readPhase(cell: PhaseCell): number {
  return Atomics.load(cell, 0);
}
