/**
 * `%derive`: the chain-rule steps of a small scalar network, in LaTeX, with a numerical check.
 *
 * A network is a list of definitions `name = expression`, the last one the output (e.g. the error r). A single
 * expression is split into a neuron's steps automatically: the argument of every function application becomes
 * z_k and the application a_k = phi(z_k). The derivative of the output with respect to each parameter p is the
 * sum over the paths from the output down to p of the product of local partial derivatives — back-propagation's
 * recursion (seed 004 eq. 14 for the output delta, eq. 16 for the parameter gradient, eqs. 38-39 for a weight
 * and a bias). Local derivatives are symbolic (mathjs `derivative`); the total is checked against a central
 * difference of the output.
 */
import { derivative, isFunctionNode, isSymbolNode, parse, type MathNode } from "./mathjs";
import { escapeHtml, htmlTable, textTable } from "./html";
import { UsageError } from "./parse";
import { displayable } from "./result";
import { AS_OPTION, listOption, numberOption, stringOption, type CommandSpec } from "./spec";
import { checkBindingName } from "./commandContext";

export interface Definition {
  name: string;
  expression: MathNode;
}

export interface LocalDerivative {
  /** d `of` / d `by`. */
  of: string;
  by: string;
  expression: MathNode;
  value: number;
}

export interface GradientCheck {
  parameter: string;
  /** The chain-rule sum, one product of local derivatives per path (names of the factors, top to bottom). */
  paths: LocalDerivative[][];
  analytic: number;
  finiteDifference: number;
  relativeError: number;
}

export interface DeriveResult {
  definitions: Definition[];
  output: string;
  point: Record<string, number>;
  locals: LocalDerivative[];
  gradients: GradientCheck[];
  /** The steps as LaTeX lines (definitions, local derivatives, chain rule per parameter). */
  latex: string[];
}

export interface DeriveOptions {
  /** The parameters to differentiate by. */
  wrt: string[];
  /** Values of every free symbol. */
  at: Record<string, number>;
  /** Step of the central difference (default 1e-6). */
  step?: number;
}

const GREEK = new Set([
  "alpha",
  "beta",
  "gamma",
  "delta",
  "epsilon",
  "eta",
  "theta",
  "lambda",
  "mu",
  "sigma",
  "tau",
  "phi",
  "omega",
]);

/** LaTeX for a variable name: w1 -> w_{1}, alpha -> \alpha, z_2 -> z_{2}. */
export function texName(name: string): string {
  const match = /^([A-Za-z]+?)_?(\d+)$/.exec(name);
  const base = match ? (match[1] ?? name) : name;
  const baseTex = GREEK.has(base) ? `\\${base}` : base.length > 1 ? `\\mathrm{${base}}` : base;
  return match ? `${baseTex}_{${match[2]}}` : baseTex;
}

function tex(node: MathNode): string {
  return node.toTex({
    handler: (inner: MathNode) => (isSymbolNode(inner) ? ` ${texName(inner.name)}` : undefined),
  });
}

function parseExpression(text: string, where: string): MathNode {
  try {
    return parse(text);
  } catch (error) {
    throw new UsageError(`${where}: ${(error as Error).message}`);
  }
}

