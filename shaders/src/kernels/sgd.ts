/**
 * The gradient step with momentum on the device (seed 004 eq. 121):
 *
 *   Delta x_k = p Delta x_{k-1} - mu g_k,   x_{k+1} = x_k + Delta x_k,
 *
 * plain gradient descent (eq. 118) when p = 0. mu and p are read from a two-element buffer `rate` = [mu, p], so a
 * schedule can change them without recompiling; `velocity` holds Delta x_{k-1} and is updated in place.
 * Bindings: params (updated), grad, rate, velocity (updated).
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
  { name: "velocity", access: "read_write" },
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
        [
          "let i = gid.x;",
          "if (i >= LENGTH) { return; }",
          "let step = rate[1] * velocity[i] - rate[0] * grad[i];",
          "velocity[i] = step;",
          "params[i] += step;",
        ].join("\n"),
      ),
    ),
};
