/**
 * Comparing a student's answer with the expected one. An answer is a number, an array or matrix of numbers, or a
 * formula. Numbers compare within a tolerance; arrays by shape, then entry by entry; formulas first symbolically
 * (mathjs `simplify` of expected - given reduces to 0) and, when that proves nothing, numerically at random points
 * of the formula's variables (a fixed-seed generator, so a verdict repeats). Functions a formula may use besides
 * mathjs's own: `sigma` (the logistic sigmoid) and `relu`.
 */
import { createRequire } from "node:module";

export type NumericAnswer = number | NumericArray;
export type NumericArray = readonly (number | NumericArray)[];
export type Answer = NumericAnswer | string;

export interface Tolerance {
  /** Allowed |given - expected| / |expected| (default 1e-6). */
  relative?: number;
  /** Allowed |given - expected| near zero (default 1e-9). */
  absolute?: number;
}

export interface FormulaOptions {
  /** The formula's variables; default: the free symbols of the expected formula. */
  variables?: string[];
  /** Interval the random points are drawn from (default [0.25, 2], positive so that sqrt and log are defined). */
  domain?: [number, number];
  /** How many random points (default 24). */
  points?: number;
}

export interface Verdict {
  correct: boolean;
  /** False when the answer could not be read (wrong kind, unparseable); such a try does not count. */
  readable: boolean;
  /** What was found, without giving the expected answer away. */
  message: string;
}

interface MathNode {
  readonly type: string;
  toString(): string;
  evaluate(scope?: Record<string, unknown>): unknown;
  traverse(callback: (node: MathNode, path: string, parent: MathNode | null) => void): void;
}

interface MathApi {
  parse(text: string): MathNode;
  simplify(node: MathNode): MathNode;
  rationalize(text: string): MathNode;
}

const math: MathApi = createRequire(__filename)("mathjs");

/** Functions a formula may call besides mathjs's own. */
const EXTRA_FUNCTIONS: Record<string, (x: number) => number> = {
  sigma: (x) => 1 / (1 + Math.exp(-x)),
  relu: (x) => Math.max(0, x),
};

/** Names mathjs treats as constants or functions, never as variables of a formula. */
const CONSTANTS = new Set(["pi", "e", "E", "PI", "i", "Infinity", "NaN", "true", "false", "phi", "tau"]);

function unreadable(message: string): Verdict {
  return { correct: false, readable: false, message };
}

function within(given: number, expected: number, tolerance: Tolerance): boolean {
  const relative = tolerance.relative ?? 1e-6;
  const absolute = tolerance.absolute ?? 1e-9;
  return Math.abs(given - expected) <= absolute + relative * Math.abs(expected);
}

function shapeOf(value: unknown): number[] | undefined {
  if (typeof value === "number") return [];
  if (!Array.isArray(value)) return undefined;
  if (value.length === 0) return [0];
  const inner = value.map(shapeOf);
  const first = inner[0];
  if (first === undefined || inner.some((s) => s === undefined || s.join("x") !== first.join("x")))
    return undefined;
  return [value.length, ...first];
}

function flatten(value: NumericAnswer): number[] {
  return typeof value === "number" ? [value] : value.flatMap((item) => flatten(item));
}

