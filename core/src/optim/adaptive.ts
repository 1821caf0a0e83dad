import type { GradientTransform } from "./transform";
import { type StepSchedule, toSchedule } from "./schedule";

export interface AdamOptions {
  /** The step size alpha (a number or a schedule), default 1e-3. */
  step?: number | StepSchedule;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export interface AdamState {
  /** The number of updates t taken so far. */
  t: number;
  /** First and second moment estimates m_t and v_t. */
  m: Float64Array;
  v: Float64Array;
}

function requireUnit(name: string, value: number): void {
  if (!(value >= 0 && value < 1)) throw new RangeError(`${name} must lie in [0, 1), got ${value}`);
}

function requireLengths(name: string, g: Float64Array, m: Float64Array, step: Float64Array): void {
  if (g.length !== m.length || step.length !== g.length) {
    throw new RangeError(
      `${name}: gradient (${g.length}), state (${m.length}) and step (${step.length}) lengths differ`,
    );
  }
}

function adamLike(name: string, options: AdamOptions, weightDecay: number): GradientTransform<AdamState> {
  const schedule = toSchedule(options.step ?? 1e-3);
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const epsilon = options.epsilon ?? 1e-8;
  requireUnit("beta1", beta1);
  requireUnit("beta2", beta2);
  if (!(epsilon > 0)) throw new RangeError(`epsilon must be positive, got ${epsilon}`);
  if (!(weightDecay >= 0)) throw new RangeError(`weight decay must be non-negative, got ${weightDecay}`);
  return {
    name,
    init(theta) {
      return { t: 0, m: new Float64Array(theta.length), v: new Float64Array(theta.length) };
    },
    update(g, state, theta, step) {
      requireLengths(name, g, state.m, step);
      const t = state.t + 1;
      const alpha = schedule(state.t);
      const c1 = 1 - Math.pow(beta1, t);
      const c2 = 1 - Math.pow(beta2, t);
      const { m, v } = state;
      for (let i = 0; i < g.length; i++) {
        m[i] = beta1 * m[i] + (1 - beta1) * g[i];
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        const mHat = m[i] / c1;
        const vHat = v[i] / c2;
        step[i] = -alpha * (mHat / (Math.sqrt(vHat) + epsilon) + weightDecay * theta[i]);
      }
      return { t, m, v };
    },
  };
}

/**
 * Adam (Kingma and Ba 2015, Algorithm 1): m_t = b1 m + (1 - b1) g, v_t = b2 v + (1 - b2) g^2,
 * step = -alpha mHat / (sqrt(vHat) + eps) with mHat = m_t / (1 - b1^t), vHat = v_t / (1 - b2^t).
 */
export function adam(options: AdamOptions = {}): GradientTransform<AdamState> {
  return adamLike("adam", options, 0);
}

/**
 * AdamW (Loshchilov and Hutter 2019): Adam with decoupled weight decay,
 * step = -alpha (mHat / (sqrt(vHat) + eps) + weightDecay theta), default weightDecay 1e-2.
 */
export function adamw(options: AdamOptions & { weightDecay?: number } = {}): GradientTransform<AdamState> {
  return adamLike("adamw", options, options.weightDecay ?? 1e-2);
}

export interface RmsPropOptions {
  step?: number | StepSchedule;
  /** Decay rate rho of the mean square, default 0.9. */
  decay?: number;
  epsilon?: number;
}

export interface RmsPropState {
  k: number;
  meanSquare: Float64Array;
}

/** RMSProp (Tieleman and Hinton 2012): s = rho s + (1 - rho) g^2, step = -alpha g / (sqrt(s) + eps). */
export function rmsprop(options: RmsPropOptions = {}): GradientTransform<RmsPropState> {
  const schedule = toSchedule(options.step ?? 1e-3);
  const rho = options.decay ?? 0.9;
  const epsilon = options.epsilon ?? 1e-8;
  requireUnit("decay", rho);
  if (!(epsilon > 0)) throw new RangeError(`epsilon must be positive, got ${epsilon}`);
  return {
    name: "rmsprop",
    init(theta) {
      return { k: 0, meanSquare: new Float64Array(theta.length) };
    },
    update(g, state, _theta, step) {
      requireLengths("rmsprop", g, state.meanSquare, step);
      const alpha = schedule(state.k);
      const s = state.meanSquare;
      for (let i = 0; i < g.length; i++) {
        s[i] = rho * s[i] + (1 - rho) * g[i] * g[i];
        step[i] = (-alpha * g[i]) / (Math.sqrt(s[i]) + epsilon);
      }
      return { k: state.k + 1, meanSquare: s };
    },
  };
}
