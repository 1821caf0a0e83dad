/** Every command of the kernel, in one registry (`%help` lists them). */
import { dataSpec } from "./data";
import { deriveSpec } from "./derive";
import { gradcheckSpec } from "./gradcheck";
import { matricesSpec } from "./matrices";
import { modelSpec } from "./model";
import { raceSpec } from "./race";
import { SurfaceSessions, surfaceSpec } from "./surface";
import { trainSpec } from "./train";
import { tuneSpec } from "./tune";
import { helpSpec } from "./help";
import { CommandRegistry } from "./registry";

/** The registry; surfaces shown by %surface and %race are kept in `sessions` for runs asked for by their views. */
export function createCommandRegistry(sessions: SurfaceSessions = new SurfaceSessions()): CommandRegistry {
  const registry = new CommandRegistry([
    dataSpec,
    deriveSpec,
    gradcheckSpec,
    matricesSpec,
    modelSpec,
    raceSpec(sessions),
    surfaceSpec(sessions),
    trainSpec,
    tuneSpec,
  ]);
  registry.add(helpSpec(registry));
  return registry;
}

export { CommandRegistry, CommandUsageError } from "./registry";
export { SurfaceSessions } from "./surface";
export { UsageError } from "./parse";
