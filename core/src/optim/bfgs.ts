import type { Method, IterateState } from "./driver";
import { initialIterate } from "./driver";
import type { LineSearchedOptions } from "./gradient-descent";
import { quasiNewtonInitialStep } from "./linesearch/initial";
import { strongWolfe } from "./linesearch/strongwolfe";
import { dot, lineStep, newLineMemory, type LineMemory } from "./linestep";

/**
 * How far a too-short trial step may grow per bracketing step in the quasi-Newton methods' strong Wolfe search
 * (up to 50 times, at the cubic's extrapolated minimizer when it falls inside): a step that falls short is then
 * usually the first iteration's, whose scale is unknown, and growing it 4 times at a time costs evaluations.
 */
export const QUASI_NEWTON_EXPANSION = 50;

/** Pairs with s^T y <= CURVATURE_GUARD ||s|| ||y|| fail the curvature condition (eq. 177) and are skipped. */
export const CURVATURE_GUARD = 1e-10;

export function satisfiesCurvature(s: Float64Array, y: Float64Array): boolean {
  const sy = dot(s, y);
  return Number.isFinite(sy) && sy > CURVATURE_GUARD * Math.sqrt(dot(s, s) * dot(y, y));
}

export interface BfgsState extends IterateState {
  /** The inverse Hessian approximation H_k (eq. 178), n x n row-major. */
  H: Float64Array;
  d: Float64Array;
  s: Float64Array;
  y: Float64Array;
  Hy: Float64Array;
  updates: number;
  line: LineMemory;
}

function setScaledIdentity(H: Float64Array, n: number, gamma: number): void {
  H.fill(0);
  for (let i = 0; i < n; i++) H[i * n + i] = gamma;
}

function multiply(H: Float64Array, v: Float64Array, out: Float64Array): void {
  const n = v.length;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += H[i * n + j] * v[j];
    out[i] = s;
  }
}

/**
 * The BFGS update of the inverse Hessian (seed 004 eq. 179-181), in the expanded form
 * H+ = H - rho (s (Hy)^T + (Hy) s^T) + (rho^2 y^T H y + rho) s s^T with rho = 1 / s^T y,
 * which equals eq. 181's H + ss^T/s^Ty - Hy(Hy)^T/y^THy + (y^T H y) u u^T.
 */
export function bfgsUpdate(H: Float64Array, s: Float64Array, y: Float64Array, Hy: Float64Array): void {
  const n = s.length;
  multiply(H, y, Hy);
  const rho = 1 / dot(s, y);
  const c = rho * rho * dot(y, Hy) + rho;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      H[i * n + j] += -rho * (s[i] * Hy[j] + Hy[i] * s[j]) + c * s[i] * s[j];
    }
  }
}

/**
 * BFGS (seed 004 Algorithm 1): d_k = -H_k g_k (eq. 172), a strong Wolfe line search trying alpha = 1 first, the
 * update of eq. 181, H_0 = I rescaled by y^T s / y^T y before the first update (eq. 191), and updates skipped when
 * the curvature condition s^T y > 0 (eq. 177) fails numerically. If the search fails along -H g, H is reset to the
 * identity and the search retried once along -g.
 */
/** The largest dense inverse Hessian BFGS will allocate: 8,192 parameters (512 MiB of doubles). */
export const BFGS_MAX_PARAMETERS = 8192;

/**
 * BFGS's n x n matrix grows with the square of the parameters: for a network it would be tens of gigabytes, and the
 * allocation fails deep inside the run with a message that names no cause. Refused up front, with the way out.
 */
function checkDenseSize(n: number): void {
  if (n <= BFGS_MAX_PARAMETERS) return;
  const gigabytes = (n * n * 8) / 2 ** 30;
  throw new RangeError(
    `BFGS keeps a dense ${n} x ${n} inverse Hessian approximation (${gigabytes.toFixed(1)} GiB for ${n} ` +
      `parameters); it takes at most ${BFGS_MAX_PARAMETERS} parameters. Use L-BFGS (lbfgs), which keeps a few ` +
      "vector pairs instead, for a network.",
  );
}

export function bfgs(options: LineSearchedOptions = {}): Method<BfgsState> {
  const search = options.lineSearch ?? strongWolfe({ expansion: QUASI_NEWTON_EXPANSION });
  const initialStep = options.initialStep ?? quasiNewtonInitialStep();
  return {
    name: "bfgs",
    initialState(problem, x0) {
      checkDenseSize(x0.length);
      const s0 = initialIterate(problem, x0);
      const n = s0.x.length;
      const H = new Float64Array(n * n);
      setScaledIdentity(H, n, 1);
      const zeros = () => new Float64Array(n);
      return { ...s0, H, d: zeros(), s: zeros(), y: zeros(), Hy: zeros(), updates: 0, line: newLineMemory() };
    },
    updateState(problem, state, iteration) {
      const n = state.x.length;
      state.s.set(state.x);
      state.y.set(state.g);
      multiply(state.H, state.g, state.d);
      for (let i = 0; i < n; i++) state.d[i] = -state.d[i];
      const first = state.updates === 0 ? 0 : iteration;
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
      if (!outcome.progress && state.updates > 0) {
        setScaledIdentity(state.H, n, 1);
        state.updates = 0;
        for (let i = 0; i < n; i++) state.d[i] = -state.g[i];
        outcome = lineStep(problem, state, state.d, search, initialStep, state.line, 0, options.recordTrials);
      }
      if (!outcome.progress) return outcome;
      for (let i = 0; i < n; i++) {
        state.s[i] = state.x[i] - state.s[i];
        state.y[i] = state.g[i] - state.y[i];
      }
      if (satisfiesCurvature(state.s, state.y)) {
        if (state.updates === 0) setScaledIdentity(state.H, n, dot(state.y, state.s) / dot(state.y, state.y));
        bfgsUpdate(state.H, state.s, state.y, state.Hy);
        state.updates++;
      }
      return outcome;
    },
  };
}
