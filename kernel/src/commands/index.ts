/** Every command of the kernel, in one registry (`%help` lists them). */
import { deriveSpec } from "./derive";
import { helpSpec } from "./help";
import { CommandRegistry } from "./registry";

export function createCommandRegistry(): CommandRegistry {
  const registry = new CommandRegistry([deriveSpec]);
  registry.add(helpSpec(registry));
  return registry;
}

export { CommandRegistry, CommandUsageError } from "./registry";
export { UsageError } from "./parse";
