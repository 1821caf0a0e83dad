import { describe, expect, it } from "vitest";
import {
  directionTitle,
  iterateAt,
  lossSurfaceFigure,
  sliderIterations,
  SurfaceViewState,
  TRACES_PER_PATH,
} from "../../../extension/src/lossSurfaceFigure";
import { surfacePayload } from "./fixtures";

const theme = {
  dark: false,
  background: "#fff",
  foreground: "#000",
  muted: "#666",
  grid: "#ddd",
  accent: "#00f",
  fontFamily: "sans-serif",
  fontSize: 12,
};

const figure = (state: Partial<SurfaceViewState> = {}) => {
  const payload = surfacePayload();
  return lossSurfaceFigure(
    payload,
    payload.trajectories,
    { view: "surface", scale: "linear", iteration: 10, ...state },
    theme,
  );
};

describe("lossSurfaceFigure", () => {
  it("draws a surface and, per path, a line, start/end markers and a current marker in 3-D", () => {
    const types = figure().data.map((t) => t.type);
    expect(types).toEqual(["surface", ...Array(2 * TRACES_PER_PATH).fill("scatter3d")]);
  });

  it("draws a contour with 2-D scatter paths in the contour view", () => {
    const types = figure({ view: "contour" }).data.map((t) => t.type);
    expect(types).toEqual(["contour", ...Array(2 * TRACES_PER_PATH).fill("scatter")]);
  });

  it("puts one legend entry per path, grouping its three traces so the entry toggles them together", () => {
    const traces = figure().data.slice(1);
    expect(traces.filter((t) => t.showlegend !== false).map((t) => t.name)).toEqual([
      "sgd",
      "adam (projected)",
    ]);
    expect(traces.map((t) => t.legendgroup)).toEqual([
      "path-0",
      "path-0",
      "path-0",
      "path-1",
      "path-1",
      "path-1",
    ]);
  });

  it("draws a projected path dotted and an in-plane path solid", () => {
    const [sgdLine, , , adamLine] = figure().data.slice(1);
    expect((sgdLine.line as { dash: string }).dash).toBe("solid");
    expect((adamLine.line as { dash: string }).dash).toBe("dot");
  });

  it("lifts each iterate of a path to its true loss, plus 1% of the surface's height range, in 3-D", () => {
    const sgdLine = figure().data[1];
    const lift = 0.01 * (44 - 0); // the grid's losses run from 0 at (0, 0) to 4 + 40 at (+-2, 2)
    expect(sgdLine.z).toEqual([14 + lift, 3.5 + lift, 0.35 + lift]);
  });

  it("marks the start and the end of each path", () => {
    const startEnd = figure().data[2];
    expect([startEnd.x, startEnd.y]).toEqual([
      [2, 0.5],
      [1, 0.1],
    ]);
  });

  it("places the current marker at each path's last iterate at or before the slider's iteration", () => {
    const data = figure({ iteration: 1 }).data;
    const sgdMarker = data[3];
    const adamMarker = data[3 + TRACES_PER_PATH];
    expect([sgdMarker.x, sgdMarker.y]).toEqual([[1], [0.5]]);
    expect([adamMarker.x, adamMarker.y]).toEqual([[-2], [-1]]); // adam's next iterate is at iteration 10
  });

  it("hovers with both coordinates, the iteration and the true loss", () => {
    const sgdLine = figure().data[1];
    expect(sgdLine.customdata).toEqual([
      [0, 14],
      [1, 3.5],
      [2, 0.35],
    ]);
    expect(sgdLine.hovertemplate).toContain("iteration %{customdata[0]}");
    expect(sgdLine.hovertemplate).toContain("x %{x:~.4g}, y %{y:~.4g}");
    expect(sgdLine.hovertemplate).toContain("loss %{customdata[1]:~.4g}");
  });

  it("hovers over a projected path with its true loss, the surface loss under it and its distance from the plane", () => {
    const payload = surfacePayload();
    const adam = { ...payload.trajectories[1], surfaceLoss: [5, null], distance: [0, 0.25] };
    const state = { view: "contour" as const, scale: "linear" as const, iteration: 10 };
    const adamLine = lossSurfaceFigure(payload, [adam], state, theme).data[1];
    expect(adamLine.customdata).toEqual([
      [0, 15, 5, 0],
      [10, 1.2, null, 0.25],
    ]);
    expect(adamLine.hovertemplate).toContain("true loss %{customdata[1]:~.4g}");
    expect(adamLine.hovertemplate).toContain("surface loss %{customdata[2]:~.4g}");
    expect(adamLine.hovertemplate).toContain("distance from plane %{customdata[3]:~.3g}");
  });

  it("draws log10 heights, clipping a zero loss to the smallest positive loss and saying so", () => {
    const f = figure({ scale: "log" });
    const z = f.data[0].z as number[][];
    expect(z[0][0]).toBeCloseTo(Math.log10(14), 12); // (x, y) = (-2, -1): 4 + 10
    expect(z[1][2]).toBeCloseTo(Math.log10(0.35), 12); // (0, 0): loss 0, smallest positive loss is sgd's 0.35
    const scene = f.layout.scene as { zaxis: { title: { text: string } } };
    expect(scene.zaxis.title.text).toBe("log10 loss (values <= 0 clipped)");
  });

  it("hands plotly the same height array on every redraw so the surface is not rebuilt", () => {
    const payload = surfacePayload();
    const state: SurfaceViewState = { view: "surface", scale: "log", iteration: 0 };
    const a = lossSurfaceFigure(payload, payload.trajectories, state, theme);
    const b = lossSurfaceFigure(payload, payload.trajectories, { ...state, iteration: 2 }, theme);
    expect(b.data[0].z).toBe(a.data[0].z);
  });

  it("escapes markup in optimizer names and titles", () => {
    const payload = surfacePayload();
    payload.trajectories[0].optimizer = "<script>alert(1)</script>";
    payload.title = "<b>bowl</b>";
    const f = lossSurfaceFigure(
      payload,
      payload.trajectories,
      { view: "contour", scale: "linear", iteration: 0 },
      theme,
    );
    expect(f.data[1].name).toBe("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(f.layout.title).toEqual({ text: "&lt;b&gt;bowl&lt;/b&gt;" });
  });
});

describe("slider and axis helpers", () => {
  it("steps the slider through every iteration at which some path has an iterate", () => {
    expect(sliderIterations(surfacePayload().trajectories)).toEqual([0, 1, 2, 10]);
  });

  it("finds the last iterate at or before an iteration", () => {
    const adam = surfacePayload().trajectories[1];
    expect([iterateAt(adam, 0), iterateAt(adam, 9), iterateAt(adam, 10), iterateAt(adam, 99)]).toEqual([
      0, 0, 1, 1,
    ]);
  });

  it("says what each kind of direction is in the axis title", () => {
    expect(directionTitle("pca", { label: "PC1", explainedVariance: 0.9 })).toBe(
      "PC1 (PCA of the path, 90.0% of variance)",
    );
    expect(directionTitle("parameters", { label: "theta[3]", parameterIndex: 3 })).toBe(
      "theta[3] (parameter 3)",
    );
    expect(directionTitle("random-filter-normalized", { label: "d1" })).toBe(
      "d1 (random direction, filter-normalized)",
    );
  });
});
