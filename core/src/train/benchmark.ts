/**
 * Benchmarking minibatch optimizers on a network: each solver (a `GradientTransform`, built-in or written in a cell)
 * trains the same model from the same initial parameters on the same data, and the run records the training loss
 * on the whole training set (and the held-out accuracy, when there is held-out data) after every epoch, against
 * epochs and against the seconds spent training. Evaluation time is not counted as training time.
 *
 * Every solver sees the same batches in the same order: epoch e shuffles with the seed `seed + e`, and the
 * optimizer's state carries over from one epoch to the next as in one long run.
 *
 * The cost of a solver at tolerance tau is the number of epochs it needed to pass More and Wild's test
 * f <= fL + tau (f0 - fL), with f0 the common starting loss and fL the lowest loss any solver reached — the same
 * test as the problem-set benchmark (optim/benchmark.ts), so the two read alike.
 */
import type { LossName } from "../losses";
import type { SupervisedData } from "../model/data";
import type { Sequential } from "../model/sequential";
import type { GradientTransform } from "../optim/transform";
import { evaluate } from "./evaluate";
import { train } from "./train";

/** A network to train: a fresh model per solver (all with the same initial parameters), its data and loss. */
export interface TrainingBenchmarkProblem {
  name: string;
  makeModel: () => Sequential;
  data: SupervisedData;
  /** Held-out data, for the accuracy after each epoch. */
  test?: SupervisedData;
  loss: LossName;
}

export interface TrainingBenchmarkOptions {
  epochs: number;
  batchSize: number;
  /** Seeds the shuffling (epoch e uses seed + e); default 0. */
  seed?: number;
  /** Checked between epochs: once aborted, the benchmark ends with the epochs finished so far. */
  signal?: AbortSignal;
  /** Called after every epoch of every solver (epoch 0 is the start), e.g. for a progress line. */
  onEpoch?: (solver: number, point: TrainingPoint, done: number, total: number) => void;
  /** The clock, in milliseconds; default performance.now. */
  now?: () => number;
}

/** The state of one run after an epoch (epoch 0: the starting parameters). */
export interface TrainingPoint {
  epoch: number;
  /** Seconds spent training so far (evaluations left out). */
  seconds: number;
  /** Mean loss over the whole training set. */
  loss: number;
  /** Accuracy on the held-out data, when there is some. */
  testAccuracy?: number;
}

export interface TrainingBenchmarkRun {
  solver: string;
  points: TrainingPoint[];
  /** True when a batch loss or gradient was not finite: the run ended there. */
  diverged: boolean;
}

export interface TrainingBenchmarkResult {
  problem: { name: string; parameters: number; samples: number; batchSize: number };
  solvers: string[];
  runs: TrainingBenchmarkRun[];
  /** False when the benchmark was interrupted: `runs` holds the epochs finished so far. */
  complete: boolean;
}

/** A transform whose state carries over from one call of `train` to the next, as in one long run. */
function continuing<S>(transform: GradientTransform<S>): GradientTransform<S> {
  let state: S | undefined;
  let started = false;
  return {
    name: transform.name,
    init(theta) {
      if (!started) {
        state = transform.init(theta);
        started = true;
      }
      return state as S;
    },
    update(g, s, theta, step) {
      state = transform.update(g, s, theta, step);
      return state;
    },
  };
}

const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export async function benchmarkTraining(
  problem: TrainingBenchmarkProblem,
  solvers: { name: string; transform: GradientTransform }[],
  options: TrainingBenchmarkOptions,
): Promise<TrainingBenchmarkResult> {
  const { epochs, batchSize } = options;
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new RangeError(`epochs must be a positive integer, got ${epochs}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  if (solvers.length === 0) throw new RangeError("a benchmark needs at least one solver");
  const now = options.now ?? (() => performance.now());
  const seed = options.seed ?? 0;
  const total = solvers.length * (epochs + 1);
  let done = 0;
  let complete = true;
  let parameters = 0;
  const runs: TrainingBenchmarkRun[] = [];
  const measure = (model: Sequential, epoch: number, seconds: number): TrainingPoint => {
    const point: TrainingPoint = {
      epoch,
      seconds,
      loss: evaluate(model, problem.data, { loss: problem.loss }).loss,
    };
    if (problem.test) point.testAccuracy = evaluate(model, problem.test, { loss: problem.loss }).accuracy;
    return point;
  };
  outer: for (let s = 0; s < solvers.length; s++) {
    if (options.signal?.aborted) {
      complete = false;
      break;
    }
    const model = problem.makeModel();
    parameters = model.parameterCount;
    const transform = continuing(solvers[s].transform);
    const run: TrainingBenchmarkRun = { solver: solvers[s].name, points: [], diverged: false };
    runs.push(run);
    let seconds = 0;
    const report = (point: TrainingPoint) => {
      run.points.push(point);
      options.onEpoch?.(s, point, ++done, total);
    };
    report(measure(model, 0, 0));
    for (let epoch = 1; epoch <= epochs; epoch++) {
      await pause();
      if (options.signal?.aborted) {
        complete = false;
        break outer;
      }
      const started = now();
      const result = train(model, problem.data, {
        loss: problem.loss,
        transform,
        epochs: 1,
        batchSize,
        seed: seed + epoch - 1,
      });
      seconds += (now() - started) / 1000;
      if (result.diverged) {
        run.diverged = true;
        done += epochs - epoch + 1;
        break;
      }
      report(measure(model, epoch, seconds));
    }
  }
  return {
    problem: { name: problem.name, parameters, samples: problem.data.count, batchSize },
    solvers: solvers.map((s) => s.name),
    runs,
    complete,
  };
}

/**
 * costs[s] = the first epoch (1, 2, ...) at which solver s's loss passed f <= fL + tau (f0 - fL), or Infinity; f0
 * is the starting loss (the same for every solver), fL the lowest loss any run reached.
 */
export function trainingCosts(result: TrainingBenchmarkResult, tau: number): number[] {
  const losses = result.runs.flatMap((r) => r.points.map((p) => p.loss)).filter(Number.isFinite);
  const fL = Math.min(...losses);
  return result.runs.map((run) => {
    const f0 = run.points[0]?.loss ?? Infinity;
    const reached = run.points.find((p) => p.epoch >= 1 && p.loss <= fL + tau * (f0 - fL));
    return reached ? reached.epoch : Infinity;
  });
}
