/**
 * `%bench`: several optimizers over a problem set — the More-Garbow-Hillstrom problems from their standard starts
 * (or 10 x0, 100 x0, as the paper also uses), or a set given in a cell — with f recorded against evaluations,
 * gradient evaluations and time for every run (core/src/optim/benchmark.ts). It shows, per optimizer, how many
 * problems pass More and Wild's convergence test at --tau, the median evaluations where they do, and the
 * performance profile (Dolan-More) and data profile (More-Wild) at a few points. A progress line is replaced in
 * place while it runs; an interrupt ends it with the runs finished so far.
 */
import {
  benchmarkCosts,
  benchmarkRun,
  dataProfile,
  mghProblems,
  performanceProfile,
  type BenchmarkProblem,
  type BenchmarkResult,
  type BenchmarkRun,
  type BenchmarkSolver,
} from "@deltalab/core";
import { PROFILES_MIME_TYPE_V1, profileTaus, type ProfilesPayload } from "@deltalab/core/payloads";
import { checkBindingName, type CommandContext } from "./commandContext";
import { htmlTable, textTable } from "./html";
import { resolveOptimizer } from "./optimizers";
import { UsageError } from "./parse";
import { ProgressLine, timeLeft, type ProgressOptions } from "./progress";
import { displayable } from "./result";
import { benchLenet5 } from "./benchTraining";
import { AS_OPTION, listOption, numberOption, stringOption, type CommandSpec, type ParsedArgs } from "./spec";

export interface BenchOptions {
  /** More-Wild's tolerance tau of the convergence test f <= fL + tau (f0 - fL) (default 1e-3). */
  tau?: number;
  gradientTolerance?: number;
  maxIterations?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, last: BenchmarkRun) => void;
}

export interface BenchSummaryRow {
  solver: string;
  solved: number;
  medianEvaluations: number | null;
  /** rho(1): the share of problems on which it is (one of) the cheapest. */
  best: number;
  /** rho(2). */
  withinTwice: number;
  /** d(25), d(100): the share solved within 25 and 100 simplex gradients. */
  data25: number;
  data100: number;
}

export interface BenchReport {
  title: string;
  tau: number;
  result: BenchmarkResult;
  summary: BenchSummaryRow[];
  /** What the profile view draws (PROFILES_MIME_TYPE_V1). */
  payload: ProfilesPayload;
}

/** The profile view's payload: costs at each tau of the problems every solver finished, and every run's curve. */
export function profilesPayload(title: string, result: BenchmarkResult, tau: number): ProfilesPayload {
  const taus = profileTaus(tau);
  const finished = result.problems
    .map((_, p) => p)
    .filter((p) =>
      result.solvers.every((_, s) => result.runs.some((r) => r.problem === p && r.solver === s)),
    );
  const run = (p: number, s: number) => result.runs.find((r) => r.problem === p && r.solver === s);
  return {
    title,
    solvers: result.solvers,
    problems: finished.map((p) => ({ name: result.problems[p].name, dim: result.problems[p].dim })),
    taus,
    costs: taus.map((t) => {
      const costs = benchmarkCosts(result, t);
      return finished.map((p) => costs[p].map((c) => (Number.isFinite(c) ? c : null)));
    }),
    curves: finished.map((p) =>
      result.solvers.map((_, s) => {
        const history = (run(p, s)?.history ?? []).filter((h) => Number.isFinite(h.f));
        return { evaluations: history.map((h) => h.evaluations), f: history.map((h) => h.f) };
      }),
    ),
    complete: result.complete,
  };
}

/** The MGH problems at x0, 10 x0 or 100 x0. The known minimum applies only to the standard start. */
export function mghBenchmarkSet(scale = 1): BenchmarkProblem[] {
  if (![1, 10, 100].includes(scale)) throw new UsageError(`--scale must be 1, 10 or 100, got ${scale}`);
  return mghProblems().map((p) => ({
    name: `${p.number} ${p.name}`,
    objective: p,
    start: Float64Array.from(p.start, (v) => scale * v),
    ...(scale === 1 ? { minimum: p.minimum } : {}),
  }));
}

function checkProblemSet(value: unknown, name: string): BenchmarkProblem[] {
  const ok =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (p: Partial<BenchmarkProblem> | null) =>
        p !== null &&
        typeof p === "object" &&
        typeof p.name === "string" &&
        typeof p.objective?.valueAndGradient === "function" &&
        p.start instanceof Float64Array &&
        p.start.length === p.objective.dim,
    );
  if (!ok) {
    throw new UsageError(
      `${name} is not a problem set: expected a non-empty array of { name, objective, start: Float64Array of ` +
        "length objective.dim, minimum? }",
    );
  }
  return value as BenchmarkProblem[];
}

const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};

