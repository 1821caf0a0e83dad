/**
 * What a command may touch: the notebook's variables (read by name, bound with `--as`), where to display, and
 * the interrupt signal of the running cell. The kernel provides one backed by the executor; tests build one from
 * plain objects with `memoryContext`.
 */
import type { MimeBundle, Outputs } from "../execution/display";
import { UsageError } from "./parse";

export interface CommandContext {
  /** The variable `name`; throws a UsageError naming it when there is none. */
  lookup(name: string): unknown;
  /** Binds `value` to `name` for later cells, declared with the TypeScript type `typeText`. */
  bind(name: string, value: unknown, typeText: string): void;
  /** Names of the notebook's variables. */
  names(): string[];
  readonly outputs: Outputs;
  readonly signal: AbortSignal;
}

export function missingVariable(name: string): UsageError {
  return new UsageError(
    `there is no variable named ${JSON.stringify(name)}: define it in a cell or bind it with --as`,
  );
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Checks a name given with --as. */
export function checkBindingName(name: string): string {
  if (!IDENTIFIER.test(name))
    throw new UsageError(`--as needs a variable name (letters, digits, _ or $), got ${JSON.stringify(name)}`);
  return name;
}

export interface RecordedOutput {
  bundle: MimeBundle;
  displayId?: string;
  update: boolean;
}

/** A context over a plain object of variables, recording what is displayed (for tests and scripts). */
export function memoryContext(
  variables: Record<string, unknown> = {},
  signal: AbortSignal = new AbortController().signal,
): CommandContext & { displayed: RecordedOutput[]; declared: Record<string, string> } {
  const displayed: RecordedOutput[] = [];
  const declared: Record<string, string> = {};
  return {
    displayed,
    declared,
    lookup(name) {
      if (!(name in variables)) throw missingVariable(name);
      return variables[name];
    },
    bind(name, value, typeText) {
      variables[checkBindingName(name)] = value;
      declared[name] = typeText;
    },
    names: () => Object.keys(variables),
    outputs: {
      display: (bundle, options = {}) =>
        displayed.push({
          bundle,
          ...(options.displayId ? { displayId: options.displayId } : {}),
          update: options.update === true,
        }),
      clear: () => undefined,
      stream: () => undefined,
    },
    signal,
  };
}
