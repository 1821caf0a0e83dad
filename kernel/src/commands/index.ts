/** Every command of the kernel, in one registry (`%help` lists them). */
import { dataSpec } from "./data";
import { deriveSpec } from "./derive";
import { gradcheckSpec } from "./gradcheck";
import { matricesSpec } from "./matrices";
import { modelSpec } from "./model";
import { trainSpec } from "./train";
import { helpSpec } from "./help";
import { CommandRegistry } from "./registry";

export function createCommandRegistry(): CommandRegistry {
  const registry = new CommandRegistry([
    dataSpec,
    deriveSpec,
    gradcheckSpec,
    matricesSpec,
    modelSpec,
    trainSpec,
  ]);
  registry.add(helpSpec(registry));
  return registry;
}

export { CommandRegistry, CommandUsageError } from "./registry";
export { UsageError } from "./parse";