/** The per-solver summary at tolerance tau. */
export function summarizeBenchmark(result: BenchmarkResult, tau: number): BenchSummaryRow[] {
  const finished = result.problems
    .map((_, p) => p)
    .filter((p) =>
      result.solvers.every((_, s) => result.runs.some((r) => r.problem === p && r.solver === s)),
    );
  const all = benchmarkCosts(result, tau);
  const costs = finished.map((p) => all[p]);
  const dims = finished.map((p) => result.problems[p].dim);
  const rho = costs.length ? performanceProfile(costs, [1, 2]) : [];
  const data = costs.length ? dataProfile(costs, dims, [25, 100]) : [];
  return result.solvers.map((solver, s) => {
    const solvedCosts = costs.map((row) => row[s]).filter(Number.isFinite);
    return {
      solver,
      solved: solvedCosts.length,
      medianEvaluations: median(solvedCosts),
      best: rho[s]?.[0] ?? 0,
      withinTwice: rho[s]?.[1] ?? 0,
      data25: data[s]?.[0] ?? 0,
      data100: data[s]?.[1] ?? 0,
    };
  });
}

/**
 * Runs every solver on every problem, yielding to the event loop between runs so that an interrupt stops the
 * benchmark; the runs finished before it are kept (`result.complete` is then false).
 */
