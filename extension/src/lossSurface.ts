import {
  LOSS_SURFACE_MIME_TYPE_V1,
  LOSS_SURFACE_SCHEMA_V1,
  LossSurfacePayload,
  lossSurfaceProblems,
  PathEndMessage,
} from "@deltalab/core/payloads";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { findKernel, KernelLike } from "./kernelLink";
import { SurfaceControls } from "./lossSurfaceControls";
import { DrawnPath, lossSurfaceFigure, sliderIterations, SurfaceViewState } from "./lossSurfaceFigure";
import { PayloadWidget } from "./payloadWidget";
import { loadPlotly, PlotlyLoader } from "./plotly";
import { PlotHost } from "./plotHost";
import { PNG_MIME_TYPE, PngWriteBack } from "./pngWriteBack";
import { SurfaceRunClient } from "./surfaceComm";
import { formatNumber } from "./text";
import { readTheme, watchTheme } from "./theme";

export const MIME_TYPE = LOSS_SURFACE_MIME_TYPE_V1;

export interface ViewOptions {
  loadPlotly?: PlotlyLoader;
  /** Where the view finds its kernel; by default the session of the notebook panel that holds it. */
  kernel?: () => KernelLike | undefined;
  /** Time between two slider steps while playing. */
  playIntervalMs?: number;
}

/**
 * A loss surface with optimizer paths: 3-D surface or contour, linear or log height, an iteration slider with a
 * play button, and — when the kernel that made it still runs — a click on the contour runs the chosen optimizer
 * from that point and draws its path as it streams in.
 */
export class RenderedLossSurface extends PayloadWidget<LossSurfacePayload> {
  readonly state: SurfaceViewState = { view: "surface", scale: "linear", iteration: 0 };
  private readonly loadPlotly: PlotlyLoader;
  private readonly playIntervalMs: number;
  private readonly client: SurfaceRunClient;
  private readonly pngWriteBack = new PngWriteBack();
  private readonly stopWatchingTheme: () => void;
  private payload: LossSurfacePayload | undefined;
  private model: IRenderMime.IMimeModel | undefined;
  private controls: SurfaceControls | undefined;
  private plot: PlotHost | undefined;
  private requested: DrawnPath[] = [];
  private player: ReturnType<typeof setInterval> | undefined;
  private clickHandlerAttached = false;

  constructor(options: ViewOptions = {}) {
    super(MIME_TYPE, { name: "loss surface", schema: LOSS_SURFACE_SCHEMA_V1, problems: lossSurfaceProblems });
    this.loadPlotly = options.loadPlotly ?? loadPlotly;
    this.playIntervalMs = options.playIntervalMs ?? 150;
    this.client = new SurfaceRunClient(options.kernel ?? (() => findKernel(this)));
    this.addClass("jp-deltalab-surface");
    this.stopWatchingTheme = watchTheme(() => void this.draw());
  }

  /** The payload's paths and those requested by clicks, in drawing order. */
  get paths(): DrawnPath[] {
    const streamed = this.requested.filter((path) => path.x.length > 0);
    return [...(this.payload?.trajectories ?? []), ...streamed];
  }

  get controlsNode(): SurfaceControls | undefined {
    return this.controls;
  }

  protected async renderPayload(payload: LossSurfacePayload, model: IRenderMime.IMimeModel): Promise<void> {
    const first = !this.payload;
    this.payload = payload;
    this.model = model;
    this.requested = [];
    this.stopPlaying();
    if (first) this.state.scale = payload.scale ?? "linear";
    if (!this.controls || !this.plot) {
      this.controls = new SurfaceControls(this.state, {
        onState: (change) => this.changeState(change),
        onPlay: () => this.togglePlaying(),
      });
      this.plot = new PlotHost(this.loadPlotly, () => this.savedPng());
      this.node.replaceChildren(this.controls.node, this.plot.node, this.controls.status);
      this.clickHandlerAttached = false;
    }
    const stops = sliderIterations(this.paths);
    this.state.iteration = stops[stops.length - 1] ?? 0;
    this.controls.setStops(stops, this.state.iteration);
    this.controls.setOptimizers(payload.session?.optimizers ?? []);
    this.controls.status.textContent = this.hint();
    await this.draw();
  }

  protected adoptModel(model: IRenderMime.IMimeModel): void {
    if (model === this.model) return;
    this.model = model;
    const plot = this.plot;
    if (plot) this.pngWriteBack.schedule(model, () => plot.toPng());
  }

  protected clearView(): void {
    this.stopPlaying();
    this.pngWriteBack.cancel();
    this.plot?.dispose();
    this.plot = undefined;
    this.controls = undefined;
    this.payload = undefined;
    this.requested = [];
  }

  protected override onResize(): void {
    this.plot?.resize();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.stopWatchingTheme();
    this.client.dispose();
    this.clearView();
    super.dispose();
  }

  /** Applies a change of the controls and redraws. */
  changeState(change: Partial<SurfaceViewState>): Promise<void> {
    Object.assign(this.state, change);
    if (change.iteration !== undefined) this.controls?.showIteration(change.iteration);
    if (change.view !== undefined && this.controls) this.controls.status.textContent = this.hint();
    return this.draw();
  }

