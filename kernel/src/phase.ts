/**
 * Where the main thread is, shared with the control thread through a SharedArrayBuffer so that an interrupt can
 * pick the right tool:
 * - UNDER_VM: a cell's synchronous part runs under vm with breakOnSigint; SIGINT stops it (and is sent again if it
 *   arrived before vm was listening, e.g. during compilation);
 * - AWAITING_CELL: the executor awaits an asynchronous cell; a thread blocked now is blocked in the cell's own code
 *   after an `await`, which may be terminated without touching the kernel's frames;
 * - OUTSIDE_VM: the kernel's own work (compiling, commands, messages), which is never terminated.
 */
export const OUTSIDE_VM = 0;
export const UNDER_VM = 1;
export const AWAITING_CELL = 2;

export type Phase = typeof OUTSIDE_VM | typeof UNDER_VM | typeof AWAITING_CELL;

/**
 * Shared between threads: slot 0 the phase, slot 1 the serial number of the cell begun last, which the control
 * thread sends with an interrupt so that the main thread applies it to that cell only (see `readCellSerial`).
 */
export type PhaseCell = Int32Array;

export function createPhaseCell(): PhaseCell {
  return new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
}

export function setPhase(cell: PhaseCell | undefined, phase: Phase): void {
  if (cell) Atomics.store(cell, 0, phase);
}

export function readPhase(cell: PhaseCell): number {
  return Atomics.load(cell, 0);
}

/** Numbers a new cell (the main thread, when a cell begins); returns its serial number. */
export function nextCellSerial(cell: PhaseCell | undefined, previous: number): number {
  const serial = previous + 1;
  if (cell) Atomics.store(cell, 1, serial);
  return serial;
}

/**
 * The cell an interrupt is for. The control thread sends it with the interrupt's message, so that an interrupt that
 * reaches the main thread after its cell has ended (and the next has begun) stops nothing.
 */
export function readCellSerial(cell: PhaseCell): number {
  return Atomics.load(cell, 1);
}
