import type { Objective } from "../objective";
import { bfgs } from "./bfgs";
import { runMethod, type IterateState, type Method } from "./driver";
import { gradientDescent } from "./gradient-descent";
import { lbfgs } from "./lbfgs";
import { levenbergMarquardt } from "./levenberg-marquardt";
import { newtonCg } from "./newton-cg";
import { conjugateGradient } from "./nonlinear-cg";
import type { OptimizationResult, StoppingOptions } from "./result";

/** The built-in batch methods by name, each with its default options. */
export const methods = {
  "gradient-descent": () => gradientDescent(),
  "cg-fletcher-reeves": () => conjugateGradient({ beta: "fletcher-reeves" }),
  "cg-polak-ribiere": () => conjugateGradient({ beta: "polak-ribiere+" }),
  "cg-hestenes-stiefel": () => conjugateGradient({ beta: "hestenes-stiefel" }),
  bfgs: () => bfgs(),
  lbfgs: () => lbfgs(),
  "levenberg-marquardt": () => levenbergMarquardt(),
  "newton-cg": () => newtonCg(),
} satisfies Record<string, () => Method<IterateState>>;

export type MethodName = keyof typeof methods;

/**
 * Minimizes `objective` from `x0` with a method value (built-in, configured, or written in a notebook against the
 * {@link Method} interface) or a built-in method's name.
 */
export function minimize<S extends IterateState>(
  objective: Objective,
  x0: Float64Array,
  method: Method<S> | MethodName,
  options: StoppingOptions = {},
): OptimizationResult {
  if (typeof method === "string") {
    const make = methods[method];
    if (!make)
      throw new RangeError(`unknown method "${method}"; expected one of ${Object.keys(methods).join(", ")}`);
    const chosen: Method<IterateState> = make();
    return runMethod(objective, x0, chosen, options);
  }
  return runMethod(objective, x0, method, options);
}
