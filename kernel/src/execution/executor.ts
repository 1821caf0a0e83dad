/**
 * The execution layer: runs one TypeScript cell and says what came of it. It returns the value of the cell's
 * last expression and errors as data (the protocol layer turns them into messages); it writes nothing itself.
 *
 * Cells are type-checked and compiled by tslab's converter, which carries declarations from cell to cell. The
 * compiled code runs in this context through vm with breakOnSigint, so SIGINT stops a synchronous endless loop;
 * an asynchronous cell is raced against the interrupt signal, which long-running commands also watch.
 */
import { Script } from "node:vm";
import {
  AWAITING_CELL,
  nextCellSerial,
  OUTSIDE_VM,
  readPhase,
  setPhase,
  UNDER_VM,
  type Phase,
  type PhaseCell,
} from "../phase";
import { createNodeConverter, quickInfoText, type CompletionInfo, type Converter } from "../tslab";
import { diagnosticsError, interruptedError, isSigintError, thrownError, type CellError } from "./errors";
import { mapEmittedLines } from "./lines";
import type { CellModules } from "./modules";
import { interruptibleTimers } from "./timers";

export type ExecutionResult =
  | { status: "ok"; hasValue: true; value: unknown }
  | { status: "ok"; hasValue: false }
  | { status: "error"; error: CellError };

/** The global slot through which a compiled cell reaches its exports and require. */
const CELL_SLOT = "deltalab.cell";
/**
 * The cell's code goes on the line after this prefix, so script line i + 1 is emitted line i. The outer function
 * gives the cell its interruptible timers (execution/timers.ts); the cell may still declare names of its own.
 */
const scriptPrefix = (isAsync: boolean) =>
  `(function (setTimeout, setInterval, setImmediate) { return (${isAsync ? "async " : ""}function (exports, require) {\n`;
const cellSlot = `globalThis[Symbol.for("${CELL_SLOT}")]`;
const scriptSuffix = `\n})(${cellSlot}.exports, ${cellSlot}.require); })(${cellSlot}.timers.setTimeout, ${cellSlot}.timers.setInterval, ${cellSlot}.timers.setImmediate)`;
/** The global slot through which `runInterruptibly` hands its work to the script that runs it. */
const WORK_SLOT = "deltalab.interruptible";
const runWork = new Script(`globalThis[Symbol.for("${WORK_SLOT}")]()`, { filename: "deltalab-command" });

/** The cell's variables: TypeScript emits `Object.defineProperty` for re-exported imports, kept rewritable here. */
function createLocals(): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  return new Proxy(values, {
    defineProperty(_target, property, attributes) {
      if (property === "__esModule") return true;
      values[property as string] = attributes.get ? attributes.get() : attributes.value;
      return true;
    },
  });
}

export class CellExecutor {
  /** Variables defined by cells so far, by name. */
  readonly locals = createLocals();
  /** Made on first use (see `warmUp`): creating it type-checks the standard library, a second or more. */
  private converterInstance: Converter | undefined;
  private previousDeclarations = "";
  private interruption = new AbortController();
  private cellSerial = 0;
  private running = false;

  /** @param phase set to UNDER_VM while a cell's synchronous part runs under vm (read by the control thread) */
  constructor(
    private readonly modules: CellModules,
    private readonly phase?: PhaseCell,
  ) {
    const timers = interruptibleTimers(
      (work) => this.runInterruptibly(work),
      () => this.signal,
    );
    Object.defineProperty(globalThis, Symbol.for(CELL_SLOT), {
      value: { exports: this.locals, require: modules.require, timers },
      configurable: true,
    });
  }

  private get converter(): Converter {
    this.converterInstance ??= createNodeConverter();
    return this.converterInstance;
  }

  /**
   * Creates the converter and compiles a first cell, so that the first real cell does not wait for them. The kernel
   * calls it once it has answered Jupyter's first requests: start-up is not held up by the compiler.
   */
  warmUp(): void {
    if (this.warm) return;
    this.converter.convert("", "0");
  }

  /** Whether the converter has been made. */
  get warm(): boolean {
    return this.converterInstance !== undefined;
  }

  /** Aborted when the running cell is interrupted; long loops check it between steps. */
  get signal(): AbortSignal {
    return this.interruption.signal;
  }

  /** Interrupts the running cell; with no cell running (between cells) it does nothing. */
  interrupt(): void {
    if (this.running) this.interruption.abort();
  }

