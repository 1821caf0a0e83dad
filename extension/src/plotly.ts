import type { Config as PlotlyConfig, Layout as PlotlyLayout } from "plotly.js";

/**
 * The part of plotly.js the views use, as data in and out, so the figures can be built and checked without a
 * browser. The library itself is loaded on first use, with only the trace types the views draw.
 */
export type TraceType = "surface" | "contour" | "scatter3d" | "scatter" | "heatmap";
export type Trace = { type: TraceType } & Record<string, unknown>;
export type Layout = Partial<PlotlyLayout>;
export type PlotConfig = Partial<PlotlyConfig>;

export interface Figure {
  data: Trace[];
  layout: Layout;
  config: PlotConfig;
}

/** A plotly graph div: plotly attaches its event methods to the element it draws in. */
export interface PlotElement extends HTMLElement {
  on?(event: string, handler: (event: unknown) => void): void;
  removeAllListeners?(event: string): void;
}

export interface PlotlyApi {
  react(root: HTMLElement, data: Trace[], layout: Layout, config: PlotConfig): Promise<unknown>;
  purge(root: HTMLElement): void;
  toImage(root: HTMLElement, options: { format: "png"; width: number; height: number }): Promise<string>;
  Plots: { resize(root: HTMLElement): unknown };
}

export type PlotlyLoader = () => Promise<PlotlyApi>;

let loading: Promise<PlotlyApi> | undefined;

/** Loads the partial plotly bundle once, on the first view that needs it. */
export const loadPlotly: PlotlyLoader = () => {
  loading ??= import("./plotlyBundle").then((bundle) => bundle.plotly);
  return loading;
};
