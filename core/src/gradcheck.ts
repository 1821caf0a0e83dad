/**
 * Gradient checks by central differences in Float64: (f(theta + h e_j) - f(theta - h e_j)) / (2h) against the
 * back-propagated gradient, reported per layer and per parameter group (and, for a single layer, for its input
 * delta), as a typed table a notebook command can display.
 *
 * Relative error of a group: ||a - d||_2 / max(||a||_2, ||d||_2, 1e-8), a analytic, d finite differences; the floor
 * keeps a group whose true gradient is zero from reporting rounding noise as a large relative error.
 */
import { SeededRandom } from "./data/random";
import type { Layer } from "./layers/layer";
import type { ModelObjective } from "./model/objective";

export interface GradientCheckRow {
  readonly layer: string;
  /** A parameter group ("W", "b", ...) or "input" for the delta handed to the layer below. */
  readonly group: string;
  readonly count: number;
  readonly maxAbsoluteError: number;
  readonly relativeError: number;
  readonly passed: boolean;
}

export interface GradientCheckReport {
  readonly rows: readonly GradientCheckRow[];
  readonly step: number;
  readonly tolerance: number;
  readonly maxRelativeError: number;
  readonly passed: boolean;
}

export interface GradientCheckOptions {
  /** The difference step h; default 1e-5. */
  readonly step?: number;
  /** The largest relative error that passes; default 1e-6. */
  readonly tolerance?: number;
}

/** A slice of a vector checked as one row. */
export interface CheckedGroup {
  readonly layer: string;
  readonly group: string;
  readonly offset: number;
  readonly length: number;
}

/** Central differences of f at `point` against `analytic`, one row per group. `point` is restored afterwards. */
export function compareWithDifferences(
  f: (point: Float64Array) => number,
  point: Float64Array,
  analytic: ArrayLike<number>,
  groups: readonly CheckedGroup[],
  options: GradientCheckOptions = {},
): GradientCheckReport {
  const step = options.step ?? 1e-5;
  const tolerance = options.tolerance ?? 1e-6;
  const rows = groups.map(({ layer, group, offset, length }) => {
    let diff2 = 0;
    let analytic2 = 0;
    let numeric2 = 0;
    let maxAbsoluteError = 0;
    for (let j = offset; j < offset + length; j++) {
      const saved = point[j];
      point[j] = saved + step;
      const plus = f(point);
      point[j] = saved - step;
      const minus = f(point);
      point[j] = saved;
      const numeric = (plus - minus) / (2 * step);
      const error = Math.abs(analytic[j] - numeric);
      maxAbsoluteError = Math.max(maxAbsoluteError, error);
      diff2 += error * error;
      analytic2 += analytic[j] * analytic[j];
      numeric2 += numeric * numeric;
    }
    const relativeError = Math.sqrt(diff2) / Math.max(Math.sqrt(analytic2), Math.sqrt(numeric2), 1e-8);
    return {
      layer,
      group,
      count: length,
      maxAbsoluteError,
      relativeError,
      passed: relativeError <= tolerance,
    };
  });
  const maxRelativeError = rows.reduce((max, row) => Math.max(max, row.relativeError), 0);
  return { rows, step, tolerance, maxRelativeError, passed: rows.every((row) => row.passed) };
}

/**
 * Checks the gradient of a model objective (seed 001's f) at theta, per layer and parameter group.
 * The model must be Float64: Float32 rounding would swamp the differences.
 */
export function checkObjectiveGradient(
  objective: ModelObjective,
  theta: Float64Array,
  options: GradientCheckOptions = {},
): GradientCheckReport {
  if (objective.model.dtype !== "float64") {
    throw new RangeError("gradient checks need a float64 model; build it with dtype: 'float64'");
  }
  const analytic = new Float64Array(objective.dim);
  objective.valueAndGradient(theta, analytic);
  const groups: CheckedGroup[] = [];
  for (const { layer, offset } of objective.model.layers) {
    for (const group of layer.parameterGroups) {
      groups.push({
        layer: layer.name,
        group: group.name,
        offset: offset + group.offset,
        length: group.length,
      });
    }
  }
  const point = Float64Array.from(theta);
  const report = compareWithDifferences((p) => objective.value(p), point, analytic, groups, options);
  objective.model.setParameters(theta);
  return report;
}

export interface LayerCheckOptions extends GradientCheckOptions {
  /** Samples in the batch; default 2. */
  readonly batch?: number;
  readonly seed?: number;
  /** Parameters to check at (the layer's slice); default: the layer's initialization plus small noise. */
  readonly params?: Float64Array;
  /** The input to check at; default: standard normal draws. */
  readonly input?: Float64Array;
}

/**
 * Checks one layer's backward call: with r = <w, layer(x)> for a random w, compares dx (row "input") and each
 * parameter group with central differences of r.
 */
export function checkLayerGradients(layer: Layer, options: LayerCheckOptions = {}): GradientCheckReport {
  const batch = options.batch ?? 2;
  const random = new SeededRandom(options.seed ?? 1);
  const params = options.params ? Float64Array.from(options.params) : new Float64Array(layer.parameterCount);
  if (!options.params) {
    layer.initialize(params, random);
    for (let j = 0; j < params.length; j++) params[j] += 0.05 * random.nextNormal();
  }
  const x = options.input ? Float64Array.from(options.input) : new Float64Array(batch * layer.inputSize);
  if (!options.input) for (let j = 0; j < x.length; j++) x[j] = random.nextNormal();
  const w = new Float64Array(batch * layer.outputSize);
  for (let j = 0; j < w.length; j++) w[j] = random.nextNormal();

  const y = new Float64Array(batch * layer.outputSize);
  const r = (p: Float64Array, input: Float64Array) => {
    layer.forward(p, input, y, batch);
    let sum = 0;
    for (let j = 0; j < y.length; j++) sum += w[j] * y[j];
    return sum;
  };
  layer.forward(params, x, y, batch);
  const dx = new Float64Array(x.length);
  const grad = new Float64Array(layer.parameterCount);
  layer.backward(params, x, y, w, dx, grad, batch);

  const inputReport = compareWithDifferences(
    (input) => r(params, input),
    x,
    dx,
    [{ layer: layer.name, group: "input", offset: 0, length: x.length }],
    options,
  );
  const groups = layer.parameterGroups.map((group) => ({ layer: layer.name, group: group.name, ...group }));
  const paramReport = compareWithDifferences((p) => r(p, x), params, grad, groups, options);
  const rows = [...inputReport.rows, ...paramReport.rows];
  const maxRelativeError = Math.max(inputReport.maxRelativeError, paramReport.maxRelativeError);
  return { ...inputReport, rows, maxRelativeError, passed: rows.every((row) => row.passed) };
}

/** The report as a table: a header and one row per checked group, for display. */
export function gradientCheckTable(report: GradientCheckReport): {
  columns: string[];
  rows: (string | number)[][];
} {
  return {
    columns: ["layer", "group", "count", "max |error|", "relative error", "passed"],
    rows: report.rows.map((row) => [
      row.layer,
      row.group,
      row.count,
      row.maxAbsoluteError,
      row.relativeError,
      row.passed ? "yes" : "no",
    ]),
  };
}
