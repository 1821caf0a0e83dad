/**
 * The auto-tuner (seed 004 section 10): prune the operator's search space by the adapter's limits, rank it by the
 * modelled global-memory accesses (section 10.1.2) within each kernel family, then evaluate candidates — each
 * checked against the CPU reference and timed — exhaustively, or only the model's top k, or k drawn at random.
 * The heuristic default is always evaluated, so that speed-ups have a baseline. Results go to the tuning cache
 * after every candidate and come back as the tuning-table payload.
 */
import type { TuningCandidate, TuningTablePayload } from "@deltalab/core/payloads";
import { GpuDevice } from "../device/gpu";
import { stableJson } from "../program";
import { TuningCache } from "./cache";
import { LaunchResolver } from "./launches";
import { LaunchParams, TunableOperator } from "./operator";
import { TimerMethod, createTimer, measure } from "./timing";

export type TuningStrategy =
  | { readonly kind: "exhaustive" }
  | { readonly kind: "model-top-k"; readonly k: number }
  | { readonly kind: "random"; readonly k: number; readonly seed: number };

export interface TuneOptions {
  readonly strategy?: TuningStrategy;
  readonly warmup?: number;
  readonly runs?: number;
  readonly timer?: TimerMethod | "auto";
  /**
   * Stop timing a candidate after a run slower than this factor times the best median so far (`measure`): a
   * candidate far slower than the best costs one or two runs. Off by default.
   */
  readonly stopSlowerThan?: number;
  /**
   * Launches evaluated besides the strategy's, where the adapter can run them: e.g. the launch shipped for this
   * adapter's class (`LaunchResolver.shipped`), so that the tuned launch is never one measured slower than it.
   */
  readonly include?: readonly LaunchParams[];
  /** A cache to resume from and write to; none keeps results in memory only. */
  readonly cache?: TuningCache;
  /** Once aborted, tuning stops before its next timed run, throwing the signal's reason. */
  readonly signal?: AbortSignal;
  /** Called after each candidate, e.g. for a progress display. */
  readonly onCandidate?: (candidate: TuningCandidate, done: number, planned: number) => void;
}

export interface TuningResult {
  readonly table: TuningTablePayload;
  readonly strategy: TuningStrategy;
  /** Candidates in the space, and those left after pruning by the adapter's limits. */
  readonly spaceSize: number;
  readonly feasible: number;
  /** Candidates measured in this run, and those taken from the cache of an earlier (interrupted) run. */
  readonly evaluated: number;
  readonly resumed: number;
  readonly timer: { readonly method: TimerMethod; readonly resolutionMs: number };
  readonly best: { readonly id: string; readonly params: LaunchParams } | undefined;
  /** Configurations the adapter cannot run, with the reason. */
  readonly pruned: readonly { readonly params: LaunchParams; readonly reason: string }[];
}

/** The candidate id: operator and the stable JSON of its launch parameters. */
export function candidateId(operator: TunableOperator, params: LaunchParams): string {
  return `${operator.name}:${stableJson(params)}`;
}

/** A seeded shuffle (mulberry32 + Fisher-Yates). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * The feasible candidates ordered by the access model. The model compares launches of one kernel family (the
 * `method` field) well, but not families with each other: the cost of an access differs between them (staging in
 * workgroup memory and its barriers, an extra im2col pass), and on a CPU seed 004 section 9 finds that workgroup
 * memory saves nothing. So each family is ranked by modelled accesses and the families are interleaved: the
 * model's best of each family, then the second best of each, and so on. One family is a plain ranking.
 */
