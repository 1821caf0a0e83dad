import {
  TRAINING_MIME_TYPE_V1,
  TRAINING_SCHEMA_V1,
  TrainingPayload,
  trainingProblems,
} from "@deltalab/core/payloads";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { PayloadWidget } from "./payloadWidget";
import { loadPlotly, PlotlyLoader } from "./plotly";
import { PlotHost } from "./plotHost";
import { PNG_MIME_TYPE, PngWriteBack } from "./pngWriteBack";
import { readTheme, watchTheme } from "./theme";
import { trainingFigure } from "./trainingFigure";

export const MIME_TYPE = TRAINING_MIME_TYPE_V1;

export interface ViewOptions {
  loadPlotly?: PlotlyLoader;
}

/**
 * Training curves, live: the kernel sends update_display_data with each new measurement, and every update goes
 * through Plotly.react on the same graph, which changes only what changed (no flicker, zoom kept).
 */
export class RenderedTraining extends PayloadWidget<TrainingPayload> {
  private readonly loadPlotly: PlotlyLoader;
  private plot: PlotHost | undefined;
  private payload: TrainingPayload | undefined;
  private model: IRenderMime.IMimeModel | undefined;
  private readonly pngWriteBack = new PngWriteBack();
  private readonly stopWatchingTheme: () => void;

  constructor(options: ViewOptions = {}) {
    super(MIME_TYPE, { name: "training", schema: TRAINING_SCHEMA_V1, problems: trainingProblems });
    this.loadPlotly = options.loadPlotly ?? loadPlotly;
    this.addClass("jp-deltalab-training");
    this.stopWatchingTheme = watchTheme(() => void this.draw());
  }

  protected async renderPayload(payload: TrainingPayload, model: IRenderMime.IMimeModel): Promise<void> {
    this.payload = payload;
    this.model = model;
    if (!this.plot) {
      this.plot = new PlotHost(this.loadPlotly, () => this.savedPng());
      this.node.replaceChildren(this.plot.node);
    }
    await this.draw();
  }

  protected adoptModel(model: IRenderMime.IMimeModel): void {
    if (model === this.model) return;
    this.model = model;
    const plot = this.plot;
    if (plot) this.pngWriteBack.schedule(model, () => plot.toPng());
  }

  protected clearView(): void {
    this.pngWriteBack.cancel();
    this.plot?.dispose();
    this.plot = undefined;
    this.payload = undefined;
  }

  protected override onResize(): void {
    this.plot?.resize();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.stopWatchingTheme();
    this.clearView();
    super.dispose();
  }

  private savedPng(): string | undefined {
    const png = this.model?.data[PNG_MIME_TYPE];
    return typeof png === "string" ? png : undefined;
  }

  private async draw(): Promise<void> {
    const { plot, payload, model } = this;
    if (!plot || !payload || !model) return;
    const drawn = await plot.draw(trainingFigure(payload, readTheme(this.node)));
    if (drawn) this.pngWriteBack.schedule(model, () => plot.toPng());
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
