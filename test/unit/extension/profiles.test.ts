// @vitest-environment jsdom
import "./domPolyfills";
import { PROFILES_MIME_TYPE_V1, type ProfilesPayload } from "@deltalab/core/payloads";
import { dataProfile, performanceProfile } from "@deltalab/core";
import { MimeModel } from "@jupyterlab/rendermime/lib/mimemodel";
import { describe, expect, it } from "vitest";
import { RenderedProfiles } from "../../../extension/src/profiles";
import { fakePlotly } from "./fakePlotly";

const model = (payload: unknown) => new MimeModel({ data: { [PROFILES_MIME_TYPE_V1]: payload as never } });

/** Two solvers on four problems (n = 1, 4, 9, 2); at tau = 1e-3 problem 3 is solved by neither. */
function payload(): ProfilesPayload {
  return {
    title: "hand-made",
    solvers: ["a", "b"],
    problems: [
      { name: "p0", dim: 1 },
      { name: "p1", dim: 4 },
      { name: "p2", dim: 9 },
      { name: "p3", dim: 2 },
    ],
    taus: [1e-1, 1e-3],
    costs: [
      [
        [4, 8],
        [10, 5],
        [20, 10],
        [3, null],
      ],
      [
        [10, 20],
        [30, 15],
        [null, 40],
        [null, null],
      ],
    ],
    curves: [0, 1, 2, 3].map(() => [
      { evaluations: [1, 3, 10], f: [5, 1, 0.01] },
      { evaluations: [1, 2], f: [5, 0.5] },
    ]),
    complete: true,
  };
}

async function render(value: unknown) {
  const plotly = fakePlotly();
  const widget = new RenderedProfiles({ loadPlotly: plotly.load });
  await widget.renderModel(model(value));
  return { widget, plotly };
}

describe("RenderedProfiles", () => {
  it("draws the performance and data profiles of the slider's tau, worked by hand", async () => {
    const { plotly } = await render(payload());
    const traces = plotly.last().data;
    // 2 taus x 2 solvers x (performance, data) + 4 problems x 2 solvers' curves
    expect(traces).toHaveLength(16);
    const visible = traces.filter((t) => t.visible === true && t.xaxis !== "x3");
    // tau = 1e-3: ratios a = (1, 2, inf, inf), b = (2, 1, 1, inf); kappas a = (5, 6, inf, inf), b = (10, 3, 4, inf).
    // Each curve runs on to 1.05 x the largest finite value over every tau (ratio 2, kappa 10).
    expect(visible.map((t) => [t.name, t.xaxis, t.x, t.y])).toEqual([
      ["a", "x", [1, 2, 2.1], [0.25, 0.5, 0.5]],
      ["a", "x2", [0, 5, 6, 10.5], [0, 0.25, 0.5, 0.5]],
      ["b", "x", [1, 2, 2.1], [0.5, 0.75, 0.75]],
      ["b", "x2", [0, 3, 4, 10, 10.5], [0, 0.25, 0.5, 0.75, 0.75]],
    ]);
    // the same values from the core's own profile functions at the trace's break points
    const costs = payload().costs[1].map((row) => row.map((c) => c ?? Infinity));
    expect(performanceProfile(costs, [1, 2])).toEqual([
      [0.25, 0.5],
      [0.5, 0.75],
    ]);
    expect(dataProfile(costs, [1, 4, 9, 2], [3, 4, 5, 6, 10])).toEqual([
      [0, 0, 0.25, 0.5, 0.5],
      [0.25, 0.5, 0.5, 0.5, 0.75],
    ]);
  });

  it("offers every tau on the slider and every problem in the menu", async () => {
    const { plotly } = await render(payload());
    const layout = plotly.last().layout as Record<string, never>;
    const slider = (layout.sliders as { active: number; steps: { label: string; args: unknown[] }[] }[])[0];
    expect(slider.active).toBe(1);
    expect(slider.steps.map((s) => s.label)).toEqual(["0.1", "1e-3"]);
    expect(slider.steps[0].args).toEqual([
      { visible: [true, true, true, true, false, false, false, false] },
      [0, 1, 2, 3, 4, 5, 6, 7],
    ]);
    const menu = (layout.updatemenus as { buttons: { label: string; args: unknown[] }[] }[])[0];
    expect(menu.buttons.map((b) => b.label)).toEqual(["p0", "p1", "p2", "p3"]);
    expect(menu.buttons[1].args[0]).toEqual({
      visible: [false, false, true, true, false, false, false, false],
    });
  });

  it("shows the curves of the problem whose step is clicked, keeping the slider's tau", async () => {
    const { widget, plotly } = await render(payload());
    const traces = plotly.last().data;
    // each profile point names the problem that makes its step (tau = 1e-3: traces 4-7 are a's and b's profiles;
    // a's ratios 1, 2, inf, inf; b's ratios 2, 1, 1, inf; b's kappas 10, 3, 4, inf)
    expect(traces[4].customdata).toEqual([null, 1, null]);
    expect(traces[6].customdata).toEqual([null, 0, null]);
    expect(traces[7].customdata).toEqual([null, 1, 2, 0, null]);
    const graph = widget.node.querySelector(".jp-deltalab-plot") as HTMLElement & { layout?: unknown };
    graph.layout = { sliders: [{ active: 0 }] }; // the reader moved the slider to tau = 0.1
    plotly.handlers.get("plotly_click")!({ points: [{ customdata: 2, x: 4, y: 0.5 }] });
    await new Promise((resolve) => setTimeout(resolve, 0));
    const redrawn = plotly.last();
    const curvesShown = redrawn.data
      .map((t, i) => (t.xaxis === "x3" && t.visible ? i : -1))
      .filter((i) => i >= 0);
    expect(curvesShown).toEqual([12, 13]);
    const layout = redrawn.layout as { sliders: { active: number }[]; updatemenus: { active: number }[] };
    expect(layout.updatemenus[0].active).toBe(2);
    expect(layout.sliders[0].active).toBe(0);
    // a click on a point that names no problem (a profile's start or end) changes nothing
    const draws = plotly.calls.react;
    plotly.handlers.get("plotly_click")!({ points: [{ customdata: null, x: 1, y: 0.25 }] });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(plotly.calls.react).toBe(draws);
  });

  it("tabulates solved counts and median evaluations per tau", async () => {
    const { widget } = await render(payload());
    const rows = [...widget.node.querySelectorAll("tbody tr")].map((tr) =>
      [...tr.querySelectorAll("td")].map((td) => td.textContent),
    );
    expect(rows).toEqual([
      ["a", "4/4, 7", "2/4, 20"],
      ["b", "3/4, 8", "3/4, 20"],
    ]);
  });

  it("shows an error box for costs that do not match the problems", async () => {
    const bad = payload();
    bad.costs[0].pop();
    const { widget, plotly } = await render(bad);
    expect(widget.node.querySelector(".jp-deltalab-error")?.textContent).toContain(
      "costs[0] has 3 rows, there are 4 problems",
    );
    expect(plotly.calls.react).toBe(0);
  });

  it("shows an error box for a tau outside (0, 1]", async () => {
    const bad = payload();
    bad.taus[0] = 0;
    const { widget } = await render(bad);
    expect(widget.node.querySelector(".jp-deltalab-error")?.textContent).toContain("/taus/0");
  });
});