  /**
   * Runs synchronous work of the kernel's own (an optimizer run of a command, which computes on its own copies) so
   * that SIGINT stops it as it stops a cell's loop: under vm with breakOnSigint, which keeps process.on("SIGINT")
   * listeners from running, so the interrupt signal is aborted here. Throws the interruption error.
   */
  runInterruptibly<T>(work: () => T): T {
    const slots = globalThis as unknown as Record<symbol, unknown>;
    const slot = Symbol.for(WORK_SLOT);
    const previous = slots[slot];
    const phase = this.phase ? (readPhase(this.phase) as Phase) : OUTSIDE_VM;
    slots[slot] = work;
    setPhase(this.phase, UNDER_VM);
    try {
      return runWork.runInThisContext({ breakOnSigint: true }) as T;
    } catch (error) {
      if (isSigintError(error)) this.interrupt();
      throw error;
    } finally {
      setPhase(this.phase, phase);
      slots[slot] = previous;
    }
  }

  /** Starts a new cell: a fresh interrupt signal for everything the cell runs. */
  beginCell(): void {
    this.interruption = new AbortController();
    this.cellSerial = nextCellSerial(this.phase, this.cellSerial);
    this.running = true;
  }

  /** Ends the cell begun last: an interrupt from now on finds no cell to stop, and leaves its timers running. */
  endCell(): void {
    this.running = false;
  }

  /** Interrupts the cell numbered `serial` (phase.ts) if it is still the current one. */
  interruptCell(serial: number): void {
    if (serial === this.cellSerial) this.interrupt();
  }

  /**
   * Binds `value` to the variable `name` with the TypeScript type `typeText`, as if a cell had declared it, so
   * later cells both see and type-check it. A previous variable of that name is replaced.
   */
  declare(name: string, typeText: string, value: unknown): void {
    const converted = this.converter.convert(this.previousDeclarations, `let ${name}: ${typeText};`);
    if (converted.diagnostics.length > 0) {
      const message = converted.diagnostics.map((d) => d.messageText).join("; ");
      throw new Error(`cannot declare ${name}: ${typeText}: ${message}`);
    }
    this.previousDeclarations = converted.declOutput ?? this.previousDeclarations;
    this.locals[name] = value;
  }

  /** Runs one cell of TypeScript; call beginCell first. */
  async execute(code: string, cellNumber: number): Promise<ExecutionResult> {
    const converted = this.converter.convert(this.previousDeclarations, code);
    if (converted.sideOutputs) this.modules.updateSideOutputs(converted.sideOutputs);
    if (converted.diagnostics.length > 0) {
      return { status: "error", error: diagnosticsError(code, converted.diagnostics) };
    }
    if (!converted.output) {
      this.previousDeclarations = converted.declOutput ?? "";
      return { status: "ok", hasValue: false };
    }
    const filename = `cell[${cellNumber}]`;
    const source = {
      filename,
      cell: code,
      lineMap: [-1, ...mapEmittedLines(code, converted.output, converted.lastExpressionVar)],
    };
    const script = `${scriptPrefix(converted.hasToplevelAwait === true)}${converted.output}${scriptSuffix}`;
    try {
      const compiled = new Script(script, { filename });
      let completion: unknown;
      setPhase(this.phase, UNDER_VM);
      try {
        completion = compiled.runInThisContext({ breakOnSigint: true });
      } finally {
        setPhase(this.phase, OUTSIDE_VM);
      }
      if (converted.hasToplevelAwait) {
        setPhase(this.phase, AWAITING_CELL);
        try {
          await this.raceInterrupt(completion);
        } finally {
          setPhase(this.phase, OUTSIDE_VM);
        }
      }
    } catch (error) {
      if (isSigintError(error) || error === this.interruption.signal.reason) {
        return { status: "error", error: interruptedError() };
      }
      return { status: "error", error: thrownError(error, source) };
    }
    this.previousDeclarations = converted.declOutput ?? "";
    const name = converted.lastExpressionVar;
    if (name === undefined || !(name in this.locals)) return { status: "ok", hasValue: false };
    const value = this.locals[name];
    delete this.locals[name];
    return value === undefined ? { status: "ok", hasValue: false } : { status: "ok", hasValue: true, value };
  }

  private raceInterrupt(completion: unknown): Promise<unknown> {
    const signal = this.interruption.signal;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      Promise.resolve(completion)
        .then(resolve, reject)
        .finally(() => signal.removeEventListener("abort", onAbort));
    });
  }

  /** The TypeScript quick info (hover text) at `cursor`, or undefined when there is none. */
  inspect(code: string, cursor: number): string | undefined {
    const info = this.converter.inspect(this.previousDeclarations, code, cursor);
    return info ? quickInfoText(info) : undefined;
  }

  complete(code: string, cursor: number): CompletionInfo {
    return this.converter.complete(this.previousDeclarations, code, cursor);
  }

  /** Forgets every variable and declaration (a fresh namespace, as after a restart). */
  reset(): void {
    this.previousDeclarations = "";
    for (const name of Object.keys(this.locals)) delete this.locals[name];
  }

  close(): void {
    this.converterInstance?.close();
  }
}
