import {
  TUNING_TABLE_MIME_TYPE_V1,
  TUNING_TABLE_SCHEMA_V1,
  TuningTablePayload,
  tuningTableProblems,
} from "@deltalab/core/payloads";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Figure, loadPlotly, PlotlyLoader } from "./plotly";
import { PlotPayloadWidget } from "./plotPayloadWidget";
import type { Theme } from "./theme";
import { formatNumber } from "./text";
import {
  bestCandidate,
  sortCandidates,
  TuningColumn,
  tuningColumns,
  tuningCsv,
  tuningHeatmap,
} from "./tuningTableModel";

export const MIME_TYPE = TUNING_TABLE_MIME_TYPE_V1;

export interface ViewOptions {
  loadPlotly?: PlotlyLoader;
}

type Sort = { column: TuningColumn; direction: "ascending" | "descending" };

/**
 * An auto-tuning result: the device and its limits, the operator and shape, one row per candidate sortable by
 * any column (click its header), the best row highlighted, a heat map of time over two launch parameters, and a
 * CSV download of the rows.
 */
export class RenderedTuningTable extends PlotPayloadWidget<TuningTablePayload> {
  private sort: Sort | undefined;
  private tbody: HTMLTableSectionElement | undefined;

  constructor(options: ViewOptions = {}) {
    super(
      MIME_TYPE,
      { name: "tuning table", schema: TUNING_TABLE_SCHEMA_V1, problems: tuningTableProblems },
      options.loadPlotly ?? loadPlotly,
    );
    this.addClass("jp-deltalab-tuning");
  }

  /** The ids of the rows in the order shown. */
  get rowIds(): string[] {
    return [...(this.tbody?.rows ?? [])].map((row) => row.dataset.id ?? "");
  }

  /** The CSV the download button writes, for the rows in the order shown. */
  csv(): string {
    const payload = this.payload;
    if (!payload) return "";
    const byId = new Map(payload.candidates.map((c) => [c.id, c]));
    const rows = this.rowIds.flatMap((id) => byId.get(id) ?? []);
    return tuningCsv(payload, rows);
  }

  protected async renderPayload(payload: TuningTablePayload, model: IRenderMime.IMimeModel): Promise<void> {
    this.payload = payload;
    this.model = model;
    const columns = tuningColumns(payload);
    if (this.sort) {
      const key = this.sort.column.key;
      const column = columns.find((c) => c.key === key);
      this.sort = column ? { column, direction: this.sort.direction } : undefined;
    }
    this.node.replaceChildren(this.renderHeader(payload), this.renderTable(payload, columns));
    if (payload.heatmapParams) {
      this.node.append(this.createPlot().node);
    } else {
      this.plot?.dispose();
      this.plot = undefined;
    }
    this.fillRows();
    await this.draw();
  }

  /** The heat map of time over two launch parameters, when the payload names them. */
  protected figure(payload: TuningTablePayload, theme: Theme): Figure | undefined {
    return tuningHeatmap(payload, theme);
  }

  protected override clearView(): void {
    super.clearView();
    this.tbody = undefined;
  }

  private renderHeader(payload: TuningTablePayload): HTMLElement {
    const header = document.createElement("div");
    header.className = "jp-deltalab-tuning-header";
    const title = document.createElement("div");
    title.className = "jp-deltalab-title";
    const shape = Object.entries(payload.shape)
      .map(([name, size]) => `${name}=${size}`)
      .join(" ");
    title.textContent = `${payload.operator} ${shape}`;
    const device = document.createElement("div");
    device.className = "jp-deltalab-device";
    device.textContent = [payload.device.name, payload.device.vendor, payload.device.architecture]
      .filter((part) => part)
      .join(" / ");
    const limits = document.createElement("div");
    limits.className = "jp-deltalab-limits";
    for (const [name, value] of Object.entries(payload.device.limits)) {
      const limit = document.createElement("span");
      limit.textContent = `${name} ${value}`;
      limits.append(limit);
    }
    const download = document.createElement("button");
    download.className = "jp-deltalab-button jp-deltalab-csv";
    download.type = "button";
    download.textContent = "Download CSV";
    download.addEventListener("click", () => this.downloadCsv());
    header.append(title, device, limits, download);
    return header;
  }

  private renderTable(payload: TuningTablePayload, columns: TuningColumn[]): HTMLTableElement {
    const table = document.createElement("table");
    table.className = "jp-deltalab-table";
    const head = table.createTHead().insertRow();
    for (const column of columns) {
      const cell = document.createElement("th");
      cell.scope = "col";
      cell.dataset.key = column.key;
      cell.textContent = column.header;
      cell.tabIndex = 0;
      cell.title = "Sort by this column";
      const sortBy = () => this.sortBy(column);
      cell.addEventListener("click", sortBy);
      cell.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") sortBy();
      });
      head.append(cell);
    }
    this.tbody = table.createTBody();
    const best = bestCandidate(payload);
    const caption = table.createCaption();
    caption.textContent = best
      ? `${payload.candidates.length} candidates; best ${best.id} at ${formatNumber(best.medianMs)} ms`
      : `${payload.candidates.length} candidates; none passed the correctness check`;
    return table;
  }

  /** Sorts by `column`: ascending on the first click, then toggling. */
  sortBy(column: TuningColumn): void {
    const direction =
      this.sort?.column.key === column.key && this.sort.direction === "ascending"
        ? "descending"
        : "ascending";
    this.sort = { column, direction };
    this.fillRows();
  }

  private fillRows(): void {
    const payload = this.payload;
    const tbody = this.tbody;
    if (!payload || !tbody) return;
    const columns = tuningColumns(payload);
    const rows = this.sort
      ? sortCandidates(payload, this.sort.column, this.sort.direction)
      : payload.candidates;
    const best = bestCandidate(payload);
    tbody.replaceChildren(
      ...rows.map((candidate) => {
        const row = document.createElement("tr");
        row.dataset.id = candidate.id;
        row.title = candidate.id;
        if (candidate === best) row.classList.add("jp-deltalab-best");
        if (candidate.id === payload.defaultId) row.classList.add("jp-deltalab-default");
        if (!candidate.check.passed) row.classList.add("jp-deltalab-failed");
        for (const column of columns) {
          const cell = row.insertCell();
          cell.textContent = column.format(column.value(candidate, payload));
        }
        return row;
      }),
    );
    const head = tbody.parentElement?.querySelectorAll("th") ?? [];
    const sort = this.sort;
    for (const cell of head) {
      cell.setAttribute("aria-sort", sort && sort.column.key === cell.dataset.key ? sort.direction : "none");
    }
  }

  private downloadCsv(): void {
    const blob = new Blob([this.csv()], { type: "text/csv" });
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = `${this.payload?.operator ?? "tuning"}-tuning.csv`.replace(/[^\w.-]+/g, "_");
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}

export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [MIME_TYPE],
  createRenderer: () => new RenderedTuningTable(),
};

const extension: IRenderMime.IExtension = {
  id: "@deltalab/jupyterlab:tuning-table",
  description: "Renders deltalab auto-tuning results as a sortable table with a heat map.",
  rendererFactory,
  // Ahead of image/png (rank 90): the bundle holds both once the view has written its picture back.
  rank: 0,
};

export default extension;
