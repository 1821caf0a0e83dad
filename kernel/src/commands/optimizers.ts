/**
 * Optimizers by name for %train, %race and %surface: the built-in first-order transforms (optim/transform.ts),
 * the built-in batch methods (optim/minimize.ts), or a notebook variable holding either — a GradientTransform
 * (`init`/`update`) or a Method (`initialState`/`updateState`) written in a cell is used exactly like a built-in.
 */
import {
  adam,
  adamw,
  methods,
  rmsprop,
  sgd,
  type GradientTransform,
  type IterateState,
  type Method,
  type MethodName,
} from "@deltalab/core";
import type { CommandContext } from "./commandContext";
import { UsageError } from "./parse";

export const TRANSFORM_NAMES = ["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop"] as const;
export type TransformName = (typeof TRANSFORM_NAMES)[number];
export const METHOD_NAMES = Object.keys(methods) as MethodName[];

export type Optimizer =
  | { kind: "transform"; label: string; transform: GradientTransform }
  | { kind: "method"; label: string; method: Method<IterateState> | MethodName };

/** A built-in first-order transform with step size `lr` (default 0.01 for SGD-like ones, 0.001 for Adam-like). */
export function builtinTransform(name: TransformName, lr?: number): GradientTransform {
  switch (name) {
    case "sgd":
      return sgd({ step: lr ?? 0.01 });
    case "momentum":
      return sgd({ step: lr ?? 0.01, momentum: 0.9 });
    case "nesterov":
      return sgd({ step: lr ?? 0.01, momentum: 0.9, nesterov: true });
    case "adam":
      return adam({ step: lr ?? 0.001 });
    case "adamw":
      return adamw({ step: lr ?? 0.001 });
    case "rmsprop":
      return rmsprop({ step: lr ?? 0.001 });
  }
}

export function isGradientTransform(value: unknown): value is GradientTransform {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as Partial<GradientTransform>).init === "function" &&
    typeof (value as Partial<GradientTransform>).update === "function"
  );
}

export function isMethod(value: unknown): value is Method<IterateState> {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as Partial<Method>).initialState === "function" &&
    typeof (value as Partial<Method>).updateState === "function"
  );
}

/**
 * Resolves an optimizer name: a built-in transform, a built-in batch method (unless `transformsOnly`), or a
 * variable of the notebook holding a transform or a method. The label is always the name given, never the
 * method's own name, so that two configured variants of one method (`fixedStep`, `heavyBall`, both SGD) are told
 * apart in tables and legends, and a run requested later from a surface view resolves the same variable again.
 */
export function resolveOptimizer(
  name: string,
  context: CommandContext,
  options: { lr?: number; transformsOnly?: boolean } = {},
): Optimizer {
  if ((TRANSFORM_NAMES as readonly string[]).includes(name)) {
    return { kind: "transform", label: name, transform: builtinTransform(name as TransformName, options.lr) };
  }
  if (!options.transformsOnly && (METHOD_NAMES as string[]).includes(name)) {
    return { kind: "method", label: name, method: name as MethodName };
  }
  if (context.names().includes(name)) {
    const value = context.lookup(name);
    if (isGradientTransform(value)) return { kind: "transform", label: name, transform: value };
    if (!options.transformsOnly && isMethod(value)) return { kind: "method", label: name, method: value };
    const wanted = options.transformsOnly
      ? "a GradientTransform (init, update)"
      : "a GradientTransform (init, update) or a Method (initialState, updateState)";
    throw new UsageError(`${name} is not an optimizer: expected ${wanted}`);
  }
  const builtins = options.transformsOnly ? [...TRANSFORM_NAMES] : [...TRANSFORM_NAMES, ...METHOD_NAMES];
  throw new UsageError(
    `unknown optimizer ${JSON.stringify(name)}: use one of ${builtins.join(", ")} or a variable holding one`,
  );
}