/** A minibatch benchmark of two solvers on one network; the second diverged after its first epoch. */
function trainingPayload(): ProfilesPayload {
  return {
    title: "LeNet-5 made up",
    solvers: ["sgd", "wild"],
    problems: [{ name: "LeNet-5", dim: 61706 }],
    taus: [1e-1, 1e-3],
    costs: [[[2, null]], [[3, null]]],
    complete: true,
    training: {
      samples: 2000,
      batchSize: 32,
      runs: [
        {
          epochs: [0, 1, 2, 3],
          seconds: [0, 0.5, 1.1, 1.6],
          loss: [2.3, 1.2, 0.8, 0.7],
          testAccuracy: [0.1, 0.5, 0.6, 0.65],
          diverged: false,
        },
        { epochs: [0, 1], seconds: [0, 0.4], loss: [2.3, 5.1], diverged: true },
      ],
    },
  };
}

describe("RenderedProfiles of a minibatch benchmark", () => {
  it("draws each solver's loss against epochs and against seconds, and no profiles", async () => {
    const { plotly } = await render(trainingPayload());
    const { data, layout } = plotly.last();
    expect(data).toHaveLength(4);
    expect(data.map((t) => [t.name, t.xaxis ?? "x"])).toEqual([
      ["sgd", "x"],
      ["sgd", "x2"],
      ["wild (diverged)", "x"],
      ["wild (diverged)", "x2"],
    ]);
    expect(data[0].x).toEqual([0, 1, 2, 3]);
    expect(data[1].x).toEqual([0, 0.5, 1.1, 1.6]);
    expect(data[1].y).toEqual([2.3, 1.2, 0.8, 0.7]);
    expect(layout.sliders).toBeUndefined();
    expect(JSON.stringify(layout)).toContain("seconds of training");
  });

  it("tabulates the final loss, the held-out accuracy, the seconds and the epochs to each tau", async () => {
    const { widget } = await render(trainingPayload());
    const rows = [...widget.node.querySelectorAll("tbody tr")].map((tr) =>
      [...tr.querySelectorAll("td")].map((td) => td.textContent),
    );
    expect(rows).toEqual([
      ["sgd", "3", "0.7", "0.650", "1.60", "2", "3"],
      ["wild", "1 (diverged)", "5.1", "-", "0.40", "-", "-"],
    ]);
  });

  it("shows an error box for a run whose columns differ in length", async () => {
    const bad = trainingPayload();
    bad.training?.runs[0].seconds.pop();
    const { widget, plotly } = await render(bad);
    expect(widget.node.querySelector(".jp-deltalab-error")?.textContent).toContain(
      "training.runs[0].seconds has 3 values, epochs has 4",
    );
    expect(plotly.calls.react).toBe(0);
  });
});
