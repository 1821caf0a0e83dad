/**
 * `%bench lenet5`: minibatch optimizers (built-in transforms or ones written in a cell) training LeNet-5 on the
 * committed Fashion-MNIST subset from the same initial parameters (core/src/train/benchmark.ts). The view draws each
 * solver's training loss against epochs and against seconds; the table gives the final loss, the held-out accuracy,
 * the seconds spent and the epochs each solver needed at each tolerance of More and Wild's test.
 */
import {
  benchmarkTraining,
  fromDataset,
  lenet5,
  loadFashionMnist,
  trainingCosts,
  type GradientTransform,
  type TrainingBenchmarkResult,
} from "@deltalab/core";
import { PROFILES_MIME_TYPE_V1, profileTaus, type ProfilesPayload } from "@deltalab/core/payloads";
import { htmlTable, textTable } from "./html";
import { UsageError } from "./parse";
import { displayable } from "./result";

export interface TrainingBenchOptions {
  epochs?: number;
  batchSize?: number;
  /** Training images taken from the subset (at most its 2,000); default all. */
  count?: number;
  seed?: number;
  tau?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, solver: string, epoch: number) => void;
}

export interface TrainingBenchReport {
  title: string;
  tau: number;
  result: TrainingBenchmarkResult;
  payload: ProfilesPayload;
}

/** The profile view's payload of a training benchmark: the loss curves, and the epochs to solve at each tau. */
export function trainingProfilesPayload(
  title: string,
  result: TrainingBenchmarkResult,
  tau: number,
): ProfilesPayload {
  const taus = profileTaus(tau);
  return {
    title,
    solvers: result.solvers,
    problems: [{ name: result.problem.name, dim: Math.max(1, result.problem.parameters) }],
    taus,
    costs: taus.map((t) => [trainingCosts(result, t).map((c) => (Number.isFinite(c) ? c : null))]),
    complete: result.complete,
    training: {
      samples: result.problem.samples,
      batchSize: result.problem.batchSize,
      runs: result.runs.map((run) => ({
        epochs: run.points.map((p) => p.epoch),
        seconds: run.points.map((p) => p.seconds),
        loss: run.points.map((p) => p.loss),
        ...(run.points.every((p) => p.testAccuracy !== undefined)
          ? { testAccuracy: run.points.map((p) => p.testAccuracy as number) }
          : {}),
        diverged: run.diverged,
      })),
    },
  };
}

function integerIn(value: number, name: string, low: number, high: number): number {
  if (!Number.isInteger(value) || value < low || value > high) {
    throw new UsageError(`--${name} must be an integer in ${low}..${high}, got ${value}`);
  }
  return value;
}

/** Trains LeNet-5 with every solver on the committed subset and reports the curves. */
export async function benchLenet5(
  solvers: { name: string; transform: GradientTransform }[],
  options: TrainingBenchOptions = {},
): Promise<TrainingBenchReport> {
  const tau = options.tau ?? 1e-3;
  if (!(tau > 0 && tau < 1)) throw new UsageError(`--tau must lie in (0, 1), got ${tau}`);
  const epochs = integerIn(options.epochs ?? 3, "epochs", 1, 1000);
  const batchSize = integerIn(options.batchSize ?? 32, "batch", 1, 2000);
  const train = loadFashionMnist({ subset: true, split: "train" });
  const available = train.labels.length;
  const count = integerIn(options.count ?? available, "count", 1, available);
  const images =
    count === available ? train : loadFashionMnist({ subset: true, split: "train", limit: count });
  const test = loadFashionMnist({ subset: true, split: "test" });
  const seed = options.seed ?? 0;
  const name = `LeNet-5 on ${count} Fashion-MNIST images`;
  const result = await benchmarkTraining(
    {
      name,
      makeModel: () => lenet5({ inputSize: 28, seed }),
      data: fromDataset(images),
      test: fromDataset(test),
      loss: "cross-entropy",
    },
    solvers,
    {
      epochs,
      batchSize,
      seed,
      ...(options.signal ? { signal: options.signal } : {}),
      onEpoch: (s, point, done, total) => options.onProgress?.(done, total, solvers[s].name, point.epoch),
    },
  );
  const title = `${name}, batch ${batchSize}`;
  return displayable(
    { title, tau, result, payload: trainingProfilesPayload(title, result, tau) },
    trainingBenchBundle,
  );
}

function trainingBenchBundle(report: TrainingBenchReport) {
  const { result, tau } = report;
  const costs = trainingCosts(result, tau);
  const caption =
    `${report.title}: ${result.runs.length} of ${result.solvers.length} solvers` +
    (result.complete ? "" : " (interrupted: the epochs finished so far)") +
    `; loss on the ${result.problem.samples} training images after each epoch; epochs to tau = the first epoch ` +
    `with loss <= fL + tau (f0 - fL), tau = ${tau}`;
  const headers = ["optimizer", "epochs", "final loss", "test accuracy", "training seconds", "epochs to tau"];
  const rows = result.runs.map((run, s) => {
    const last = run.points[run.points.length - 1];
    return [
      run.solver,
      `${last.epoch}${run.diverged ? " (diverged)" : ""}`,
      Number(last.loss.toPrecision(4)),
      last.testAccuracy === undefined ? "-" : last.testAccuracy.toFixed(3),
      last.seconds.toFixed(2),
      Number.isFinite(costs[s]) ? costs[s] : "-",
    ];
  });
  return {
    [PROFILES_MIME_TYPE_V1]: report.payload,
    "text/plain": textTable(headers, rows, caption),
    "text/html": htmlTable(headers, rows, caption),
  };
}