/** Parses definitions `name = expr` (one per line), or one expression, which is split into z_k / a_k steps. */
export function parseNetwork(source: string): Definition[] {
  const lines = source
    .split(/\n|;/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  if (lines.length === 0)
    throw new UsageError("no expression given; write e.g. r = (tanh(w*x + b) - t)^2 / 2");
  const definitions = lines.map((line, index) => {
    const match = /^([A-Za-z_]\w*)\s*=(?!=)\s*(.+)$/.exec(line);
    if (!match) {
      if (lines.length > 1)
        throw new UsageError(`line ${index + 1} is not a definition "name = expression": ${line}`);
      return { name: "r", expression: parseExpression(line, "the expression") };
    }
    return {
      name: match[1] ?? "",
      expression: parseExpression(match[2] ?? "", `the definition of ${match[1]}`),
    };
  });
  const only = definitions[0];
  return definitions.length === 1 && only ? splitIntoSteps(only) : definitions;
}

function splitIntoSteps(output: Definition): Definition[] {
  const steps: Definition[] = [];
  let k = 0;
  const visit = (node: MathNode): MathNode => {
    const mapped = node.map((child) => visit(child));
    if (!isFunctionNode(mapped) || mapped.args.length !== 1) return mapped;
    const argument = mapped.args[0];
    if (!argument || isSymbolNode(argument)) return mapped;
    k += 1;
    steps.push({ name: `z${k}`, expression: argument });
    const applied = mapped.clone();
    applied.args = [parse(`z${k}`)];
    steps.push({ name: `a${k}`, expression: applied });
    return parse(`a${k}`);
  };
  const top = visit(output.expression);
  steps.push({ name: output.name, expression: top });
  return steps;
}

function symbolsOf(node: MathNode): string[] {
  const names = new Set<string>();
  node.traverse((inner, _path, parent) => {
    const isCallee = parent !== null && isFunctionNode(parent) && parent.fn === inner;
    if (isSymbolNode(inner) && !isCallee) names.add(inner.name);
  });
  return [...names];
}

function evaluate(node: MathNode, scope: Record<string, number>, what: string): number {
  let value: unknown;
  try {
    value = node.evaluate({ ...scope });
  } catch (error) {
    const missing = /Undefined symbol (\w+)/.exec((error as Error).message)?.[1];
    if (missing) throw new UsageError(`${what} needs a value for ${missing}: add ${missing}=VALUE to --at`);
    throw new UsageError(`${what}: ${(error as Error).message}`);
  }
  if (typeof value !== "number") throw new UsageError(`${what} is not a real number at this point`);
  return value;
}

function forward(definitions: Definition[], point: Record<string, number>): Record<string, number> {
  const scope = { ...point };
  for (const { name, expression } of definitions)
    scope[name] = evaluate(expression, scope, `the definition of ${name}`);
  return scope;
}

export function derive(source: string, options: DeriveOptions): DeriveResult {
  const definitions = parseNetwork(source);
  const defined = new Set(definitions.map((d) => d.name));
  const output = definitions[definitions.length - 1]?.name ?? "r";
  if (options.wrt.length === 0) throw new UsageError("--wrt needs at least one parameter");
  for (const p of options.wrt) {
    if (defined.has(p))
      throw new UsageError(
        `${p} is an intermediate quantity, not a parameter; --wrt takes inputs of the network`,
      );
    if (!definitions.some((d) => symbolsOf(d.expression).includes(p)))
      throw new UsageError(`${p} does not occur in the network`);
  }
  const step = options.step ?? 1e-6;
  if (!(step > 0)) throw new UsageError(`--step must be positive, got ${step}`);
  const scope = forward(definitions, options.at);
  const locals: LocalDerivative[] = [];
  for (const { name, expression } of definitions) {
    for (const by of symbolsOf(expression)) {
      if (!defined.has(by) && !options.wrt.includes(by)) continue;
      let partial: MathNode;
      try {
        partial = derivative(expression, by);
      } catch (error) {
        throw new UsageError(`cannot differentiate ${name} by ${by}: ${(error as Error).message}`);
      }
      locals.push({ of: name, by, expression: partial, value: evaluate(partial, scope, `d${name}/d${by}`) });
    }
  }
  const pathsTo = (from: string, parameter: string): LocalDerivative[][] =>
    locals
      .filter((local) => local.of === from)
      .flatMap((local) =>
        local.by === parameter
          ? [[local]]
          : defined.has(local.by)
            ? pathsTo(local.by, parameter).map((path) => [local, ...path])
            : [],
      );
  const gradients = options.wrt.map((parameter) => {
    const paths = pathsTo(output, parameter);
    const analytic = paths.reduce(
      (sum, path) => sum + path.reduce((product, local) => product * local.value, 1),
      0,
    );
    const valueAt = (delta: number) => {
      const shifted = { ...options.at, [parameter]: (options.at[parameter] ?? 0) + delta };
      return forward(definitions, shifted)[output] ?? Number.NaN;
    };
    const finiteDifference = (valueAt(step) - valueAt(-step)) / (2 * step);
    const relativeError =
      Math.abs(analytic - finiteDifference) /
      Math.max(Math.abs(analytic) + Math.abs(finiteDifference), 1e-300);
    return { parameter, paths, analytic, finiteDifference, relativeError };
  });
  return displayable(
    {
      definitions,
      output,
      point: { ...options.at },
      locals,
      gradients,
      latex: latexSteps(definitions, locals, gradients, output),
    },
    deriveBundle,
  );
}

const partialTex = (of: string, by: string) => `\\frac{\\partial ${texName(of)}}{\\partial ${texName(by)}}`;

function latexSteps(
  definitions: Definition[],
  locals: LocalDerivative[],
  gradients: GradientCheck[],
  output: string,
): string[] {
  const lines = definitions.map((d) => `${texName(d.name)} &= ${tex(d.expression)}`);
  lines.push(
    ...locals.map((l) => `${partialTex(l.of, l.by)} &= ${tex(l.expression)} = ${l.value.toPrecision(6)}`),
  );
  for (const g of gradients) {
    const symbolic =
      g.paths.map((path) => path.map((l) => partialTex(l.of, l.by)).join(" ")).join(" + ") || "0";
    const expanded =
      g.paths.map((path) => path.map((l) => `\\left(${tex(l.expression)}\\right)`).join(" ")).join(" + ") ||
      "0";
    lines.push(
      `${partialTex(output, g.parameter)} &= ${symbolic} \\\\ &= ${expanded} = ${g.analytic.toPrecision(8)}`,
    );
  }
  return lines;
}

function deriveBundle(result: DeriveResult) {
  const latex = `\\begin{aligned}\n${result.latex.join(" \\\\\n")}\n\\end{aligned}`;
  const headers = ["parameter", "chain rule", "central difference", "relative error"];
  const rows = result.gradients.map((g) => [g.parameter, g.analytic, g.finiteDifference, g.relativeError]);
  const caption = `d${result.output}/d(parameter) at ${Object.entries(result.point)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ")}`;
  return {
    "text/latex": `$$${latex}$$`,
    "text/html": `<div class="deltalab-derive">$$${escapeHtml(latex)}$$${htmlTable(headers, rows, caption)}</div>`,
    "text/plain": [...result.latex, "", textTable(headers, rows, caption)].join("\n"),
  };
}

function parsePoint(items: string[]): Record<string, number> {
  const point: Record<string, number> = {};
  for (const item of items) {
    const match = /^([A-Za-z_]\w*)=(.+)$/.exec(item);
    const value = Number(match?.[2]);
    if (!match || !Number.isFinite(value))
      throw new UsageError(`--at takes name=number pairs, got ${JSON.stringify(item)}`);
    point[match[1] ?? ""] = value;
  }
  return point;
}

export const deriveSpec: CommandSpec = {
  name: "derive",
  summary: "chain-rule steps of a small scalar network in LaTeX, checked by a central difference",
  positional: [
    {
      name: "EXPRESSION",
      description: "the network as one expression (or definitions in a %%derive body)",
      optional: true,
      rest: true,
    },
  ],
  options: [
    {
      name: "wrt",
      kind: "list",
      description: "the parameters to differentiate by, e.g. w,b",
      metavar: "P,Q,...",
    },
    {
      name: "at",
      kind: "list",
      description: "the point: a value for every free symbol, e.g. w=0.5,b=-0.1,x=1,t=0",
      metavar: "NAME=VALUE,...",
    },
    { name: "step", kind: "number", description: "step of the central difference", defaultText: "1e-6" },
    AS_OPTION,
  ],
  body: "definitions `name = expression`, one per line, the last being the output",
  examples: [
    "%derive r = (tanh(w*x + b) - t)^2 / 2 --wrt w,b --at w=0.5,b=-0.1,x=1.5,t=0.2",
    "%%derive --wrt w1,w2 --at w1=0.3,w2=-0.8,x=1,t=0.5\nz1 = w1*x\ny1 = tanh(z1)\nz2 = w2*y1\nr = (z2 - t)^2 / 2",
  ],
  run: async (args, context) => {
    const source = args.body ?? args.positional.join(" ");
    const wrt = listOption(args, "wrt");
    if (!wrt) throw new UsageError("--wrt is required: name the parameters to differentiate by");
    const step = numberOption(args, "step");
    const result = derive(source, {
      wrt,
      at: parsePoint(listOption(args, "at") ?? []),
      ...(step !== undefined ? { step } : {}),
    });
    const as = stringOption(args, "as");
    if (as) context.bind(checkBindingName(as), result, 'import("deltalab").DeriveResult');
    return result;
  },
};