export function rankByModel(operator: TunableOperator, feasible: readonly LaunchParams[]): LaunchParams[] {
  const ranked = [...feasible].sort(
    (a, b) =>
      operator.globalAccesses(a) - operator.globalAccesses(b) ||
      candidateId(operator, a).localeCompare(candidateId(operator, b)),
  );
  const families = new Map<string, LaunchParams[]>();
  for (const params of ranked) {
    const family = String(params.method ?? "");
    const members = families.get(family);
    if (members === undefined) families.set(family, [params]);
    else members.push(params);
  }
  const interleaved: LaunchParams[] = [];
  const lists = [...families.values()];
  for (let rank = 0; interleaved.length < ranked.length; rank++) {
    for (const list of lists) if (rank < list.length) interleaved.push(list[rank]);
  }
  return interleaved;
}

/** The candidates a strategy evaluates, in evaluation order, the heuristic default always included. */
export function plan(
  operator: TunableOperator,
  feasible: readonly LaunchParams[],
  strategy: TuningStrategy,
): LaunchParams[] {
  let chosen: LaunchParams[];
  switch (strategy.kind) {
    case "exhaustive":
      chosen = rankByModel(operator, feasible);
      break;
    case "model-top-k":
      chosen = rankByModel(operator, feasible).slice(0, strategy.k);
      break;
    case "random":
      chosen = shuffled(feasible, strategy.seed).slice(0, strategy.k);
      break;
  }
  const defaultId = candidateId(operator, operator.defaultParams);
  if (!chosen.some((p) => candidateId(operator, p) === defaultId))
    chosen = [operator.defaultParams, ...chosen];
  return chosen;
}

function maxAbsDifference(actual: Float32Array, expected: Float32Array): number | null {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!Number.isFinite(d)) return null;
    worst = Math.max(worst, d);
  }
  return worst;
}

/**
 * Tunes one operator on one device. Tolerance of the check: 1e-4 max(1, max |reference|), which Float32 sums of
 * the tuned sizes stay well inside.
 */
