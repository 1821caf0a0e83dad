/**
 * `%surface`: the loss over a plane (application/vnd.deltalab.loss-surface.v1+json) with optimizer trajectories.
 * For a two-parameter objective (the core's test surfaces, or a variable holding one) the plane is exact; for a
 * model it is a random filter-normalized plane through the model's parameters (Li et al. 2018, sec. 4), on a few
 * samples of the data. Each surface is kept in the kernel under an id, so that the view can ask for a run from a
 * clicked point over the `deltalab` comm (payloads/comm.ts); such runs stay in the plane.
 *
 * A model's surface is evaluated on WebGPU when a device opens (surfaceBackend.ts, `--device`), else on the CPU; the
 * title says which. Each drawn iterate carries its distance from the plane and the surface's loss under it, so the
 * view can show how far a projected path is from the truth.
 */
import { randomUUID } from "node:crypto";
import {
  axesAround,
  lossSurfacePayload,
  modelThetaGroups,
  ModelObjective,
  parameterPlane,
  projectPath,
  randomFilterNormalizedPlane,
  type GridAxis,
  type LandscapePlane,
  type Objective,
} from "@deltalab/core";
import { LOSS_SURFACE_MIME_TYPE_V1, type LossSurfacePayload } from "@deltalab/core/payloads";
import type { PlanePoint, PlaneRunner } from "../surface-comm";
import { checkBindingName, type CommandContext } from "./commandContext";
import { asSupervisedData } from "./data";
import { htmlTable, textTable } from "./html";
import { asModel } from "./model";
import {
  DEVICE_OPTION,
  deviceOption,
  evaluateSurface,
  openSurfaceBackend,
  type SurfaceDeviceChoice,
} from "./surfaceBackend";
import { METHOD_NAMES, resolveOptimizer, TRANSFORM_NAMES, type Optimizer } from "./optimizers";
import { UsageError } from "./parse";
import { ProgressLine, timeLeft, type ProgressOptions } from "./progress";
import { displayable } from "./result";
import { AS_OPTION, listOption, numberOption, stringOption, type CommandSpec } from "./spec";
import {
  isObjective,
  parsePoint,
  runEach,
  runOptimizer,
  testSurface,
  testSurfaceNames,
  type RunEachProgress,
  type RunRecord,
} from "./trajectory";

/** f restricted to a plane: g(a, b) = f(center + a d1 + b d2), grad g = (d1 . grad f, d2 . grad f). */
export function planeObjective(
  objective: Objective,
  plane: Pick<LandscapePlane, "center" | "d1" | "d2">,
): Objective {
  const n = plane.center.length;
  const theta = new Float64Array(n);
  const g = new Float64Array(n);
  const place = (p: Float64Array) => {
    for (let i = 0; i < n; i++)
      theta[i] = (plane.center[i] ?? 0) + (p[0] ?? 0) * (plane.d1[i] ?? 0) + (p[1] ?? 0) * (plane.d2[i] ?? 0);
  };
  return {
    dim: 2,
    value(p) {
      place(p);
      return objective.value(theta);
    },
    valueAndGradient(p, out) {
      place(p);
      const f = objective.valueAndGradient(theta, g);
      let a = 0;
      let b = 0;
      for (let i = 0; i < n; i++) {
        a += (plane.d1[i] ?? 0) * (g[i] ?? 0);
        b += (plane.d2[i] ?? 0) * (g[i] ?? 0);
      }
      out[0] = a;
      out[1] = b;
      return f;
    },
  };
}

interface StoredSurface {
  inPlane: Objective;
  resolve: (name: string) => Optimizer;
  iterations: number;
}

/** The surfaces shown in this kernel, by id, for runs requested from their views. */
export class SurfaceSessions {
  private readonly surfaces = new Map<string, StoredSurface>();

  add(surface: StoredSurface): string {
    const id = randomUUID();
    this.surfaces.set(id, surface);
    return id;
  }

  /** The comm target's runner: the optimizer on the plane's restricted objective, from the clicked point. */
  readonly runner: PlaneRunner = (surfaceId, optimizerName, point, signal) => {
    const stored = this.surfaces.get(surfaceId);
    if (!stored)
      throw new UsageError(
        `there is no surface ${JSON.stringify(surfaceId)} in this kernel (was it restarted?)`,
      );
    const optimizer = stored.resolve(optimizerName);
    const record = runOptimizer(stored.inPlane, Float64Array.from(point), optimizer, {
      iterations: stored.iterations,
      signal,
    });
    const points = record.trajectory.map(
      (p): PlanePoint => ({ point: [p.x[0] ?? 0, p.x[1] ?? 0], loss: p.f }),
    );
    const end =
      record.reason === "diverged"
        ? "diverged"
        : record.reason.endsWith("tolerance")
          ? "converged"
          : "max-iterations";
    return { points, end };
  };
}

