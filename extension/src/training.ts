import {
  TRAINING_MIME_TYPE_V1,
  TRAINING_SCHEMA_V1,
  TrainingLaunch,
  TrainingPayload,
  trainingProblems,
} from "@deltalab/core/payloads";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Figure, loadPlotly, PlotlyLoader } from "./plotly";
import { PlotPayloadWidget } from "./plotPayloadWidget";
import type { Theme } from "./theme";
import { trainingFigure } from "./trainingFigure";

export const MIME_TYPE = TRAINING_MIME_TYPE_V1;

export interface ViewOptions {
  loadPlotly?: PlotlyLoader;
}

/**
 * Training curves, live: the kernel sends update_display_data with each new measurement, and every update goes
 * through Plotly.react on the same graph, which changes only what changed (no flicker, zoom kept).
 */
export class RenderedTraining extends PlotPayloadWidget<TrainingPayload> {
  constructor(options: ViewOptions = {}) {
    super(
      MIME_TYPE,
      { name: "training", schema: TRAINING_SCHEMA_V1, problems: trainingProblems },
      options.loadPlotly ?? loadPlotly,
    );
    this.addClass("jp-deltalab-training");
  }

  protected async renderPayload(payload: TrainingPayload, model: IRenderMime.IMimeModel): Promise<void> {
    this.payload = payload;
    this.model = model;
    if (!this.plot) this.node.replaceChildren(this.createPlot().node);
    this.showLaunches(payload.launches ?? []);
    await this.draw();
  }

  /** Below the graph, a small table of the launches a device run used (none on the CPU). */
  private showLaunches(launches: readonly TrainingLaunch[]): void {
    this.node.querySelector(".jp-deltalab-training-launches")?.remove();
    if (launches.length === 0) return;
    this.node.append(launchTable(launches));
  }

  protected figure(payload: TrainingPayload, theme: Theme): Figure {
    return trainingFigure(payload, theme);
  }
}

const words = (record: Record<string, number | string | boolean>) =>
  Object.entries(record)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(" ");

/** One row per operation: layer, operator, shape, launch and where the launch came from. */
function launchTable(launches: readonly TrainingLaunch[]): HTMLTableElement {
  const table = document.createElement("table");
  table.className = "jp-deltalab-training-launches";
  const caption = table.createCaption();
  caption.textContent = "launches used on the device";
  const head = table.createTHead().insertRow();
  for (const name of ["layer", "operator", "shape", "launch", "source"]) {
    const cell = document.createElement("th");
    cell.textContent = name;
    head.append(cell);
  }
  const body = table.createTBody();
  for (const launch of launches) {
    const row = body.insertRow();
    const cells = [launch.layer, launch.operator, words(launch.shape), words(launch.launch), launch.source];
    // textContent, never markup: the strings come from the kernel.
    for (const text of cells) row.insertCell().textContent = text;
  }
  return table;
}

export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [MIME_TYPE],
  createRenderer: () => new RenderedTraining(),
};

const extension: IRenderMime.IExtension = {
  id: "@deltalab/jupyterlab:training",
  description: "Renders deltalab training curves (loss and accuracy), updated live.",
  rendererFactory,
  // Ahead of image/png (rank 90): the bundle holds both once the view has written its picture back.
  rank: 0,
};

export default extension;