export async function tune(
  gpu: GpuDevice,
  operator: TunableOperator,
  options: TuneOptions = {},
): Promise<TuningResult> {
  const strategy = options.strategy ?? { kind: "model-top-k", k: 16 };
  const warmup = options.warmup ?? 2;
  const runs = options.runs ?? 7;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a positive integer, got ${runs}`);
  if (!Number.isInteger(warmup) || warmup < 0)
    throw new Error(`warmup must be a non-negative integer, got ${warmup}`);
  const factor = options.stopSlowerThan;
  if (factor !== undefined && !(factor >= 1)) {
    throw new Error(`stopSlowerThan must be a factor of at least 1, got ${factor}`);
  }
  if (strategy.kind !== "exhaustive" && (!Number.isInteger(strategy.k) || strategy.k < 1)) {
    throw new Error(`the ${strategy.kind} strategy needs k, a positive integer; got ${strategy.k}`);
  }
  const space = operator.space();
  const pruned: { params: LaunchParams; reason: string }[] = [];
  const feasible: LaunchParams[] = [];
  for (const params of space) {
    const reason = operator.infeasible(params, gpu.limits);
    if (reason === undefined) feasible.push(params);
    else pruned.push({ params, reason });
  }
  const defaultReason = operator.infeasible(operator.defaultParams, gpu.limits);
  if (defaultReason !== undefined)
    throw new Error(`the default launch of ${operator.name} cannot run: ${defaultReason}`);

  const planned = plan(operator, feasible, strategy);
  for (const params of options.include ?? []) {
    const id = candidateId(operator, params);
    const runnable = operator.infeasible(params, gpu.limits) === undefined;
    if (runnable && !planned.some((p) => candidateId(operator, p) === id)) planned.push(params);
  }
  const entry = options.cache?.entry(gpu.adapter, operator.name, operator.shape);
  const timer = createTimer(gpu, options.timer);
  const prepared = operator.prepare(gpu);
  const reference = prepared.reference;
  let largest = 1;
  for (const value of reference) largest = Math.max(largest, Math.abs(value));
  const tolerance = 1e-4 * largest;
  const candidates: TuningCandidate[] = [];
  const stopAboveMs = (measured: readonly TuningCandidate[]): number => {
    const passed = measured.filter((c) => c.check.passed).map((c) => c.medianMs);
    const factor = options.stopSlowerThan;
    return factor === undefined || passed.length === 0 ? Infinity : factor * Math.min(...passed);
  };
  let evaluated = 0;
  let resumed = 0;
  try {
    for (const params of planned) {
      const id = candidateId(operator, params);
      const cached = entry?.candidates[id];
      if (cached !== undefined) {
        candidates.push(cached);
        resumed++;
        continue;
      }
      options.signal?.throwIfAborted();
      const dispatches = prepared.dispatches(params);
      prepared.clearOutput();
      gpu.submit(dispatches);
      const maxAbsError = maxAbsDifference(await prepared.readOutput(), reference);
      const timing = await measure(timer, dispatches, warmup, runs, stopAboveMs(candidates), options.signal);
      const medianMs = Math.max(timing.medianMs, timer.resolutionMs);
      const accesses = operator.globalAccesses(params);
      const candidate: TuningCandidate = {
        id,
        params: { ...params },
        medianMs,
        spreadMs: timing.spreadMs,
        samples: timing.samples,
        gflops: operator.flops / (medianMs * 1e6),
        gbps: (4 * accesses) / (medianMs * 1e6),
        globalAccesses: accesses,
        check: { passed: maxAbsError !== null && maxAbsError <= tolerance, maxAbsError, tolerance },
      };
      candidates.push(candidate);
      evaluated++;
      if (entry !== undefined) {
        entry.candidates[id] = candidate;
        options.cache?.save();
      }
      options.onCandidate?.(candidate, candidates.length, planned.length);
    }
  } finally {
    prepared.dispose();
  }

  const passing = candidates.filter((c) => c.check.passed).sort((a, b) => a.medianMs - b.medianMs);
  const bestCandidate = passing[0];
  const best =
    bestCandidate === undefined ? undefined : { id: bestCandidate.id, params: bestCandidate.params };
  if (entry !== undefined && best !== undefined) {
    entry.best = best;
    options.cache?.save();
  }
  const table: TuningTablePayload = {
    device: {
      name: gpu.name,
      vendor: gpu.adapter.vendor,
      architecture: gpu.adapter.architecture,
      limits: {
        maxComputeInvocationsPerWorkgroup: gpu.limits.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: gpu.limits.maxComputeWorkgroupSizeX,
        maxComputeWorkgroupSizeY: gpu.limits.maxComputeWorkgroupSizeY,
        maxComputeWorkgroupStorageSize: gpu.limits.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: gpu.limits.maxComputeWorkgroupsPerDimension,
      },
    },
    operator: operator.name,
    shape: { ...operator.shape },
    defaultId: candidateId(operator, operator.defaultParams),
    candidates,
    ...(operator.heatmapParams ? { heatmapParams: [...operator.heatmapParams] as [string, string] } : {}),
  };
  return {
    table,
    strategy,
    spaceSize: space.length,
    feasible: feasible.length,
    evaluated,
    resumed,
    timer: { method: timer.method, resolutionMs: timer.resolutionMs },
    best,
    pruned,
  };
}

/**
 * The launch to use for an operator: the cached best for this adapter and shape, else the launch shipped for the
 * adapter's class, else the stated heuristic — the operator's default (for the convolution, the direct kernel with
 * 8 x 8 = 64 invocations, a multiple of the 32- and 64-wide SIMD groups of common GPUs, and no workgroup memory,
 * which seed 004 found not to pay off on every device or for small filters). The launch resolver's answer
 * (launches.ts), which is what compiled models use.
 */
export function chooseLaunch(gpu: GpuDevice, operator: TunableOperator, cache?: TuningCache): LaunchParams {
  return new LaunchResolver(gpu.adapter, gpu.limits, cache).resolve(operator).params;
}
