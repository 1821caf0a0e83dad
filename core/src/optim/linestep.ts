import type { EvaluationCounter } from "./counted";
import type { IterateState, StepOutcome } from "./driver";
import { LineSlice } from "./linesearch/slice";
import type { InitialStep, LineSearch, LineTrial } from "./linesearch/types";

/** The line-search memory a line-searched method keeps between iterations (for the first-step strategy). */
export interface LineMemory {
  previousAlpha: number;
  previousPhi0: number;
  previousDphi0: number;
  /** The trials of the last search, when the method records them. */
  lastTrials: LineTrial[];
}

export function newLineMemory(): LineMemory {
  return { previousAlpha: NaN, previousPhi0: NaN, previousDphi0: NaN, lastTrials: [] };
}

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Searches along d from the state's x and, on success, moves the state to x + alpha d (with f and g there).
 * A search that returns alpha = 0 or a point no lower than f(x) leaves the state unchanged and reports no progress.
 */
export function lineStep(
  problem: EvaluationCounter,
  state: IterateState,
  d: Float64Array,
  search: LineSearch,
  initialStep: InitialStep,
  memory: LineMemory,
  iteration: number,
  recordTrials = false,
): StepOutcome & { alpha: number } {
  const dphi0 = dot(state.g, d);
  if (!(dphi0 < 0))
    return { progress: false, alpha: 0, message: `not a descent direction (g^T d = ${dphi0})` };
  const alpha0 = initialStep({
    iteration,
    phi0: state.f,
    dphi0,
    previousPhi0: memory.previousPhi0,
    previousDphi0: memory.previousDphi0,
    previousAlpha: memory.previousAlpha,
  });
  const slice = new LineSlice(problem, state.x, d, recordTrials);
  const result = search.search(slice, state.f, dphi0, alpha0);
  memory.lastTrials = slice.trials;
  if (!(result.alpha > 0) || !(result.phi < state.f)) {
    return { progress: false, alpha: 0, message: `${search.name} line search: ${result.message}` };
  }
  memory.previousAlpha = result.alpha;
  memory.previousPhi0 = state.f;
  memory.previousDphi0 = dphi0;
  state.f = slice.takeStep(result.alpha, state.x, state.g);
  return { progress: true, alpha: result.alpha };
}
