import { QUASI_NEWTON_EXPANSION, satisfiesCurvature } from "./bfgs";
import type { Method, IterateState } from "./driver";
import { initialIterate } from "./driver";
import type { LineSearchedOptions } from "./gradient-descent";
import { quasiNewtonInitialStep } from "./linesearch/initial";
import { strongWolfe } from "./linesearch/strongwolfe";
import { dot, lineStep, newLineMemory, type LineMemory } from "./linestep";

export interface LbfgsOptions extends LineSearchedOptions {
  /** The number m of (s, y) pairs kept (default 10). */
  memory?: number;
}

export interface LbfgsState extends IterateState {
  /** The pairs, oldest first. */
  s: Float64Array[];
  y: Float64Array[];
  d: Float64Array;
  gamma: Float64Array;
  line: LineMemory;
}

/**
 * The two-loop recursion (seed 004 Algorithm 2): writes H_k g into `out` for the implicit H_k built from
 * H_k^0 = (s^T y / y^T y) I of the newest pair (eq. 191) and the stored pairs, or H_k^0 = I with no pairs.
 */
export function twoLoop(
  g: Float64Array,
  s: Float64Array[],
  y: Float64Array[],
  gamma: Float64Array,
  out: Float64Array,
): void {
  const m = s.length;
  out.set(g);
  for (let i = m - 1; i >= 0; i--) {
    gamma[i] = dot(s[i], out) / dot(y[i], s[i]);
    const yi = y[i];
    for (let j = 0; j < out.length; j++) out[j] -= gamma[i] * yi[j];
  }
  if (m > 0) {
    const scale = dot(y[m - 1], s[m - 1]) / dot(y[m - 1], y[m - 1]);
    for (let j = 0; j < out.length; j++) out[j] *= scale;
  }
  for (let i = 0; i < m; i++) {
    const beta = dot(y[i], out) / dot(y[i], s[i]);
    const si = s[i];
    for (let j = 0; j < out.length; j++) out[j] += si[j] * (gamma[i] - beta);
  }
}

/**
 * L-BFGS (seed 004 Algorithm 3): d_k = -H_k g_k by the two-loop recursion over the last m pairs, a strong Wolfe
 * line search trying alpha = 1 first; pairs failing the curvature condition (eq. 177) are not stored.
 */
export function lbfgs(options: LbfgsOptions = {}): Method<LbfgsState> {
  const m = options.memory ?? 10;
  if (!Number.isInteger(m) || m < 1)
    throw new RangeError(`L-BFGS memory must be a positive integer, got ${m}`);
  const search = options.lineSearch ?? strongWolfe({ expansion: QUASI_NEWTON_EXPANSION });
  const initialStep = options.initialStep ?? quasiNewtonInitialStep();
  return {
    name: `l-bfgs (m = ${m})`,
    initialState(problem, x0) {
      const s0 = initialIterate(problem, x0);
      const n = s0.x.length;
      return {
        ...s0,
        s: [],
        y: [],
        d: new Float64Array(n),
        gamma: new Float64Array(m),
        line: newLineMemory(),
      };
    },
    updateState(problem, state, iteration) {
      const n = state.x.length;
      const xOld = Float64Array.from(state.x);
      const gOld = Float64Array.from(state.g);
      twoLoop(state.g, state.s, state.y, state.gamma, state.d);
      for (let i = 0; i < n; i++) state.d[i] = -state.d[i];
      const first = state.s.length === 0 ? 0 : iteration;
      let outcome = lineStep(
        problem,
        state,
        state.d,
        search,
        initialStep,
        state.line,
        first,
        options.recordTrials,
      );
      if (!outcome.progress && state.s.length > 0) {
        state.s.length = 0;
        state.y.length = 0;
        for (let i = 0; i < n; i++) state.d[i] = -state.g[i];
        outcome = lineStep(problem, state, state.d, search, initialStep, state.line, 0, options.recordTrials);
      }
      if (!outcome.progress) return outcome;
      const s = new Float64Array(n);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        s[i] = state.x[i] - xOld[i];
        y[i] = state.g[i] - gOld[i];
      }
      if (satisfiesCurvature(s, y)) {
        if (state.s.length === m) {
          state.s.shift();
          state.y.shift();
        }
        state.s.push(s);
        state.y.push(y);
      }
      return outcome;
    },
  };
}
