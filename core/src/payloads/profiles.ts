import { JsonSchema, label, numberArray } from "./schema";

/** Mime type of an optimizer benchmark's profiles (payload version 1). */
export const PROFILES_MIME_TYPE_V1 = "application/vnd.deltalab.profiles.v1+json";

/** One run's convergence curve: the lowest f so far against distinct evaluation points, where it fell. */
export interface ProfileCurve {
  evaluations: number[];
  f: number[];
}

/**
 * A benchmark of several solvers on a problem set, as the profile view needs it. `costs[t][p][s]` is the number of
 * evaluations solver s needed on problem p to pass More and Wild's test f <= fL + tau (f0 - fL) at tau = taus[t]
 * (null: it did not). The view computes from them Dolan and More's performance profile rho_s(tau) and More and
 * Wild's data profile d_s(kappa), with tau chosen by a slider.
 */
export interface ProfilesPayload {
  title?: string;
  solvers: string[];
  problems: { name: string; dim: number }[];
  /** The tolerances the slider offers, each in (0, 1). */
  taus: number[];
  costs: (number | null)[][][];
  /** curves[p][s], for the convergence plot of one problem; optional (a large benchmark may leave them out). */
  curves?: ProfileCurve[][];
  /** False when the benchmark was interrupted: the payload holds the runs finished so far. */
  complete: boolean;
  /**
   * A minibatch benchmark on one network instead of a problem set: each solver's loss on the training set after
   * every epoch, against epochs and seconds. `problems` then holds the network (dim: its parameter count) and
   * `costs[t][0][s]` the epochs solver s needed to pass the test at taus[t]; the view draws the loss curves.
   */
  training?: TrainingBenchmark;
}

export interface TrainingBenchmark {
  samples: number;
  batchSize: number;
  /** runs[s]: solver s's measurements, epoch 0 being the common start. */
  runs: TrainingBenchmarkCurve[];
}

export interface TrainingBenchmarkCurve {
  epochs: number[];
  /** Seconds spent training up to each epoch (evaluations left out). */
  seconds: number[];
  /** Mean loss over the training set. */
  loss: number[];
  /** Held-out accuracy (0..1), when there was held-out data. */
  testAccuracy?: number[];
  /** The run stopped at a non-finite loss or gradient. */
  diverged: boolean;
}

/** The tolerances a profile view's slider offers by default. */
export const PROFILE_TAUS = [1e-1, 1e-3, 1e-5, 1e-7];

/** The slider's tolerances: the defaults and `tau` (the tolerance of the table), largest first. */
export function profileTaus(tau: number): number[] {
  return [...new Set([...PROFILE_TAUS, tau])].sort((a, b) => b - a);
}

const cost: JsonSchema = { type: ["integer", "null"], minimum: 1 };

export const PROFILES_SCHEMA_V1: JsonSchema = {
  $id: "https://deltalab.dev/schemas/profiles.v1.json",
  title: "deltalab optimizer profiles, v1",
  type: "object",
  required: ["solvers", "problems", "taus", "costs", "complete"],
  additionalProperties: false,
  properties: {
    title: label("title of the view"),
    solvers: { type: "array", minItems: 1, items: label("solver name") },
    problems: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["name", "dim"],
        additionalProperties: false,
        properties: { name: label("problem name"), dim: { type: "integer", minimum: 1 } },
      },
    },
    taus: {
      type: "array",
      minItems: 1,
      items: { type: "number", exclusiveMinimum: 0, maximum: 1 },
    },
    costs: { type: "array", items: { type: "array", items: { type: "array", items: cost } } },
    curves: {
      type: "array",
      items: {
        type: "array",
        items: {
          type: "object",
          required: ["evaluations", "f"],
          additionalProperties: false,
          properties: {
            evaluations: numberArray("distinct evaluation points where the lowest f fell"),
            f: numberArray("the lowest f so far there"),
          },
        },
      },
    },
    complete: { type: "boolean" },
    training: {
      type: "object",
      required: ["samples", "batchSize", "runs"],
      additionalProperties: false,
      properties: {
        samples: { type: "integer", minimum: 1 },
        batchSize: { type: "integer", minimum: 1 },
        runs: {
          type: "array",
          items: {
            type: "object",
            required: ["epochs", "seconds", "loss", "diverged"],
            additionalProperties: false,
            properties: {
              epochs: numberArray("epochs done at each measurement (0: the start)"),
              seconds: numberArray("seconds spent training up to each measurement"),
              loss: numberArray("mean loss over the training set"),
              testAccuracy: {
                type: "array",
                description: "held-out accuracy (0..1) at each measurement",
                items: { type: "number", minimum: 0, maximum: 1 },
              },
              diverged: { type: "boolean" },
            },
          },
        },
      },
    },
  },
};

/** The constraints the schema cannot state. Returns one sentence per problem (empty when consistent). */
export function profilesProblems(payload: ProfilesPayload): string[] {
  const problems: string[] = [];
  const P = payload.problems.length;
  const S = payload.solvers.length;
  if (payload.costs.length !== payload.taus.length) {
    problems.push(`costs has ${payload.costs.length} tables, taus has ${payload.taus.length} values`);
  }
  payload.costs.forEach((table, t) => {
    if (table.length !== P) problems.push(`costs[${t}] has ${table.length} rows, there are ${P} problems`);
    table.forEach((row, p) => {
      if (row.length !== S)
        problems.push(`costs[${t}][${p}] has ${row.length} entries, there are ${S} solvers`);
    });
  });
  if (payload.curves) {
    if (payload.curves.length !== P)
      problems.push(`curves has ${payload.curves.length} rows, there are ${P} problems`);
    payload.curves.forEach((row, p) => {
      if (row.length !== S) problems.push(`curves[${p}] has ${row.length} entries, there are ${S} solvers`);
      row.forEach((c, s) => {
        if (c.f.length !== c.evaluations.length) {
          problems.push(
            `curves[${p}][${s}].f has ${c.f.length} values, evaluations has ${c.evaluations.length}`,
          );
        }
      });
    });
  }
  if (payload.training) {
    const { runs } = payload.training;
    if (runs.length !== S) problems.push(`training.runs has ${runs.length} runs, there are ${S} solvers`);
    if (P !== 1) problems.push(`a training benchmark has one problem (the network), got ${P}`);
    runs.forEach((run, s) => {
      const n = run.epochs.length;
      for (const key of ["seconds", "loss", "testAccuracy"] as const) {
        const values = run[key];
        if (values && values.length !== n) {
          problems.push(`training.runs[${s}].${key} has ${values.length} values, epochs has ${n}`);
        }
      }
    });
  }
  return problems;
}