/** A number given as text or as a constant expression ("14*14*64"); undefined when it is not one. */
function numberFrom(given: unknown): number | undefined {
  if (typeof given === "number") return given;
  if (typeof given !== "string" || given.trim() === "") return undefined;
  try {
    const node = math.parse(given);
    if (freeSymbols(node).length > 0) return undefined;
    const value = node.evaluate({ ...EXTRA_FUNCTIONS });
    return typeof value === "number" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** An array given as an array or as JSON text ("[[6, 8], [3, 4]]"). */
function arrayFrom(given: unknown): unknown {
  if (typeof given !== "string") return given;
  try {
    return JSON.parse(given);
  } catch {
    return given;
  }
}

export function compareNumber(given: unknown, expected: number, tolerance: Tolerance = {}): Verdict {
  const value = numberFrom(given);
  if (value === undefined) {
    return unreadable(
      `the answer should be a number (or an expression of numbers), got ${describeValue(given)}`,
    );
  }
  if (!Number.isFinite(value))
    return { correct: false, readable: true, message: `${value} is not a finite number` };
  return within(value, expected, tolerance)
    ? { correct: true, readable: true, message: "right" }
    : { correct: false, readable: true, message: `${value} is not the expected value` };
}

export function compareArray(given: unknown, expected: NumericArray, tolerance: Tolerance = {}): Verdict {
  const value = arrayFrom(given);
  const expectedShape = shapeOf(expected) ?? [];
  const shape = shapeOf(value);
  if (shape === undefined || !flatten(value as NumericAnswer).every((x) => typeof x === "number")) {
    return unreadable(
      `the answer should be an array of numbers of shape ${expectedShape.join("x")}, got ${describeValue(given)}`,
    );
  }
  if (shape.join("x") !== expectedShape.join("x")) {
    return {
      correct: false,
      readable: true,
      message: `the shape is ${shape.join("x") || "a single number"}; the expected shape is ${expectedShape.join("x")}`,
    };
  }
  const values = flatten(value as NumericAnswer);
  const wanted = flatten(expected);
  const wrong = values.filter((x, i) => !within(x, wanted[i] ?? NaN, tolerance)).length;
  return wrong === 0
    ? { correct: true, readable: true, message: "right" }
    : {
        correct: false,
        readable: true,
        message: `${wrong} of ${values.length} entries are not the expected values`,
      };
}

/** The free symbols of a formula: its variables, without function names and mathjs's constants. */
export function freeSymbols(node: MathNode): string[] {
  const names = new Set<string>();
  node.traverse((child, path, parent) => {
    if (child.type !== "SymbolNode") return;
    if (parent?.type === "FunctionNode" && path === "fn") return;
    const name = child.toString();
    if (!CONSTANTS.has(name)) names.add(name);
  });
  return [...names].sort();
}

/** A generator of uniform numbers in [0, 1) from a fixed seed (mulberry32), so a verdict is repeatable. */
function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Largest expression (in mathjs nodes) given to simplify; larger ones go straight to the random points. */
const SYMBOLIC_NODE_LIMIT = 60;

/**
 * Whether mathjs proves the expression 0: `simplify` first, then, for a polynomial, `rationalize` (which expands
 * products) and `simplify` again. Only polynomials and rational expressions of modest size are tried; the random points decide the rest.
 */
function symbolicallyZero(text: string): boolean {
  const isZero = (node: MathNode) => node.type === "ConstantNode" && Number(node.toString()) === 0;
  // simplify takes tens of seconds on a long chain-rule product; such formulas are decided by the random points.
  let nodes = 0;
  let calls = 0;
  math.parse(text).traverse((node) => {
    nodes++;
    if (node.type === "FunctionNode") calls++;
  });
  if (nodes > SYMBOLIC_NODE_LIMIT || calls > 0) return false;
  try {
    if (isZero(math.simplify(math.parse(text)))) return true;
  } catch {
    // fall through to the expansion
  }
  try {
    return isZero(math.simplify(math.rationalize(text)));
  } catch {
    return false;
  }
}

function evaluateAt(node: MathNode, point: Record<string, number>): number {
  const value = node.evaluate({ ...EXTRA_FUNCTIONS, ...point });
  return typeof value === "number" ? value : NaN;
}

function parseFormula(text: string): MathNode | string {
  try {
    return math.parse(text);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export function compareFormula(
  given: unknown,
  expected: string,
  options: FormulaOptions = {},
  tolerance: Tolerance = {},
): Verdict {
  if (typeof given === "number") given = String(given);
  if (typeof given !== "string" || given.trim() === "") {
    return unreadable(
      `the answer should be a formula in a string, e.g. "2*x*y", got ${describeValue(given)}`,
    );
  }
  const expectedNode = math.parse(expected);
  const givenNode = parseFormula(given);
  if (typeof givenNode === "string")
    return unreadable(`the formula ${JSON.stringify(given)} cannot be read: ${givenNode}`);
  const variables = options.variables ?? freeSymbols(expectedNode);
  const unknown = freeSymbols(givenNode).filter((name) => !variables.includes(name));
  if (unknown.length > 0) {
    return unreadable(
      `the formula uses ${unknown.join(", ")}, which ${unknown.length === 1 ? "is" : "are"} not among its variables ` +
        `(${variables.join(", ") || "none"})`,
    );
  }
  if (symbolicallyZero(`(${expected}) - (${given})`)) {
    return { correct: true, readable: true, message: "right (equal symbolically)" };
  }
  const [low, high] = options.domain ?? [0.25, 2];
  const uniform = seededUniform(20151207);
  const count = options.points ?? 24;
  let compared = 0;
  let differing = 0;
  for (let k = 0; k < count * 4 && compared < count; k++) {
    const point = Object.fromEntries(variables.map((name) => [name, low + (high - low) * uniform()]));
    const want = evaluateAt(expectedNode, point);
    if (!Number.isFinite(want)) continue;
    let got: number;
    try {
      got = evaluateAt(givenNode, point);
    } catch (error) {
      return unreadable(
        `the formula cannot be evaluated: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    compared++;
    if (
      !Number.isFinite(got) ||
      !within(got, want, { relative: tolerance.relative ?? 1e-8, absolute: tolerance.absolute ?? 1e-10 })
    )
      differing++;
  }
  if (compared === 0) return unreadable("the expected formula is not defined on the sampling domain");
  return differing === 0
    ? { correct: true, readable: true, message: `right (equal at ${compared} random points)` }
    : {
        correct: false,
        readable: true,
        message: `the formula differs from the expected one at ${differing} of ${compared} random points`,
      };
}

/** Compares an answer with the expected one, by the expected one's kind. */
export function compareAnswer(
  given: unknown,
  expected: Answer,
  options: { tolerance?: Tolerance; formula?: FormulaOptions } = {},
): Verdict {
  if (given === undefined || given === null) return unreadable("there is no answer yet");
  if (typeof expected === "number") return compareNumber(given, expected, options.tolerance);
  if (typeof expected === "string")
    return compareFormula(given, expected, options.formula, options.tolerance);
  return compareArray(given, expected, options.tolerance);
}

function describeValue(value: unknown): string {
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return value === null ? "null" : typeof value === "object" ? "an object" : String(value);
}
