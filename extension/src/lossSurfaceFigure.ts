import type {
  DirectionKind,
  LossSurfacePayload,
  SurfaceDirection,
  SurfaceTrajectory,
} from "@deltalab/core/payloads";
import type { Figure, Trace } from "./plotly";
import { formatNumber, plotlyText } from "./text";
import type { Theme } from "./theme";

/** What the reader has chosen in the view's controls. */
export interface SurfaceViewState {
  view: "surface" | "contour";
  scale: "linear" | "log";
  /** The slider's iteration: each path shows a marker at its last iterate at or before it. */
  iteration: number;
}

/** A path drawn on the surface: one from the payload, or one streaming in from the kernel. */
export interface DrawnPath extends SurfaceTrajectory {
  /** True for a run requested by clicking the contour. */
  requested?: boolean;
}

export const PATH_COLORS = [
  "#e6194b",
  "#3cb44b",
  "#4363d8",
  "#f58231",
  "#911eb4",
  "#42d4f4",
  "#f032e6",
  "#9a6324",
];

/** How far paths float above the surface in 3-D, as a fraction of the surface's height range. */
export const PATH_LIFT = 0.01;

/** Traces drawn per path, after the one surface or contour trace: the line, the start/end markers, the current iterate. */
export const TRACES_PER_PATH = 3;

/** Iteration numbers of a path (its own, or 0, 1, 2, ...). */
export function iterationsOf(path: SurfaceTrajectory): number[] {
  return path.iteration ?? path.x.map((_, k) => k);
}

/** The slider's stops: every iteration number at which some path has an iterate, in increasing order. */
export function sliderIterations(paths: SurfaceTrajectory[]): number[] {
  const all = new Set<number>();
  for (const path of paths) for (const k of iterationsOf(path)) all.add(k);
  return [...all].sort((a, b) => a - b);
}

/** Index of the last iterate of `path` at or before `iteration` (0 when the path starts later). */
export function iterateAt(path: SurfaceTrajectory, iteration: number): number {
  const its = iterationsOf(path);
  let index = 0;
  for (let k = 0; k < its.length; k++) if (its[k] <= iteration) index = k;
  return index;
}

/**
 * Maps a loss to a height. Linear: the loss itself. Log: log10 of the loss, with values at or below zero
 * clipped to the smallest positive loss of the payload (log10 is undefined there); the title says when that
 * happened.
 */
export function heightScale(payload: LossSurfacePayload, scale: "linear" | "log") {
  if (scale === "linear") return { height: (loss: number) => loss, title: "loss" };
  let floor = Number.POSITIVE_INFINITY;
  let clipped = false;
  const visit = (loss: number | null) => {
    if (loss === null) return;
    if (loss > 0) floor = Math.min(floor, loss);
    else clipped = true;
  };
  payload.grid.loss.forEach((row) => row.forEach(visit));
  payload.trajectories.forEach((path) => path.loss.forEach(visit));
  if (!Number.isFinite(floor)) floor = 1e-12;
  const title = clipped ? "log10 loss (values <= 0 clipped)" : "log10 loss";
  return { height: (loss: number) => Math.log10(Math.max(loss, floor)), title };
}

/**
 * Surface heights per payload and scale, computed once: Plotly.react compares data arrays by identity, so
 * handing it the same array on every slider step keeps it from redrawing the surface.
 */
const heightCache = new WeakMap<LossSurfacePayload, Map<string, (number | null)[][]>>();

function surfaceHeights(
  payload: LossSurfacePayload,
  scale: "linear" | "log",
  height: (loss: number) => number,
) {
  let byScale = heightCache.get(payload);
  if (!byScale) {
    byScale = new Map();
    heightCache.set(payload, byScale);
  }
  let z = byScale.get(scale);
  if (!z) {
    z = payload.grid.loss.map((row) => row.map((v) => (v === null ? null : height(v))));
    byScale.set(scale, z);
  }
  return z;
}

/**
 * A number as a hover label shows it: 4 significant digits, so that grid coordinates and losses carrying
 * rounding error (1.7999999999999998, 67.99999999999997) read 1.8 and 68. A missing value reads "none".
 */
export function hoverNumber(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined ? "none" : formatNumber(value, digits);
}

/**
 * The hover text of every grid point, laid out like the loss (row i: y[i], column j: x[j]), computed once per
 * payload. Labels are written here rather than through a plotly hovertemplate: in the 3-D view plotly looks a
 * surface's per-point data up as data[column][row], so a template over customdata would show the loss of the
 * transposed point, while `text` is looked up as text[row][column] in both views.
 */
