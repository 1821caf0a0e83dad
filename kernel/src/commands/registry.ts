/**
 * The commands a cell can use, and how one invocation runs: its words are parsed against the command's spec,
 * then its function runs. Unknown commands and bad options become a UsageError that carries the usage.
 */
import type { CommandContext } from "./commandContext";
import { UsageError, type CommandInvocation } from "./parse";
import { parseOptions, usage, type CommandSpec } from "./spec";

/** A UsageError that knows which command it concerns, for the message shown to the user. */
export class CommandUsageError extends UsageError {
  constructor(
    readonly problem: string,
    readonly usageText: string,
    readonly commandName?: string,
  ) {
    super(problem);
  }

  /** The lines shown in the cell: what was wrong, then the usage. */
  lines(): string[] {
    const more = this.commandName ? `(%help ${this.commandName} for details)` : "(%help lists the commands)";
    return [`UsageError: ${this.problem}`, `usage: ${this.usageText}`, more];
  }
}

export class CommandRegistry {
  private readonly byName = new Map<string, CommandSpec>();

  constructor(specs: CommandSpec[]) {
    for (const spec of specs) this.add(spec);
  }

  add(spec: CommandSpec): void {
    if (this.byName.has(spec.name)) throw new Error(`two commands are named ${spec.name}`);
    this.byName.set(spec.name, spec);
  }

  get(name: string): CommandSpec | undefined {
    return this.byName.get(name);
  }

  all(): CommandSpec[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Runs one invocation; returns the command's result (which displays itself). */
  async run(invocation: CommandInvocation, context: CommandContext): Promise<unknown> {
    const spec = this.byName.get(invocation.name);
    if (!spec) {
      const names = this.all()
        .map((s) => `%${s.name}`)
        .join(", ");
      throw new CommandUsageError(
        `there is no command %${invocation.name}; the commands are ${names}`,
        "%help [COMMAND]",
      );
    }
    let args;
    try {
      args = parseOptions(spec, invocation.args, invocation.body);
    } catch (error) {
      if (error instanceof UsageError) throw new CommandUsageError(error.message, usage(spec), spec.name);
      throw error;
    }
    try {
      return await spec.run(args, context);
    } catch (error) {
      if (error instanceof UsageError && !(error instanceof CommandUsageError)) {
        throw new CommandUsageError(error.message, usage(spec), spec.name);
      }
      throw error;
    }
  }
}
