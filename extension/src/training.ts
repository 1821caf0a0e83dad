import {
  TRAINING_MIME_TYPE_V1,
  TRAINING_SCHEMA_V1,
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
    await this.draw();
  }

  protected figure(payload: TrainingPayload, theme: Theme): Figure {
    return trainingFigure(payload, theme);
  }
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