const gridHoverCache = new WeakMap<LossSurfacePayload, string[][]>();

export function gridHoverText(payload: LossSurfacePayload): string[][] {
  let text = gridHoverCache.get(payload);
  if (!text) {
    const { x, y, loss } = payload.grid;
    text = loss.map((row, i) =>
      row.map((v, j) => `x ${hoverNumber(x[j])}<br>y ${hoverNumber(y[i])}<br>loss ${hoverNumber(v)}`),
    );
    gridHoverCache.set(payload, text);
  }
  return text;
}

/** The axis title: the direction's label and what kind of direction it is. Plain text, escaped for plotly. */
export function directionTitle(kind: DirectionKind, direction: SurfaceDirection): string {
  const label = direction.label;
  switch (kind) {
    case "parameters":
      return plotlyText(
        direction.parameterIndex === undefined
          ? `${label} (parameter)`
          : `${label} (parameter ${direction.parameterIndex})`,
      );
    case "random-filter-normalized":
      return plotlyText(`${label} (random direction, filter-normalized)`);
    case "pca": {
      const share =
        direction.explainedVariance === undefined
          ? ""
          : `, ${(100 * direction.explainedVariance).toFixed(1)}% of variance`;
      return plotlyText(`${label} (PCA of the path${share})`);
    }
  }
}

/**
 * The short axis title of the 3-D view: the direction's label, with its share of variance for a PCA direction.
 * Plotly draws 3-D axis titles along the axes inside the scene, where a long one runs past the scene's edge and is
 * cut off; the full titles go in a caption under the scene instead (`directionCaption`).
 */
export function directionShortTitle(kind: DirectionKind, direction: SurfaceDirection): string {
  const share =
    kind === "pca" && direction.explainedVariance !== undefined
      ? ` (${(100 * direction.explainedVariance).toFixed(1)}%)`
      : "";
  return plotlyText(`${direction.label}${share}`);
}

/** The caption under the 3-D scene: each axis with its full title. */
export function directionCaption(payload: LossSurfacePayload): string {
  const { kind, x, y } = payload.directions;
  return `x: ${directionTitle(kind, x)}<br>y: ${directionTitle(kind, y)}`;
}

export function pathColor(path: DrawnPath, index: number): string {
  return path.color ?? PATH_COLORS[index % PATH_COLORS.length];
}

/**
 * The figure of a loss surface: trace 0 is the surface (3-D view) or its contour (2-D view); then, per path,
 * TRACES_PER_PATH traces: the path as a line (in the legend; its legend entry toggles the three), its start and
 * end markers, and the marker of the iterate at the slider's iteration.
 */
export function lossSurfaceFigure(
  payload: LossSurfacePayload,
  paths: DrawnPath[],
  state: SurfaceViewState,
  theme: Theme,
): Figure {
  const { height, title: heightTitle } = heightScale(payload, state.scale);
  const { x, y } = payload.grid;
  const z = surfaceHeights(payload, state.scale, height);
  const xTitle = directionTitle(payload.directions.kind, payload.directions.x);
  const yTitle = directionTitle(payload.directions.kind, payload.directions.y);
  const surfaceHover = gridHoverText(payload);
  const three = state.view === "surface";
  const data: Trace[] = [
    three
      ? {
          type: "surface",
          x,
          y,
          z,
          text: surfaceHover,
          hoverinfo: "text",
          colorscale: "Viridis",
          showscale: false,
          name: "loss",
        }
      : {
          type: "contour",
          x,
          y,
          z,
          text: surfaceHover,
          hoverinfo: "text",
          colorscale: "Viridis",
          showscale: false,
          ncontours: 30,
          name: "loss",
          contours: { coloring: "heatmap" },
        },
  ];
  // In 3-D a path lying on the surface would be hidden by it half the time: lift paths by PATH_LIFT of the
  // height range (hover still shows the true loss).
  const lift = three ? PATH_LIFT * heightRange(z) : 0;
  const pathHeight = (loss: number) => height(loss) + lift;
  paths.forEach((path, index) => data.push(...pathTraces(path, index, state, pathHeight, three)));
  const font = { family: theme.fontFamily, color: theme.foreground, size: theme.fontSize };
  const axis = (text: string) => ({
    title: { text },
    color: theme.foreground,
    gridcolor: theme.grid,
    zerolinecolor: theme.grid,
  });
  const layout: Figure["layout"] = {
    title: { text: plotlyText(payload.title ?? "loss surface") },
    uirevision: state.view,
    paper_bgcolor: theme.background,
    plot_bgcolor: theme.background,
    font,
    showlegend: true,
    legend: { x: 1.02, y: 1, xanchor: "left" },
    margin: { l: 70, r: 20, t: 40, b: 50 },
    height: 560,
  };
  if (three) {
    const { kind } = payload.directions;
    layout.scene = {
      // Seen from above the front-left, so paths down in a valley stay in sight, a little flattened so the axis
      // titles fit; the scene leaves the bottom of the figure to the caption.
      camera: { eye: { x: -1.25, y: -1.7, z: 1.6 } },
      aspectmode: "manual",
      aspectratio: { x: 1, y: 1, z: 0.75 },
      domain: { x: [0, 1], y: [0.08, 1] },
      xaxis: { ...axis(directionShortTitle(kind, payload.directions.x)), backgroundcolor: theme.background },
      yaxis: { ...axis(directionShortTitle(kind, payload.directions.y)), backgroundcolor: theme.background },
      zaxis: { ...axis(heightTitle), backgroundcolor: theme.background },
    };
    layout.annotations = [
      {
        text: directionCaption(payload),
        xref: "paper",
        yref: "paper",
        x: 0,
        y: 0,
        xanchor: "left",
        yanchor: "bottom",
        align: "left",
        showarrow: false,
        font: { ...font, size: Math.max(theme.fontSize - 1, 9) },
      },
    ];
  } else {
    layout.xaxis = axis(xTitle);
    layout.yaxis = axis(yTitle);
  }
  return { data, layout, config: { responsive: false, displaylogo: false } };
}

