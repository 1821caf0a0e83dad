import type { GradientTransform } from "./transform";
import { type StepSchedule, toSchedule } from "./schedule";

/** Options of {@link sgd}. */
export interface SgdOptions {
  /** The step mu_k: a number for a fixed step, or a schedule for a decaying one (seed 004 eq. 118). */
  step: number | StepSchedule;
  /** The momentum parameter p of seed 004 eq. 121, in [0, 1); 0 (the default) is plain gradient descent. */
  momentum?: number;
  /** Nesterov's accelerated gradient instead of the classical momentum of eq. 121 (needs momentum > 0). */
  nesterov?: boolean;
}

/** State of {@link sgd}: the update count k and the velocity v_{k-1} (the previous step Delta x_{k-1} without Nesterov). */
export interface SgdState {
  k: number;
  velocity: Float64Array;
}

/**
 * Stochastic gradient descent with a fixed or scheduled step, optionally with momentum.
 *
 * - Plain (seed 004 eq. 118): Delta x_k = -mu_k g_k.
 * - Momentum (eq. 121): x_{k+1} = x_k - mu_k g_k + p Delta x_{k-1}, i.e. Delta x_k = p Delta x_{k-1} - mu_k g_k.
 * - Nesterov (Sutskever et al. 2013, in the form that needs the gradient at x_k only):
 *   v_k = p v_{k-1} - mu_k g_k, Delta x_k = p v_k - mu_k g_k, where v is the eq. 121 velocity.
 */
export function sgd(options: SgdOptions): GradientTransform<SgdState> {
  const schedule = toSchedule(options.step);
  const p = options.momentum ?? 0;
  const nesterov = options.nesterov ?? false;
  if (!(p >= 0 && p < 1)) throw new RangeError(`momentum must lie in [0, 1), got ${p}`);
  if (nesterov && p === 0) throw new RangeError("nesterov needs a momentum > 0");
  const name = nesterov ? "nesterov" : p > 0 ? "momentum" : "sgd";
  return {
    name,
    init(theta) {
      return { k: 0, velocity: new Float64Array(theta.length) };
    },
    update(g, state, _theta, step) {
      if (g.length !== state.velocity.length || step.length !== g.length) {
        throw new RangeError(
          `${name}: gradient (${g.length}), state (${state.velocity.length}) and step (${step.length}) lengths differ`,
        );
      }
      const mu = schedule(state.k);
      const v = state.velocity;
      for (let i = 0; i < g.length; i++) {
        const velocity = p * v[i] - mu * g[i];
        v[i] = velocity;
        step[i] = nesterov ? p * velocity - mu * g[i] : velocity;
      }
      return { k: state.k + 1, velocity: v };
    },
  };
}