  /**
   * Asks the kernel to run the chosen optimizer from the plane point (x, y) and draws the path as it arrives.
   * Returns false, with the reason in the status line, when no kernel can take the request.
   */
  runFrom(x: number, y: number): boolean {
    const session = this.payload?.session;
    const controls = this.controls;
    if (!session || !controls) return false;
    const optimizer = controls.optimizer.value || session.optimizers[0];
    const path: DrawnPath = {
      optimizer,
      x: [],
      y: [],
      loss: [],
      iteration: [],
      inPlane: true,
      requested: true,
    };
    const started = this.client.run(
      { surfaceId: session.surfaceId, optimizer, point: [x, y] },
      {
        onPoint: (message) => {
          path.x.push(message.point[0]);
          path.y.push(message.point[1]);
          path.loss.push(message.loss);
          path.iteration?.push(message.iteration);
          this.followNewPoints();
        },
        onEnd: (message) => {
          controls.status.textContent = describeEnd(path, message);
        },
      },
    );
    if (started instanceof Error) {
      controls.status.textContent = `Cannot run ${optimizer} from this point: ${started.message}.`;
      return false;
    }
    this.requested.push(path);
    controls.status.textContent = `Running ${optimizer} from (${formatNumber(x)}, ${formatNumber(y)})...`;
    return true;
  }

  private hint(): string {
    if (!this.payload?.session) return "";
    return this.state.view === "contour"
      ? "Click the contour to run the chosen optimizer from that point."
      : "Switch to the contour view and click it to run an optimizer from a point.";
  }

  private followNewPoints(): void {
    const stops = sliderIterations(this.paths);
    this.state.iteration = stops[stops.length - 1] ?? 0;
    this.controls?.setStops(stops, this.state.iteration);
    void this.draw();
  }

  private togglePlaying(): void {
    if (this.player !== undefined) {
      this.stopPlaying();
      return;
    }
    const controls = this.controls;
    if (!controls) return;
    if (this.state.iteration >= controls.lastStop)
      void this.changeState({ iteration: controls.iterationAt(0) });
    controls.setPlaying(true);
    this.player = setInterval(() => {
      const next = controls.nextStop(this.state.iteration);
      if (next === undefined) this.stopPlaying();
      else void this.changeState({ iteration: next });
    }, this.playIntervalMs);
  }

  private stopPlaying(): void {
    if (this.player !== undefined) clearInterval(this.player);
    this.player = undefined;
    this.controls?.setPlaying(false);
  }

  private savedPng(): string | undefined {
    const png = this.model?.data[PNG_MIME_TYPE];
    return typeof png === "string" ? png : undefined;
  }

  private async draw(): Promise<void> {
    const { plot, payload, model } = this;
    if (!plot || !payload || !model) return;
    const figure = lossSurfaceFigure(payload, this.paths, this.state, readTheme(this.node));
    const drawn = await plot.draw(figure);
    if (!drawn) return;
    if (!this.clickHandlerAttached && plot.node.on) {
      plot.node.on("plotly_click", (event) => this.onPlotClick(event));
      this.clickHandlerAttached = true;
    }
    this.pngWriteBack.schedule(model, () => plot.toPng());
  }

  private onPlotClick(event: unknown): void {
    if (this.state.view !== "contour" || !this.payload?.session) return;
    const point = clickedPoint(event);
    if (point) this.runFrom(point[0], point[1]);
  }
}

/** The plane point of a plotly_click event: { points: [{ x, y }, ...] }. */
export function clickedPoint(event: unknown): [number, number] | undefined {
  if (typeof event !== "object" || event === null || !("points" in event) || !Array.isArray(event.points)) {
    return undefined;
  }
  const first: unknown = event.points[0];
  if (typeof first !== "object" || first === null || !("x" in first) || !("y" in first)) return undefined;
  const { x, y } = first;
  return typeof x === "number" && typeof y === "number" ? [x, y] : undefined;
}

function describeEnd(path: DrawnPath, message: PathEndMessage): string {
  const steps = `${path.x.length} iterate${path.x.length === 1 ? "" : "s"}`;
  const last = path.loss.length > 0 ? `, final loss ${formatNumber(path.loss[path.loss.length - 1])}` : "";
  switch (message.reason) {
    case "error":
      return `${path.optimizer} stopped with an error: ${message.message ?? "no reason given"}.`;
    case "superseded":
      return `${path.optimizer} was superseded after ${steps}.`;
    default:
      return `${path.optimizer}: ${message.reason} after ${steps}${last}.`;
  }
}

export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [MIME_TYPE],
  createRenderer: () => new RenderedLossSurface(),
};

const extension: IRenderMime.IExtension = {
  id: "@deltalab/jupyterlab:loss-surface",
  description: "Renders deltalab loss surfaces with optimizer paths (plotly, loaded on first use).",
  rendererFactory,
  // Ahead of image/png (rank 90): the bundle holds both once the view has written its picture back.
  rank: 0,
};

export default extension;