function heightRange(z: (number | null)[][]): number {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const row of z) {
    for (const v of row) {
      if (v === null) continue;
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
  }
  return high > low ? high - low : 0;
}

function pathTraces(
  path: DrawnPath,
  index: number,
  state: SurfaceViewState,
  height: (loss: number) => number,
  three: boolean,
): Trace[] {
  const color = pathColor(path, index);
  const name = plotlyText(
    `${path.optimizer}${path.inPlane ? "" : " (projected)"}${path.requested ? " (from click)" : ""}`,
  );
  const hover = pathHover(path, name);
  const type = three ? "scatter3d" : "scatter";
  const group = `path-${index}`;
  const pick = (indices: number[]) => ({
    x: indices.map((k) => path.x[k]),
    y: indices.map((k) => path.y[k]),
    text: indices.map((k) => hover[k]),
    ...(three ? { z: indices.map((k) => height(path.loss[k])) } : {}),
  });
  const all = path.x.map((_, k) => k);
  const last = path.x.length - 1;
  const current = iterateAt(path, state.iteration);
  return [
    {
      type,
      mode: three ? "lines" : "lines+markers",
      name,
      legendgroup: group,
      ...pick(all),
      line: { color, width: three ? 5 : 2, dash: path.inPlane ? "solid" : "dot" },
      marker: { color, size: 3 },
      hoverinfo: "text",
    },
    {
      type,
      mode: "markers",
      name: `${name} start/end`,
      legendgroup: group,
      showlegend: false,
      ...pick(last > 0 ? [0, last] : [0]),
      marker: {
        color,
        size: three ? 6 : 10,
        symbol: last > 0 ? ["circle", "x"] : ["circle"],
        line: { color: "#000000", width: 1 },
      },
      hoverinfo: "text",
    },
    {
      type,
      mode: "markers",
      name: `${name} at iteration`,
      legendgroup: group,
      showlegend: false,
      ...pick([current]),
      marker: { color: "#ffffff", size: three ? 7 : 12, symbol: "diamond", line: { color, width: 3 } },
      hoverinfo: "text",
    },
  ];
}

/**
 * The hover text of each iterate of a path: the iteration, the plane coordinates and the true loss f(theta_k);
 * when the payload has them, also the surface's loss under the iterate and the iterate's distance from the plane,
 * so that a projected path shows how far the surface below it is from the truth.
 */
export function pathHover(path: SurfaceTrajectory, name: string): string[] {
  const its = iterationsOf(path);
  const { surfaceLoss, distance } = path;
  const exact = surfaceLoss === undefined && distance === undefined;
  return path.x.map((x, k) => {
    const lines = [name, `iteration ${its[k]}`, `x ${hoverNumber(x)}, y ${hoverNumber(path.y[k])}`];
    if (exact) lines.push(`loss ${hoverNumber(path.loss[k])}`);
    else {
      lines.push(`true loss ${hoverNumber(path.loss[k])}`);
      if (surfaceLoss !== undefined) lines.push(`surface loss ${hoverNumber(surfaceLoss[k])}`);
      if (distance !== undefined) lines.push(`distance from plane ${hoverNumber(distance[k], 3)}`);
    }
    return lines.join("<br>");
  });
}