export async function benchmark(
  title: string,
  problems: BenchmarkProblem[],
  solvers: { name: string; solver: BenchmarkSolver }[],
  options: BenchOptions = {},
): Promise<BenchReport> {
  const tau = options.tau ?? 1e-3;
  if (!(tau > 0 && tau < 1)) throw new UsageError(`--tau must lie in (0, 1), got ${tau}`);
  const runs: BenchmarkRun[] = [];
  const total = problems.length * solvers.length;
  const stopping = {
    gradientTolerance: options.gradientTolerance ?? 1e-5,
    maxIterations: options.maxIterations ?? 1000,
  };
  let complete = true;
  outer: for (let p = 0; p < problems.length; p++) {
    for (let s = 0; s < solvers.length; s++) {
      if (options.signal?.aborted) {
        complete = false;
        break outer;
      }
      const run = { problem: p, solver: s, ...benchmarkRun(problems[p], solvers[s].solver, stopping) };
      runs.push(run);
      options.onProgress?.(runs.length, total, run);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  if (runs.length < total) complete = false;
  const result: BenchmarkResult = {
    problems: problems.map((p) => ({ name: p.name, dim: p.objective.dim, minimum: p.minimum })),
    solvers: solvers.map((s) => s.name),
    runs,
    complete,
  };
  return benchReport(title, result, tau);
}

/**
 * The report of a benchmark result (the table and the profile view) — also for results put together in a cell,
 * e.g. deltalab's runs beside scipy's reference runs.
 */
export function benchReport(title: string, result: BenchmarkResult, tau = 1e-3): BenchReport {
  if (!(tau > 0 && tau < 1)) throw new UsageError(`tau must lie in (0, 1), got ${tau}`);
  return displayable(
    {
      title,
      tau,
      result,
      summary: summarizeBenchmark(result, tau),
      payload: profilesPayload(title, result, tau),
    },
    benchBundle,
  );
}

function benchBundle(report: BenchReport) {
  const { result } = report;
  const finished = new Set(result.runs.map((r) => r.problem)).size;
  const caption =
    `${report.title}: ${result.runs.length} runs on ${finished} of ${result.problems.length} problems` +
    (result.complete ? "" : " (interrupted: the runs finished so far)") +
    `; solved = f <= fL + tau (f0 - fL), tau = ${report.tau}; evaluations = distinct points where f was evaluated`;
  const headers = [
    "optimizer",
    "solved",
    "median evaluations (solved)",
    "rho(1) cheapest",
    "rho(2) within 2x",
    "d(25)",
    "d(100)",
  ];
  const share = (v: number) => v.toFixed(2);
  const rows = report.summary.map((r) => [
    r.solver,
    `${r.solved}/${finished}`,
    r.medianEvaluations ?? "-",
    share(r.best),
    share(r.withinTwice),
    share(r.data25),
    share(r.data100),
  ]);
  return {
    [PROFILES_MIME_TYPE_V1]: report.payload,
    "text/plain": textTable(headers, rows, caption),
    "text/html": htmlTable(headers, rows, caption),
  };
}

export function benchSpec(progressOptions: ProgressOptions = {}): CommandSpec {
  return {
    name: "bench",
    summary: "benchmark optimizers over a problem set: solved counts, median evaluations, profiles",
    positional: [
      {
        name: "SET",
        description:
          "mgh (the More-Garbow-Hillstrom problems), lenet5 (minibatch optimizers training LeNet-5 on the " +
          "committed Fashion-MNIST subset) or a variable holding [{ name, objective, start }]",
        optional: true,
      },
    ],
    options: [
      {
        name: "optimizers",
        kind: "list",
        description: "the optimizers (built-in names or variables holding a Method or a GradientTransform)",
        metavar: "A,B,...",
        defaultText: "cg-polak-ribiere,bfgs,lbfgs",
      },
      { name: "tau", kind: "number", description: "tolerance of the convergence test", defaultText: "1e-3" },
      { name: "scale", kind: "integer", description: "MGH starts at 1, 10 or 100 x0", defaultText: "1" },
      {
        name: "tolerance",
        kind: "number",
        description: "gradient tolerance of every run",
        defaultText: "1e-5",
      },
      {
        name: "iterations",
        kind: "integer",
        description: "iteration budget of each run",
        defaultText: "1000",
      },
      { name: "lr", kind: "number", description: "step size of the built-in first-order optimizers" },
      { name: "epochs", kind: "integer", description: "lenet5: epochs of every run", defaultText: "3" },
      { name: "batch", kind: "integer", description: "lenet5: minibatch size", defaultText: "32" },
      {
        name: "count",
        kind: "integer",
        description: "lenet5: training images taken from the subset",
        defaultText: "2000",
      },
      {
        name: "seed",
        kind: "integer",
        description: "lenet5: initial parameters and shuffling",
        defaultText: "0",
      },
      AS_OPTION,
    ],
    examples: [
      "%bench mgh --optimizers bfgs,lbfgs,myMethod --tau 1e-5",
      "%bench lenet5 --optimizers sgd,momentum,adam,myTransform --epochs 3",
    ],
    run: async (args, context: CommandContext) => {
      const [setName = "mgh"] = args.positional;
      if (setName === "lenet5") return runLenet5(args, context, progressOptions);
      const scale = numberOption(args, "scale") ?? 1;
      const problems =
        setName === "mgh" ? mghBenchmarkSet(scale) : checkProblemSet(context.lookup(setName), setName);
      const lr = numberOption(args, "lr");
      const names = listOption(args, "optimizers") ?? ["cg-polak-ribiere", "bfgs", "lbfgs"];
      if (names.length === 0) throw new UsageError("--optimizers needs at least one optimizer");
      const solvers = names.map((name) => {
        const o = resolveOptimizer(name, context, lr !== undefined ? { lr } : {});
        return { name: o.label, solver: o.kind === "transform" ? o.transform : o.method };
      });
      const title = setName === "mgh" ? `MGH${scale === 1 ? "" : ` from ${scale} x0`}` : setName;
      const progress = new ProgressLine(context.outputs, `%bench on ${title}`, progressOptions);
      const tau = numberOption(args, "tau");
      const gradientTolerance = numberOption(args, "tolerance");
      const maxIterations = numberOption(args, "iterations");
      const report = await benchmark(title, problems, solvers, {
        ...(tau !== undefined ? { tau } : {}),
        ...(gradientTolerance !== undefined ? { gradientTolerance } : {}),
        ...(maxIterations !== undefined ? { maxIterations } : {}),
        signal: context.signal,
        onProgress: (done, total, last) =>
          progress.update(
            `${done}/${total} runs (last: ${solvers[last.solver].name} on ${problems[last.problem].name}) ` +
              timeLeft(done, total, progress.elapsedMs()),
          ),
      });
      progress.finish(
        report.result.complete
          ? `done: ${report.result.runs.length} runs`
          : `interrupted: ${report.result.runs.length} runs kept`,
      );
      const as = stringOption(args, "as");
      if (as) context.bind(checkBindingName(as), report, 'import("deltalab").BenchReport');
      return report;
    },
  };
}

/** `%bench lenet5`: minibatch optimizers only (a batch method needs the whole objective at every step). */
async function runLenet5(args: ParsedArgs, context: CommandContext, progressOptions: ProgressOptions) {
  const lr = numberOption(args, "lr");
  const names = listOption(args, "optimizers") ?? ["sgd", "momentum", "adam"];
  if (names.length === 0) throw new UsageError("--optimizers needs at least one optimizer");
  const solvers = names.map((name) => {
    const o = resolveOptimizer(name, context, { transformsOnly: true, ...(lr !== undefined ? { lr } : {}) });
    if (o.kind !== "transform") throw new UsageError(`${name} is not a minibatch optimizer`);
    return { name: o.label, transform: o.transform };
  });
  const progress = new ProgressLine(context.outputs, "%bench on LeNet-5", progressOptions);
  const option = (name: string) => numberOption(args, name);
  const report = await benchLenet5(solvers, {
    ...(option("epochs") !== undefined ? { epochs: option("epochs") } : {}),
    ...(option("batch") !== undefined ? { batchSize: option("batch") } : {}),
    ...(option("count") !== undefined ? { count: option("count") } : {}),
    ...(option("seed") !== undefined ? { seed: option("seed") } : {}),
    ...(option("tau") !== undefined ? { tau: option("tau") } : {}),
    signal: context.signal,
    onProgress: (done, total, solver, epoch) =>
      progress.update(
        `${done}/${total} epochs measured (last: ${solver}, epoch ${epoch}) ` +
          timeLeft(done, total, progress.elapsedMs()),
      ),
  });
  progress.finish(report.result.complete ? "done" : "interrupted: the epochs finished so far are kept");
  const as = stringOption(args, "as");
  if (as) context.bind(checkBindingName(as), report, 'import("deltalab").TrainingBenchReport');
  return report;
}
