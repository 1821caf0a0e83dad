/** Every command of the kernel, in one registry (`%help` lists them). */
import { benchSpec } from "./bench";
import { checkSpec } from "./check";
import { dataSpec } from "./data";
import { deriveSpec } from "./derive";
import { gradcheckSpec } from "./gradcheck";
import { matricesSpec } from "./matrices";
import { modelSpec } from "./model";
import { raceSpec } from "./race";
import { StepSessions, stepSpec } from "./step";
import { SurfaceSessions, surfaceSpec } from "./surface";
import { trainSpec } from "./train";
import { tuneSpec } from "./tune";
import { helpSpec } from "./help";
import { CommandRegistry } from "./registry";

/**
 * The registry; surfaces shown by %surface and %race are kept in `sessions` for runs asked for by their views, and
 * steppers shown by %step in `steps` (when given) for the edits their views send.
 */
export function createCommandRegistry(
  sessions: SurfaceSessions = new SurfaceSessions(),
  steps?: StepSessions,
): CommandRegistry {
  const registry = new CommandRegistry([
    benchSpec(),
    checkSpec,
    dataSpec,
    deriveSpec,
    gradcheckSpec,
    matricesSpec,
    modelSpec,
    raceSpec(sessions),
    surfaceSpec(sessions),
    stepSpec(steps),
    trainSpec,
    tuneSpec,
  ]);
  registry.add(helpSpec(registry));
  return registry;
}

export { CommandRegistry, CommandUsageError } from "./registry";
export { SurfaceSessions } from "./surface";
export { StepSessions } from "./step";
export { UsageError } from "./parse";