export interface SurfaceResult {
  payload: LossSurfacePayload;
  runs: RunRecord[];
  /** Where the surface was evaluated ("CPU" or "WebGPU (adapter)"), with the reason for a fallback to the CPU. */
  evaluatedOn: string;
}

export interface SurfaceOptions {
  optimizers: Optimizer[];
  iterations?: number;
  /** Grid points per axis (default 41 for two parameters, 15 for a model). */
  grid?: number;
  start?: Float64Array;
  /** For two parameters: [xMin, xMax, yMin, yMax] of the grid. */
  box?: [number, number, number, number];
  seed?: number;
  signal?: AbortSignal;
  title?: string;
  session?: { sessions: SurfaceSessions; resolve: (name: string) => Optimizer };
  /** Where to evaluate the surface (default "auto": WebGPU for a model when a device opens, else the CPU). */
  device?: SurfaceDeviceChoice;
  /** Where to report progress (the runs' iterations, the grid's points), replaced in place. */
  progress?: ProgressLine;
}

/** The progress callback of `runEach`: which run, which iteration of how many. */
export function reportRuns(progress: ProgressLine | undefined, iterations: number) {
  return (p: RunEachProgress) =>
    progress?.update(
      p.iteration < 0
        ? `starting ${p.optimizer} (run ${p.run + 1} of ${p.runs})`
        : `${p.optimizer} (run ${p.run + 1} of ${p.runs}), iteration ${p.iteration} of ${iterations}`,
    );
}

function axesOf(box: [number, number, number, number], count: number): { x: GridAxis; y: GridAxis } {
  return { x: { min: box[0], max: box[1], count }, y: { min: box[2], max: box[3], count } };
}

/** The surface of `objective` on `plane` with the runs of `options.optimizers` from `start` drawn on it. */
export async function lossSurface(
  objective: Objective,
  plane: LandscapePlane,
  start: Float64Array,
  axes: { x: GridAxis; y: GridAxis } | undefined,
  options: SurfaceOptions,
): Promise<SurfaceResult> {
  const iterations = options.iterations ?? 100;
  const runs = await runEach(objective, start, options.optimizers, {
    iterations,
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: reportRuns(options.progress, iterations),
  });
  return surfaceFromRuns(objective, plane, runs, axes, options);
}

/**
 * Ends a command interrupted during its optimizer runs, before the plane and the surface that would take seconds
 * more to compute and that nobody waits for: the progress line says so, and the error ends the command (the kernel
 * reports it as interrupted).
 */
export function stopIfInterruptedDuringRuns(
  signal: AbortSignal | undefined,
  progress: ProgressLine | undefined,
): void {
  if (!signal?.aborted) return;
  const seconds = ((progress?.elapsedMs() ?? 0) / 1000).toFixed(1);
  progress?.finish(`interrupted after ${seconds} s, during the runs: no surface was drawn`);
  throw new Error("interrupted during the optimizer runs");
}

/**
 * The surface on `plane` with finished runs drawn on it (projected when the plane does not hold them), each iterate
 * with its distance from the plane and the surface's loss under it. The grid and those losses are evaluated on the
 * backend `options.device` selects; the title says which.
 */
export async function surfaceFromRuns(
  objective: Objective,
  plane: LandscapePlane,
  runs: RunRecord[],
  axes: { x: GridAxis; y: GridAxis } | undefined,
  options: Omit<SurfaceOptions, "optimizers">,
): Promise<SurfaceResult> {
  stopIfInterruptedDuringRuns(options.signal, options.progress);
  const projected = runs.map((run) => projectPath(plane, run.trajectory, { optimizer: run.optimizer }));
  const gridAxes = axes ?? axesAround(projected, { count: options.grid ?? 15 });
  const backend = await openSurfaceBackend(objective, options.device ?? "auto");
  const progress = options.progress;
  const gridStarted = progress?.elapsedMs() ?? 0;
  const columns = gridAxes.x.count;
  const evaluated = await evaluateSurface(
    backend.evaluator,
    plane,
    gridAxes,
    projected,
    options.signal,
    ({ rowsDone, rows }) => {
      if (!progress) return;
      const points = `${rowsDone * columns} of ${rows * columns} points`;
      const left = timeLeft(rowsDone, rows, progress.elapsedMs() - gridStarted);
      progress.update(`surface on ${backend.name}, ${points}${left ? `, ${left}` : ""}`);
    },
  ).finally(() => backend.dispose());
  const { grid, paths } = evaluated;
  const seconds = ((progress?.elapsedMs() ?? 0) / 1000).toFixed(1);
  const drawn = `${runs.length} run${runs.length === 1 ? "" : "s"} and ${grid.y.length * columns} of ${grid.plannedRows * columns} surface points`;
  progress?.finish(
    options.signal?.aborted ? `interrupted after ${seconds} s: ${drawn}` : `done in ${seconds} s: ${drawn}`,
  );
  const iterations = options.iterations ?? 100;
  const session = options.session
    ? {
        surfaceId: options.session.sessions.add({
          inPlane: planeObjective(objective, plane),
          resolve: options.session.resolve,
          iterations,
        }),
        optimizers: [...new Set([...runs.map((run) => run.optimizer), ...TRANSFORM_NAMES, ...METHOD_NAMES])],
      }
    : undefined;
  const title = `${options.title ?? "loss surface"} (loss on ${backend.name})`;
  const payload = lossSurfacePayload(plane, grid, paths, { title, ...(session ? { session } : {}) });
  const evaluatedOn = backend.fallbackReason
    ? `${backend.name}; WebGPU was not used: ${backend.fallbackReason}`
    : backend.name;
  return displayable({ payload, runs, evaluatedOn }, surfaceBundle);
}

