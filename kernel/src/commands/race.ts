/**
 * `%race`: several optimizers from one start on one problem — a table (iterations, final loss, gradient,
 * evaluations, why each stopped, time) and their trajectories on the loss surface. For two parameters the plane
 * is exact; otherwise it is the plane of the two principal components of the longest path through its end point
 * (Li et al. 2018, sec. 7), onto which every path is projected. The surface is evaluated where `%surface` evaluates
 * it (`--device`: WebGPU for a model when a device opens, else the CPU).
 */
import { pcaPlane, type LandscapePlane } from "@deltalab/core";
import { checkBindingName } from "./commandContext";
import { resolveOptimizer } from "./optimizers";
import { UsageError } from "./parse";
import { AS_OPTION, listOption, numberOption, stringOption, type CommandSpec } from "./spec";
import { ProgressLine, type ProgressOptions } from "./progress";
import {
  reportRuns,
  stopIfInterruptedDuringRuns,
  surfaceFromRuns,
  surfaceTarget,
  type SurfaceResult,
  type SurfaceSessions,
} from "./surface";
import { DEVICE_OPTION, deviceOption } from "./surfaceBackend";
import { runEach, testSurfaceNames } from "./trajectory";

/** `progressOptions` sets when the progress line appears and how often it is redrawn (tests show it at once). */
export function raceSpec(sessions: SurfaceSessions, progressOptions: ProgressOptions = {}): CommandSpec {
  return {
    name: "race",
    summary: "run several optimizers on one problem: a table and their trajectories",
    positional: [
      {
        name: "PROBLEM",
        description: `a test surface (${testSurfaceNames().join(", ")}), an objective variable or a model variable`,
      },
      { name: "DATA", description: "for a model: a data variable", optional: true },
    ],
    options: [
      {
        name: "optimizers",
        kind: "list",
        description: "the optimizers (names or variables)",
        metavar: "A,B,...",
        defaultText: "momentum,adam,bfgs,lbfgs",
      },
      { name: "iterations", kind: "integer", description: "iteration budget of each", defaultText: "200" },
      { name: "lr", kind: "number", description: "step size of the built-in first-order optimizers" },
      { name: "start", kind: "list", description: "the common start point", metavar: "X,Y,..." },
      {
        name: "grid",
        kind: "integer",
        description: "grid points per axis of the surface",
        defaultText: "41",
      },
      {
        name: "samples",
        kind: "integer",
        description: "for a model: samples of the data in the loss",
        defaultText: "64",
      },
      DEVICE_OPTION,
      AS_OPTION,
    ],
    examples: ["%race rosenbrock --optimizers momentum,adam,bfgs,lbfgs --lr 0.001 --iterations 500"],
    run: async (args, context) => {
      const [problem = "", dataName] = args.positional;
      const lr = numberOption(args, "lr");
      const resolve = (name: string) => resolveOptimizer(name, context, lr !== undefined ? { lr } : {});
      const names = listOption(args, "optimizers") ?? ["momentum", "adam", "bfgs", "lbfgs"];
      if (names.length === 0) throw new UsageError("--optimizers needs at least one optimizer");
      const optimizers = names.map(resolve);
      const start = listOption(args, "start");
      const samples = numberOption(args, "samples");
      const target = surfaceTarget(context, problem, dataName, {
        ...(start ? { start } : {}),
        ...(samples !== undefined ? { samples } : {}),
      });
      const iterations = numberOption(args, "iterations") ?? 200;
      const progress = new ProgressLine(context.outputs, `%race on ${target.title}`, progressOptions);
      const runs = await runEach(target.objective, target.start, optimizers, {
        iterations,
        signal: context.signal,
        onProgress: reportRuns(progress, iterations),
      });
      stopIfInterruptedDuringRuns(context.signal, progress);
      let plane: LandscapePlane = target.plane;
      if (target.objective.dim !== 2) {
        const longest = runs.reduce((a, b) => (b.trajectory.length > a.trajectory.length ? b : a));
        if (longest.trajectory.length < 3)
          throw new UsageError("the runs are too short for a plane of their principal components");
        plane = pcaPlane(longest.trajectory);
      }
      const grid = numberOption(args, "grid") ?? 41;
      const device = deviceOption(args);
      const axes = target.box
        ? {
            x: { min: target.box[0], max: target.box[1], count: grid },
            y: { min: target.box[2], max: target.box[3], count: grid },
          }
        : undefined;
      const result: SurfaceResult = await surfaceFromRuns(target.objective, plane, runs, axes, {
        grid,
        iterations,
        signal: context.signal,
        progress,
        title: `race on ${target.title}`,
        session: { sessions, resolve },
        ...(device ? { device } : {}),
      });
      const as = stringOption(args, "as");
      if (as) context.bind(checkBindingName(as), result, 'import("deltalab").SurfaceResult');
      return result;
    },
  };
}
