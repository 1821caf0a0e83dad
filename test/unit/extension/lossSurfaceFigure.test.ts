import { describe, expect, it } from "vitest";
import {
  directionCaption,
  directionShortTitle,
  directionTitle,
  gridHoverText,
  hoverNumber,
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
    expect(sgdLine.hoverinfo).toBe("text");
    expect(sgdLine.text).toEqual([
      "sgd<br>iteration 0<br>x 2, y 1<br>loss 14",
      "sgd<br>iteration 1<br>x 1, y 0.5<br>loss 3.5",
      "sgd<br>iteration 2<br>x 0.5, y 0.1<br>loss 0.35",
    ]);
  });

  it("hovers over a projected path with its true loss, the surface loss under it and its distance from the plane", () => {
    const payload = surfacePayload();
    const adam = { ...payload.trajectories[1], surfaceLoss: [5, null], distance: [0, 0.25] };
    const state = { view: "contour" as const, scale: "linear" as const, iteration: 10 };
    const adamLine = lossSurfaceFigure(payload, [adam], state, theme).data[1];
    expect(adamLine.text).toEqual([
      "adam (projected)<br>iteration 0<br>x -2, y -1<br>true loss 15<br>surface loss 5<br>distance from plane 0",
      "adam (projected)<br>iteration 10<br>x -1, y 0<br>true loss 1.2<br>surface loss none<br>distance from plane 0.25",
    ]);
  });

  it("prints hover numbers to 4 significant digits, not with their rounding error", () => {
    expect([
      hoverNumber(1.7999999999999998),
      hoverNumber(67.99999999999997),
      hoverNumber(-0.30000000000000004),
    ]).toEqual(["1.8", "68", "-0.3"]);
    expect([hoverNumber(123456.7), hoverNumber(2.5e-7), hoverNumber(null)]).toEqual([
      "123500",
      "2.500e-7",
      "none",
    ]);
    // Grid coordinates and losses that carry rounding error are printed without it.
    const payload = surfacePayload();
    payload.grid.x[1] = 0.1 + 0.2;
    payload.grid.loss[0][1] = 67.99999999999997;
    expect(payload.grid.x[1]).not.toBe(0.3);
    expect(gridHoverText(payload)[0][1]).toBe("x 0.3<br>y -1<br>loss 68");
  });

  it("labels each grid point of both views with the loss at its own row (y) and column (x)", () => {
    for (const view of ["surface", "contour"] as const) {
      const surface = figure({ view }).data[0];
      expect(surface.hoverinfo).toBe("text");
      const text = surface.text as unknown as string[][];
      // row 0 is y = -1, column 4 is x = 2: f = 2^2 + 10 (-1)^2 = 14
      expect(text[0][4]).toBe("x 2<br>y -1<br>loss 14");
      expect(text[3][0]).toBe("x -2<br>y 2<br>loss 44");
    }
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

  it("titles the 3-D axes with the short labels and puts the full titles in a caption under the scene", () => {
    const payload = surfacePayload();
    payload.directions = {
      kind: "pca",
      x: { label: "PC1", explainedVariance: 0.981 },
      y: { label: "PC2", explainedVariance: 0.019 },
    };
    const f = lossSurfaceFigure(payload, [], { view: "surface", scale: "linear", iteration: 0 }, theme);
    const scene = f.layout.scene as {
      xaxis: { title: { text: string } };
      yaxis: { title: { text: string } };
    };
    expect([scene.xaxis.title.text, scene.yaxis.title.text]).toEqual(["PC1 (98.1%)", "PC2 (1.9%)"]);
    expect(f.layout.annotations?.[0].text).toBe(
      "x: PC1 (PCA of the path, 98.1% of variance)<br>y: PC2 (PCA of the path, 1.9% of variance)",
    );
    expect(directionCaption(payload)).toBe(f.layout.annotations?.[0].text);
    expect(directionShortTitle("parameters", { label: "theta[3]", parameterIndex: 3 })).toBe("theta[3]");
    // The contour view has room for the full titles on its axes and no caption.
    const flat = lossSurfaceFigure(payload, [], { view: "contour", scale: "linear", iteration: 0 }, theme);
    expect((flat.layout.xaxis as { title: { text: string } }).title.text).toBe(
      "PC1 (PCA of the path, 98.1% of variance)",
    );
    expect(flat.layout.annotations).toBeUndefined();
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