export function runsTable(runs: RunRecord[]): { headers: string[]; rows: (string | number)[][] } {
  return {
    headers: ["optimizer", "iterations", "final loss", "max |gradient|", "evaluations", "stopped by", "ms"],
    rows: runs.map((run) => [
      run.optimizer,
      Math.max(0, run.trajectory.length - 1),
      run.trajectory[run.trajectory.length - 1]?.f ?? Number.NaN,
      run.gradientNorm,
      run.evaluations,
      run.reason,
      Math.round(run.elapsedMs),
    ]),
  };
}

function surfaceBundle(result: SurfaceResult) {
  const { headers, rows } = runsTable(result.runs);
  const caption = `${result.payload.title ?? "loss surface"}; evaluated on ${result.evaluatedOn}`;
  return {
    [LOSS_SURFACE_MIME_TYPE_V1]: result.payload,
    "text/html": htmlTable(headers, rows, caption),
    "text/plain": textTable(headers, rows, caption),
  };
}

/** The objective, plane, start and grid a %surface or %race target names: a test surface, an objective or a model. */
export function surfaceTarget(
  context: CommandContext,
  target: string,
  dataName: string | undefined,
  options: { start?: string[]; box?: string[]; samples?: number; seed?: number },
): {
  objective: Objective;
  plane: LandscapePlane;
  start: Float64Array;
  box?: [number, number, number, number];
  title: string;
} {
  if (testSurfaceNames().includes(target) && !context.names().includes(target)) {
    const surface = testSurface(target);
    const start = options.start ? parsePoint(options.start, 2) : surface.start;
    const box = options.box ? boxOf(options.box) : surface.box;
    return {
      objective: surface,
      plane: parameterPlane(new Float64Array(2), 0, 1, ["x", "y"]),
      start,
      box,
      title: target,
    };
  }
  if (!context.names().includes(target)) {
    throw new UsageError(
      `${JSON.stringify(target)} is neither a test surface (${testSurfaceNames().join(", ")}) nor a variable of this notebook`,
    );
  }
  const value = context.lookup(target);
  if (isObjective(value)) {
    const start = options.start ? parsePoint(options.start, value.dim) : new Float64Array(value.dim);
    if (value.dim === 2) {
      const box = options.box ? boxOf(options.box) : undefined;
      return {
        objective: value,
        plane: parameterPlane(new Float64Array(2), 0, 1, ["x", "y"]),
        start,
        ...(box ? { box } : {}),
        title: target,
      };
    }
    return {
      objective: value,
      plane: randomFilterNormalizedPlane(start, { seed: options.seed ?? 1 }),
      start,
      title: target,
    };
  }
  const model = asShadowingAware(value, target);
  if (dataName === undefined) throw new UsageError(`a model's surface needs data: %surface ${target} DATA`);
  const data = asSupervisedData(context.lookup(dataName), dataName);
  const count = Math.min(options.samples ?? 64, data.count);
  const subset = {
    count,
    inputs: Array.prototype.slice.call(data.inputs, 0, count * model.inputSize) as number[],
    targets: Array.prototype.slice.call(data.targets, 0, count * model.outputSize) as number[],
  };
  // The runs, the surface and later runs from a clicked point leave the notebook's model as it was.
  const objective = new ModelObjective(model, subset, { loss: "cross-entropy", preserveParameters: true });
  const theta = model.getParameters();
  const plane = randomFilterNormalizedPlane(theta, {
    seed: options.seed ?? 1,
    groups: modelThetaGroups(model),
  });
  return { objective, plane, start: theta, title: `${target} on ${count} samples of ${dataName}` };
}

