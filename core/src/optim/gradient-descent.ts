import type { Method, IterateState } from "./driver";
import { initialIterate } from "./driver";
import { interpolatedInitialStep } from "./linesearch/initial";
import { strongWolfe } from "./linesearch/strongwolfe";
import type { InitialStep, LineSearch } from "./linesearch/types";
import { lineStep, newLineMemory, type LineMemory } from "./linestep";
import type { StepSchedule } from "./schedule";
import { sgd } from "./sgd";
import type { GradientTransform } from "./transform";

export interface LineSearchedOptions {
  lineSearch?: LineSearch;
  initialStep?: InitialStep;
  /** Keep every trial (alpha, phi, phi') of the last line search in `state.line.lastTrials`. */
  recordTrials?: boolean;
}

export interface GradientDescentState extends IterateState {
  d: Float64Array;
  line: LineMemory;
}

/**
 * Steepest descent with a line search, x_{k+1} = x_k - mu_k grad f(x_k) (seed 004 eq. 118) with mu_k chosen by
 * the line search (an exact one such as Brent's solves eq. 119). Defaults: strong Wolfe (c1 = 1e-4, c2 = 0.9) and
 * the interpolated first step of Nocedal-Wright eq. 3.60.
 */
export function gradientDescent(options: LineSearchedOptions = {}): Method<GradientDescentState> {
  const search = options.lineSearch ?? strongWolfe();
  const initialStep = options.initialStep ?? interpolatedInitialStep();
  return {
    name: `gradient descent (${search.name})`,
    initialState(problem, x0) {
      const s = initialIterate(problem, x0);
      return { ...s, d: new Float64Array(s.x.length), line: newLineMemory() };
    },
    updateState(problem, state, iteration) {
      for (let i = 0; i < state.d.length; i++) state.d[i] = -state.g[i];
      return lineStep(
        problem,
        state,
        state.d,
        search,
        initialStep,
        state.line,
        iteration,
        options.recordTrials,
      );
    },
  };
}

export interface TransformDescentState<T> extends IterateState {
  inner: T;
  step: Float64Array;
}

/**
 * Full-batch descent driven by a {@link GradientTransform}: x_{k+1} = x_k + step(g_k). With `sgd` this is gradient
 * descent with a fixed or decaying step (seed 004 eq. 118), momentum (eq. 121) or Nesterov; with `adam` etc. the
 * adaptive methods. No line search: a step that makes f or g non-finite stops the run as diverged.
 */
export function transformDescent<T>(transform: GradientTransform<T>): Method<TransformDescentState<T>> {
  return {
    name: transform.name,
    initialState(problem, x0) {
      const s = initialIterate(problem, x0);
      return { ...s, inner: transform.init(s.x), step: new Float64Array(s.x.length) };
    },
    updateState(problem, state) {
      state.inner = transform.update(state.g, state.inner, state.x, state.step);
      for (let i = 0; i < state.x.length; i++) state.x[i] += state.step[i];
      state.f = problem.valueAndGradient(state.x, state.g);
      return { progress: true };
    },
  };
}

/** Gradient descent with a fixed (number) or decaying (schedule) step: `transformDescent(sgd({ step }))`. */
export function fixedStepDescent(step: number | StepSchedule, momentum = 0, nesterov = false) {
  return transformDescent(sgd({ step, momentum, nesterov }));
}
