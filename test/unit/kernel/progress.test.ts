import { describe, expect, it } from "vitest";
import { sgd } from "@deltalab/core";
import type { LossSurfacePayload } from "@deltalab/core/payloads";
import { memoryContext } from "../../../kernel/src/commands/commandContext";
import { ProgressLine, timeLeft } from "../../../kernel/src/commands/progress";
import { raceSpec } from "../../../kernel/src/commands/race";
import { CommandRegistry } from "../../../kernel/src/commands/registry";
import { SurfaceSessions, surfaceSpec, type SurfaceResult } from "../../../kernel/src/commands/surface";

/** A registry whose %race and %surface show their progress line at once and redraw it on every report. */
const eagerRegistry = () => {
  const sessions = new SurfaceSessions();
  const eager = { showAfterMs: 0, updateEveryMs: 0 };
  return new CommandRegistry([raceSpec(sessions, eager), surfaceSpec(sessions, eager)]);
};

const plainText = (context: ReturnType<typeof memoryContext>) =>
  context.displayed.map((d) => String(d.bundle["text/plain"]));

describe("the progress line", () => {
  it("estimates the time left from the rate so far", () => {
    // 10 of 40 rows in 5 s: 30 rows at 0.5 s each.
    expect(timeLeft(10, 40, 5000)).toBe("about 15 s left");
    expect(timeLeft(1, 41, 3000)).toBe("about 2 min left");
    expect(timeLeft(39, 40, 100)).toBe("under 1 s left");
    expect(timeLeft(0, 40, 100)).toBe("");
    expect(timeLeft(40, 40, 100)).toBe("");
  });

  it("stays silent for quick work, then redraws one display at most every updateEveryMs", () => {
    let now = 0;
    const context = memoryContext();
    const line = new ProgressLine(context.outputs, "%surface net", {
      showAfterMs: 1000,
      updateEveryMs: 250,
      now: () => now,
    });
    now = 500;
    line.update("a");
    expect(context.displayed).toHaveLength(0);
    now = 1000;
    line.update("b");
    now = 1100;
    line.update("c"); // within 250 ms of "b": skipped
    now = 1250;
    line.update("d");
    line.finish("done");
    expect(plainText(context)).toEqual(["%surface net: b", "%surface net: d", "%surface net: done"]);
    expect(new Set(context.displayed.map((d) => d.displayId)).size).toBe(1);
    expect(context.displayed.map((d) => d.update)).toEqual([false, true, true]);
  });

  it("does not report an end it never reported the start of", () => {
    const context = memoryContext();
    new ProgressLine(context.outputs, "%race", { showAfterMs: 1000 }).finish("done");
    expect(context.displayed).toHaveLength(0);
  });
});

describe("%race and %surface progress and labels", () => {
  it("labels each path by the name the user gave, not by the method it configures", async () => {
    const context = memoryContext({
      fixedStep: sgd({ step: 0.001 }),
      heavyBall: sgd({ step: 0.001, momentum: 0.9 }),
    });
    const result = (await eagerRegistry().run(
      {
        name: "race",
        args: ["rosenbrock", "--optimizers", "fixedStep,heavyBall,sgd", "--iterations", "20", "--grid", "5"],
        line: 0,
      },
      context,
    )) as SurfaceResult;
    expect(result.runs.map((r) => r.optimizer)).toEqual(["fixedStep", "heavyBall", "sgd"]);
    const payload: LossSurfacePayload = result.payload;
    expect(payload.trajectories.map((t) => t.optimizer)).toEqual(["fixedStep", "heavyBall", "sgd"]);
    // The two SGD variants really differ: momentum moves further from the same start in 20 steps.
    const [fixed, heavy] = result.runs.map((r) => r.trajectory[r.trajectory.length - 1]?.f ?? NaN);
    expect(fixed).not.toBe(heavy);
  });

  it("%race reports each run's iterations and the surface's points in one display, replaced in place", async () => {
    const context = memoryContext({ fixedStep: sgd({ step: 0.001 }) });
    await eagerRegistry().run(
      {
        name: "race",
        args: ["rosenbrock", "--optimizers", "fixedStep,bfgs", "--iterations", "10", "--grid", "4"],
        line: 0,
      },
      context,
    );
    const lines = plainText(context);
    expect(lines[0]).toBe("%race on rosenbrock: starting fixedStep (run 1 of 2)");
    expect(lines).toContain("%race on rosenbrock: fixedStep (run 1 of 2), iteration 10 of 10");
    expect(lines).toContain("%race on rosenbrock: starting bfgs (run 2 of 2)");
    // One update per grid row: 4, 8, 12 and 16 of 16 points (4 x 4 grid).
    const points = lines
      .filter((l) => l.includes("surface on CPU"))
      .map((l) => /(\d+) of 16 points/.exec(l)?.[1]);
    expect(points).toEqual(["4", "8", "12", "16"]);
    expect(lines[lines.length - 1]).toMatch(
      /^%race on rosenbrock: done in \d+\.\d s: 2 runs and 16 of 16 surface points$/,
    );
    expect(new Set(context.displayed.map((d) => d.displayId)).size).toBe(1);
    expect(context.displayed.slice(1).every((d) => d.update)).toBe(true);
  });

  it("%surface stops when interrupted and says how far it got", async () => {
    const controller = new AbortController();
    const context = memoryContext({}, controller.signal);
    // Interrupt once the second grid row is reported, as the executor's signal would from a SIGINT.
    const outputs = context.outputs;
    const display = outputs.display.bind(outputs);
    (outputs as { display: typeof outputs.display }).display = (bundle, options) => {
      display(bundle, options);
      if (String(bundle["text/plain"]).includes("10 of 25 points")) controller.abort();
    };
    const result = (await eagerRegistry().run(
      { name: "surface", args: ["rosenbrock", "--grid", "5"], line: 0 },
      context,
    )) as SurfaceResult;
    expect(result.payload.grid.y).toHaveLength(2);
    const lines = plainText(context);
    expect(lines[lines.length - 1]).toMatch(
      /interrupted after \d+\.\d s: 0 runs and 10 of 25 surface points$/,
    );
  });

  it("%race interrupted during its runs stops there, without computing a plane or a surface, and says so", async () => {
    const controller = new AbortController();
    const context = memoryContext({ fixedStep: sgd({ step: 0.001 }) }, controller.signal);
    const outputs = context.outputs;
    const display = outputs.display.bind(outputs);
    (outputs as { display: typeof outputs.display }).display = (bundle, options) => {
      display(bundle, options);
      if (String(bundle["text/plain"]).includes("iteration 3 of")) controller.abort();
    };
    const run = eagerRegistry().run(
      {
        name: "race",
        args: ["rosenbrock", "--optimizers", "fixedStep,bfgs", "--iterations", "50", "--grid", "4"],
        line: 0,
      },
      context,
    );
    await expect(run).rejects.toThrow(/interrupted during the optimizer runs/);
    const lines = plainText(context);
    expect(lines.some((l) => l.includes("surface on") || l.includes("bfgs"))).toBe(false);
    expect(lines[lines.length - 1]).toMatch(
      /^%race on rosenbrock: interrupted after \d+\.\d s, during the runs: no surface was drawn$/,
    );
  });
});
