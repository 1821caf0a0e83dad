import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { PayloadWidget } from "./payloadWidget";
import type { Figure, PlotlyLoader } from "./plotly";
import { PlotHost } from "./plotHost";
import { PNG_MIME_TYPE, PngWriteBack } from "./pngWriteBack";
import { readTheme, Theme, watchTheme } from "./theme";
import type { PayloadSpec } from "./validate";

/**
 * A payload view with a plotly graph in it. It keeps the payload and the model it was drawn from, redraws when
 * JupyterLab's theme changes, follows the panel's size, and after each draw writes a PNG of the graph back into
 * the model, so a saved notebook shows a picture where the extension is not installed. A subclass says what the
 * figure is (`figure`), where the graph goes (`createPlot`, then place `plot.node`), and what else to do after a
 * draw (`afterDraw`).
 */
export abstract class PlotPayloadWidget<T> extends PayloadWidget<T> {
  protected payload: T | undefined;
  protected model: IRenderMime.IMimeModel | undefined;
  protected plot: PlotHost | undefined;
  private readonly pngWriteBack = new PngWriteBack();
  private readonly stopWatchingTheme: () => void;

  protected constructor(
    mimeType: string,
    spec: PayloadSpec<T>,
    private readonly loadPlotly: PlotlyLoader,
  ) {
    super(mimeType, spec);
    this.stopWatchingTheme = watchTheme(() => void this.draw());
  }

  /** The figure for the payload in the current theme, or undefined when the view has no graph to draw. */
  protected abstract figure(payload: T, theme: Theme): Figure | undefined;

  /** Runs after each draw that reached the graph (for example, to attach plotly's event handlers once). */
  protected afterDraw(_plot: PlotHost): void {}

  /** Replaces the graph with a new, empty one; the subclass puts its node in the view. */
  protected createPlot(): PlotHost {
    this.plot?.dispose();
    this.plot = new PlotHost(this.loadPlotly, () => this.savedPng());
    return this.plot;
  }

  /** Draws the current payload's figure, then schedules the PNG write-back. */
  protected async draw(): Promise<void> {
    const { plot, payload, model } = this;
    if (!plot || payload === undefined || !model) return;
    const figure = this.figure(payload, readTheme(this.node));
    if (!figure) return;
    const drawn = await plot.draw(figure);
    if (!drawn) return;
    this.afterDraw(plot);
    this.pngWriteBack.schedule(model, () => plot.toPng());
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
}
