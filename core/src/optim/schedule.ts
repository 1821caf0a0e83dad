/**
 * Step-size schedules mu_k for gradient descent (seed 004 eq. 118, section 5.1: "decreasing as a function of the
 * training epoch"). A schedule maps the 0-based update count k to a positive step.
 */
export type StepSchedule = (k: number) => number;

function requirePositive(name: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a positive finite number, got ${value}`);
  }
}

/** mu_k = mu. */
export function constantStep(mu: number): StepSchedule {
  requirePositive("step size", mu);
  return () => mu;
}

/** mu_k = mu0 / (1 + k / halfLife): halves after `halfLife` updates, sum diverges, sum of squares converges. */
export function inverseTimeDecay(mu0: number, halfLife: number): StepSchedule {
  requirePositive("initial step size", mu0);
  requirePositive("half-life", halfLife);
  return (k) => mu0 / (1 + k / halfLife);
}

/** mu_k = mu0 * rate^(k / every), with 0 < rate <= 1. */
export function exponentialDecay(mu0: number, rate: number, every = 1): StepSchedule {
  requirePositive("initial step size", mu0);
  requirePositive("decay interval", every);
  if (!(rate > 0 && rate <= 1)) throw new RangeError(`decay rate must lie in (0, 1], got ${rate}`);
  return (k) => mu0 * Math.pow(rate, k / every);
}

/** A number is a constant schedule; a function is used as given. */
export function toSchedule(step: number | StepSchedule): StepSchedule {
  return typeof step === "number" ? constantStep(step) : step;
}
