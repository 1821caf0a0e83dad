/**
 * What code running in a cell can reach of its kernel: where displays go and the interrupt signal of the running
 * cell. The kernel binds it once at start (one kernel per process); outside a kernel (a plain Node script using
 * the `deltalab` module) displays print their text/plain and nothing is ever interrupted.
 */
import { randomUUID } from "node:crypto";
import { bundleOf, type DisplayOptions, type MimeBundle, type Outputs } from "./display";

export interface CellContext {
  readonly outputs: Outputs;
  /** The interrupt signal of the cell running now. */
  signal(): AbortSignal;
  /**
   * Runs long synchronous work so that an interrupt stops it (throwing; the signal is then aborted). Only for work
   * whose partial state nobody keeps, e.g. an optimizer run on its own copy of the parameters.
   */
  runInterruptibly<T>(work: () => T): T;
}

const standalone: CellContext = {
  outputs: {
    display: (bundle) => console.log(String(bundle["text/plain"] ?? "")),
    clear: () => undefined,
    stream: (name, text) => (name === "stdout" ? process.stdout : process.stderr).write(text),
  },
  signal: () => new AbortController().signal,
  runInterruptibly: (work) => work(),
};

let bound: CellContext = standalone;

export function bindCellContext(context: CellContext): void {
  bound = context;
}

export function cellContext(): CellContext {
  return bound;
}

/** One display that can be replaced in place, e.g. a progress table. */
export class DisplayHandle {
  readonly id: string = randomUUID();
  private shown = false;

  constructor(private readonly outputs: Outputs) {}

  /** Shows `bundle` the first time, then replaces it in place. */
  show(bundle: MimeBundle, options: Omit<DisplayOptions, "displayId" | "update"> = {}): void {
    this.outputs.display(bundle, { ...options, displayId: this.id, update: this.shown });
    this.shown = true;
  }
}

/** Shows any value: its own mime bundle (`[Symbol.for("Jupyter.display")]`) or its plain text. */
export async function display(value: unknown, context: CellContext = cellContext()): Promise<void> {
  context.outputs.display(await bundleOf(value));
}

/** A display that later calls replace in place. */
export function newDisplay(context: CellContext = cellContext()): DisplayHandle {
  return new DisplayHandle(context.outputs);
}

/** Clears the cell's output (at once, or with `wait` when the next output arrives). */
export function clearOutput(wait = false, context: CellContext = cellContext()): void {
  context.outputs.clear(wait);
}

/** The interrupt signal of the running cell: long loops in cells check `interruptSignal().aborted`. */
export function interruptSignal(context: CellContext = cellContext()): AbortSignal {
  return context.signal();
}
