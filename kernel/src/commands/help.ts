/** `%help` lists every command; `%help NAME` shows one command's usage, options, body and examples. */
import { escapeHtml, htmlTable, textTable } from "./html";
import { UsageError } from "./parse";
import type { CommandRegistry } from "./registry";
import { displayable } from "./result";
import { usage, type CommandSpec } from "./spec";

export interface CommandHelp {
  name: string;
  summary: string;
  usage: string;
  options: { name: string; description: string; defaultText?: string }[];
  positional: { name: string; description: string }[];
  body?: string;
  examples: string[];
}

export interface HelpResult {
  commands: CommandHelp[];
  /** True when the help is for one command (shown in full). */
  single: boolean;
}

function describe(spec: CommandSpec): CommandHelp {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: usage(spec),
    options: (spec.options ?? []).map((o) => ({
      name: `--${o.name}`,
      description: o.description,
      ...(o.defaultText ? { defaultText: o.defaultText } : {}),
    })),
    positional: (spec.positional ?? []).map((p) => ({ name: p.name, description: p.description })),
    ...(spec.body ? { body: spec.body } : {}),
    examples: spec.examples ?? [],
  };
}

function overviewBundle(result: HelpResult) {
  const rows = result.commands.map((c) => [`%${c.name}`, c.summary]);
  const caption = "deltalab commands (%help NAME for one)";
  return {
    "text/html": htmlTable(["command", "what it does"], rows, caption),
    "text/plain": textTable(["command", "what it does"], rows, caption),
  };
}

function singleBundle(help: CommandHelp) {
  const plain = [`%${help.name}: ${help.summary}`, `usage: ${help.usage}`];
  const html = [
    `<p><b>%${escapeHtml(help.name)}</b>: ${escapeHtml(help.summary)}</p>`,
    `<pre>${escapeHtml(help.usage)}</pre>`,
  ];
  const rows = [
    ...help.positional.map((p) => [p.name, p.description]),
    ...help.options.map((o) => [
      o.name,
      o.defaultText ? `${o.description} (default ${o.defaultText})` : o.description,
    ]),
  ];
  if (rows.length > 0) {
    plain.push(textTable(["argument", "meaning"], rows));
    html.push(htmlTable(["argument", "meaning"], rows));
  }
  if (help.body) {
    plain.push(`cell body: ${help.body}`);
    html.push(`<p>Cell body: ${escapeHtml(help.body)}</p>`);
  }
  if (help.examples.length > 0) {
    plain.push("examples:", ...help.examples.map((e) => `  ${e}`));
    html.push(`<p>Examples:</p><pre>${escapeHtml(help.examples.join("\n"))}</pre>`);
  }
  return { "text/html": html.join("\n"), "text/plain": plain.join("\n") };
}

/** Help for every command, or for the command `name` (with or without its %). */
export function help(registry: CommandRegistry, name?: string): HelpResult {
  if (name === undefined) {
    return displayable({ commands: registry.all().map(describe), single: false }, overviewBundle);
  }
  const bare = name.replace(/^%+/, "");
  const spec = registry.get(bare);
  if (!spec) {
    const names = registry
      .all()
      .map((s) => s.name)
      .join(", ");
    throw new UsageError(`there is no command %${bare}; the commands are ${names}`);
  }
  return displayable({ commands: [describe(spec)], single: true }, (result) =>
    singleBundle(result.commands[0] ?? describe(spec)),
  );
}

export function helpSpec(registry: CommandRegistry): CommandSpec {
  return {
    name: "help",
    summary: "list the commands, or show one command's usage and options",
    positional: [{ name: "COMMAND", description: "the command to explain", optional: true }],
    examples: ["%help", "%help train"],
    run: async (args) => help(registry, args.positional[0]),
  };
}
