import {
  PROFILES_MIME_TYPE_V1,
  PROFILES_SCHEMA_V1,
  ProfilesPayload,
  profilesProblems,
} from "@deltalab/core/payloads";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Figure, loadPlotly, PlotlyLoader } from "./plotly";
import { PlotPayloadWidget } from "./plotPayloadWidget";
import { profilesFigure, profileTable } from "./profilesFigure";
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
    return profilesFigure(payload, theme);
  }
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
