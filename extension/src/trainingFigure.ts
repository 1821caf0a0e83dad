import type { TrainingPayload, TrainingSeries } from "@deltalab/core/payloads";
import type { Figure, Trace } from "./plotly";
import { plotlyText } from "./text";
import type { Theme } from "./theme";

const TEST_COLOR = "#ef6c00";

/**
 * Loss (top) and accuracy (bottom, when measured) against step or epoch, training data solid, test data dashed
 * with markers. `uirevision` keeps the reader's zoom while live updates arrive.
 */
export function trainingFigure(payload: TrainingPayload, theme: Theme): Figure {
  const hasAccuracy = Boolean(payload.train.accuracy || payload.test?.accuracy);
  const data: Trace[] = [];
  const add = (split: "train" | "test", series: TrainingSeries | undefined) => {
    if (!series) return;
    const color = split === "train" ? theme.accent : TEST_COLOR;
    const line = { color, width: 2, dash: split === "train" ? "solid" : "dash" };
    const mode = split === "train" ? "lines" : "lines+markers";
    data.push({
      type: "scatter",
      mode,
      name: `${split} loss`,
      legendgroup: split,
      x: series.x,
      y: series.loss,
      line,
      xaxis: "x",
      yaxis: "y",
      hovertemplate: `${payload.unit} %{x}<br>${split} loss %{y:~.4g}<extra></extra>`,
    });
    if (series.accuracy) {
      data.push({
        type: "scatter",
        mode,
        name: `${split} accuracy`,
        legendgroup: split,
        x: series.x,
        y: series.accuracy,
        line,
        xaxis: "x",
        yaxis: "y2",
        hovertemplate: `${payload.unit} %{x}<br>${split} accuracy %{y:.2%}<extra></extra>`,
      });
    }
  };
  add("train", payload.train);
  add("test", payload.test);
  const axis = { color: theme.foreground, gridcolor: theme.grid, zerolinecolor: theme.grid };
  const status =
    payload.status === "running" ? " (running)" : payload.status === "stopped" ? " (stopped)" : "";
  return {
    data,
    layout: {
      title: { text: plotlyText(`${payload.title ?? "training"}${status}`) },
      uirevision: "training",
      xaxis: { ...axis, title: { text: payload.unit }, anchor: hasAccuracy ? "y2" : "y" },
      yaxis: { ...axis, title: { text: "loss" }, domain: hasAccuracy ? [0.55, 1] : [0, 1] },
      ...(hasAccuracy
        ? {
            yaxis2: {
              ...axis,
              title: { text: "accuracy" },
              domain: [0, 0.45],
              range: [0, 1],
              tickformat: ".0%",
            },
          }
        : {}),
      paper_bgcolor: theme.background,
      plot_bgcolor: theme.background,
      font: { family: theme.fontFamily, color: theme.foreground, size: theme.fontSize },
      legend: { orientation: "h", y: -0.15 },
      margin: { l: 60, r: 20, t: 40, b: 40 },
      height: hasAccuracy ? 460 : 320,
    },
    config: { responsive: false, displaylogo: false },
  };
}