function boxOf(values: string[]): [number, number, number, number] {
  const box = parsePoint(values, 4, "--box");
  if (!((box[0] ?? 0) < (box[1] ?? 0) && (box[2] ?? 0) < (box[3] ?? 0)))
    throw new UsageError("--box needs xMin < xMax and yMin < yMax");
  return [box[0] ?? 0, box[1] ?? 0, box[2] ?? 0, box[3] ?? 0];
}

/** `progressOptions` sets when the progress line appears and how often it is redrawn (tests show it at once). */
export function surfaceSpec(sessions: SurfaceSessions, progressOptions: ProgressOptions = {}): CommandSpec {
  return {
    name: "surface",
    summary: "loss surface of a test problem, an objective or a model, with optimizer trajectories",
    positional: [
      {
        name: "TARGET",
        description: `a test surface (${testSurfaceNames().join(", ")}), an objective variable or a model variable`,
      },
      { name: "DATA", description: "for a model: a data variable", optional: true },
    ],
    options: [
      {
        name: "optimizers",
        kind: "list",
        description: "optimizers whose paths are drawn (names or variables)",
        metavar: "A,B,...",
      },
      {
        name: "iterations",
        kind: "integer",
        description: "iterations of each optimizer",
        defaultText: "100",
      },
      { name: "lr", kind: "number", description: "step size of the built-in first-order optimizers" },
      {
        name: "grid",
        kind: "integer",
        description: "grid points per axis",
        defaultText: "41 (15 for a model)",
      },
      { name: "start", kind: "list", description: "start point of the runs", metavar: "X,Y" },
      {
        name: "box",
        kind: "list",
        description: "grid box for two parameters",
        metavar: "XMIN,XMAX,YMIN,YMAX",
      },
      {
        name: "samples",
        kind: "integer",
        description: "for a model: samples of the data in the loss",
        defaultText: "64",
      },
      { name: "seed", kind: "integer", description: "seed of a random plane", defaultText: "1" },
      DEVICE_OPTION,
      AS_OPTION,
    ],
    examples: [
      "%surface rosenbrock --optimizers momentum,bfgs --lr 0.001",
      "%surface net train --samples 32 --grid 11",
      "%surface net train --device cpu",
    ],
    run: async (args, context) => {
      const [target = "", dataName] = args.positional;
      const lr = numberOption(args, "lr");
      const resolve = (name: string) => resolveOptimizer(name, context, lr !== undefined ? { lr } : {});
      const optimizers = (listOption(args, "optimizers") ?? []).map(resolve);
      const start = listOption(args, "start");
      const box = listOption(args, "box");
      const samples = numberOption(args, "samples");
      const seed = numberOption(args, "seed");
      const found = surfaceTarget(context, target, dataName, {
        ...(start ? { start } : {}),
        ...(box ? { box } : {}),
        ...(samples !== undefined ? { samples } : {}),
        ...(seed !== undefined ? { seed } : {}),
      });
      const grid = numberOption(args, "grid") ?? (found.box ? 41 : 15);
      if (grid < 2) throw new UsageError(`--grid must be at least 2, got ${grid}`);
      const iterations = numberOption(args, "iterations");
      const device = deviceOption(args);
      const axes = found.box
        ? axesOf(found.box, grid)
        : optimizers.length === 0
          ? { x: { min: -1, max: 1, count: grid }, y: { min: -1, max: 1, count: grid } }
          : undefined;
      const result = await lossSurface(found.objective, found.plane, found.start, axes, {
        optimizers,
        grid,
        ...(iterations !== undefined ? { iterations } : {}),
        signal: context.signal,
        progress: new ProgressLine(context.outputs, `%surface ${found.title}`, progressOptions),
        title: found.title,
        session: { sessions, resolve },
        ...(device ? { device } : {}),
      });
      const as = stringOption(args, "as");
      if (as) context.bind(checkBindingName(as), result, 'import("deltalab").SurfaceResult');
      return result;
    },
  };
}

/**
 * The model a variable holds. A variable named like a test surface (after `import { rosenbrock }`, say) hides
 * the built-in surface: when it is neither a model nor an objective, the error says so and how to reach either.
 */
function asShadowingAware(value: unknown, name: string): ReturnType<typeof asModel> {
  if (!testSurfaceNames().includes(name)) return asModel(value, name);
  try {
    return asModel(value, name);
  } catch {
    throw new UsageError(
      `the notebook variable ${name} (a ${typeof value}) hides the built-in test surface ${name}, and it is ` +
        `neither an objective nor a model: rename or delete the variable to use the test surface, or pass an ` +
        `objective (an object with dim, value and valueAndGradient)`,
    );
  }
}
