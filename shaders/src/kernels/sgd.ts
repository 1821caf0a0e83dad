/**
 * The plain gradient step theta <- theta - eta g on the device (seed 004 section 5, eq. 121 without momentum), with
 * eta read from a one-element buffer so that a schedule can change it without recompiling.
 * Bindings: params (updated), grad, rate.
 */
import { BindingSpec, Launch, Program } from "../program";
import { entryPoint, sections, storageDeclarations, u32Constants } from "../wgsl";

export interface SgdConfig {
  readonly length: number;
  readonly workgroupSize: number;
}

const BINDINGS: readonly BindingSpec[] = [
  { name: "params", access: "read_write" },
  { name: "grad", access: "read" },
  { name: "rate", access: "read" },
];

function launch(config: SgdConfig): Launch {
  return { global: [config.length, 1, 1], local: [config.workgroupSize, 1, 1] };
}

export const sgdProgram: Program<SgdConfig> = {
  name: "sgd",
  bindings: () => BINDINGS,
  launch,
  source: (config) =>
    sections(
      storageDeclarations(BINDINGS),
      u32Constants({ LENGTH: config.length }),
      entryPoint(
        launch(config).local,
        ["let i = gid.x;", "if (i >= LENGTH) { return; }", "params[i] -= rate[0] * grad[i];"].join("\n"),
      ),
    ),
};
