import type { Figure, PlotElement, PlotlyApi, PlotlyLoader } from "./plotly";

/** The PNG the view can fall back to: base64 without the data-URL prefix, as in an output's image/png. */
export type PngSource = () => string | undefined;

/**
 * One plotly graph inside a view: loads plotly on the first draw, redraws with Plotly.react (so a live update
 * re-uses the graph instead of rebuilding it, without flicker), follows the panel's size, and replaces the graph
 * with a PNG if the browser drops its WebGL context.
 */
export class PlotHost {
  readonly node: PlotElement;
  private plotly: PlotlyApi | undefined;
  private resizeObserver: ResizeObserver | undefined;
  private lostContext = false;
  private disposed = false;

  constructor(
    private readonly loadPlotly: PlotlyLoader,
    private readonly fallbackPng: PngSource,
  ) {
    this.node = document.createElement("div");
    this.node.className = "jp-deltalab-plot";
    // webglcontextlost is dispatched at the canvas and does not bubble: listen in the capture phase.
    this.node.addEventListener("webglcontextlost", this.onContextLost, true);
    if (typeof ResizeObserver !== "undefined") {
      this.resizeObserver = new ResizeObserver(() => this.resize());
      this.resizeObserver.observe(this.node);
    }
  }

  /** True once the graph has been replaced by its PNG. */
  get showingFallback(): boolean {
    return this.lostContext;
  }

  /** Draws or updates the figure. Returns the plotly instance, or undefined when the view no longer draws. */
  async draw(figure: Figure): Promise<PlotlyApi | undefined> {
    if (this.disposed || this.lostContext) return undefined;
    this.plotly ??= await this.loadPlotly();
    if (this.disposed || this.lostContext) return undefined;
    await this.plotly.react(this.node, figure.data, figure.layout, figure.config);
    return this.plotly;
  }

  /** A PNG of the graph as drawn now (base64, no prefix), or undefined when there is no graph. */
  async toPng(): Promise<string | undefined> {
    if (!this.plotly || this.disposed || this.lostContext) return undefined;
    const width = Math.max(this.node.clientWidth, 320);
    const height = Math.max(this.node.clientHeight, 240);
    const url = await this.plotly.toImage(this.node, { format: "png", width, height });
    return url.slice(url.indexOf(",") + 1);
  }

  resize(): void {
    if (this.plotly && !this.disposed && !this.lostContext && this.node.isConnected) {
      this.plotly.Plots.resize(this.node);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.resizeObserver?.disconnect();
    this.node.removeEventListener("webglcontextlost", this.onContextLost, true);
    this.plotly?.purge(this.node);
  }

  private readonly onContextLost = (event: Event) => {
    event.preventDefault();
    if (this.lostContext || this.disposed) return;
    this.lostContext = true;
    this.plotly?.purge(this.node);
    const png = this.fallbackPng();
    const note = document.createElement("div");
    note.className = "jp-deltalab-note";
    if (png) {
      const image = document.createElement("img");
      image.className = "jp-deltalab-fallback";
      image.alt = "static picture of this view";
      image.src = `data:image/png;base64,${png}`;
      note.textContent = "The browser dropped this view's WebGL context: showing its last picture.";
      this.node.replaceChildren(note, image);
    } else {
      note.textContent =
        "The browser dropped this view's WebGL context and no picture of it was saved: re-run the cell.";
      this.node.replaceChildren(note);
    }
  };
}
