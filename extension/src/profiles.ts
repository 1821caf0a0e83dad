import {
  PROFILES_MIME_TYPE_V1,
  PROFILES_SCHEMA_V1,
  ProfilesPayload,
  profilesProblems,
} from "@deltalab/core/payloads";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import type { PlotHost } from "./plotHost";
import { Figure, loadPlotly, PlotlyLoader } from "./plotly";
import { PlotPayloadWidget } from "./plotPayloadWidget";
import { profilesFigure, profileTable, type ProfilesViewState } from "./profilesFigure";
import type { Theme } from "./theme";

export const MIME_TYPE = PROFILES_MIME_TYPE_V1;

export interface ViewOptions {
  loadPlotly?: PlotlyLoader;
}

/**
 * An optimizer benchmark (`%bench`): performance and data profiles with tau on a slider, one problem's convergence
 * curves chosen from a menu, and a table of solved counts and median evaluations per tau.
 */
export class RenderedProfiles extends PlotPayloadWidget<ProfilesPayload> {
  private view: ProfilesViewState = {};
  private clickHandlerAttached = false;

  constructor(options: ViewOptions = {}) {
    super(
      MIME_TYPE,
      { name: "profiles", schema: PROFILES_SCHEMA_V1, problems: profilesProblems },
      options.loadPlotly ?? loadPlotly,
    );
    this.addClass("jp-deltalab-profiles");
  }

  protected async renderPayload(payload: ProfilesPayload, model: IRenderMime.IMimeModel): Promise<void> {
    this.payload = payload;
    this.model = model;
    this.view = {};
    this.clickHandlerAttached = false;
    this.node.replaceChildren(this.createPlot().node, this.renderTable(payload));
    await this.draw();
  }

  private renderTable(payload: ProfilesPayload): HTMLTableElement {
    const { headers, rows } = profileTable(payload);
    const table = document.createElement("table");
    table.className = "deltalab-table jp-deltalab-profiles-table";
    const head = table.createTHead().insertRow();
    for (const h of headers) {
      const th = document.createElement("th");
      th.textContent = h;
      head.append(th);
    }
    const body = table.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      for (const cell of row) tr.insertCell().textContent = cell;
    }
    return table;
  }

  protected figure(payload: ProfilesPayload, theme: Theme): Figure {
    return profilesFigure(payload, theme, this.view);
  }

  /** A click on a profile's step shows that problem's convergence curves, keeping the slider where it is. */
  protected override afterDraw(plot: PlotHost): void {
    if (this.clickHandlerAttached || !plot.node.on) return;
    plot.node.on("plotly_click", (event) => {
      const problem = clickedProblem(event);
      if (problem === undefined) return;
      const sliders = (plot.node as unknown as { layout?: { sliders?: { active?: unknown }[] } }).layout
        ?.sliders;
      const tau = sliders?.[0]?.active;
      this.view = { problem, ...(typeof tau === "number" ? { tau } : {}) };
      void this.draw();
    });
    this.clickHandlerAttached = true;
  }
}

/** The problem index a plotly_click on a profile point carries as customdata, if any. */
export function clickedProblem(event: unknown): number | undefined {
  if (typeof event !== "object" || event === null || !("points" in event) || !Array.isArray(event.points)) {
    return undefined;
  }
  const first: unknown = event.points[0];
  if (typeof first !== "object" || first === null || !("customdata" in first)) return undefined;
  const p = first.customdata;
  return typeof p === "number" && Number.isInteger(p) && p >= 0 ? p : undefined;
}

export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [MIME_TYPE],
  createRenderer: () => new RenderedProfiles(),
};

const extension: IRenderMime.IExtension = {
  id: "@deltalab/jupyterlab:profiles",
  description: "Renders deltalab optimizer benchmarks: performance and data profiles, convergence curves.",
  rendererFactory,
  // Ahead of image/png (rank 90): the bundle holds both once the view has written its picture back.
  rank: 0,
};

export default extension;
