import type { LaunchValue, TuningCandidate, TuningTablePayload } from "@deltalab/core/payloads";
import { formatNumber, plotlyText } from "./text";
import type { Figure } from "./plotly";
import type { Theme } from "./theme";

/** A cell value: what sorting and CSV see. */
export type CellValue = LaunchValue | null;

/** One column of the tuning table: its header and how to read a row's value from a candidate. */
export interface TuningColumn {
  key: string;
  header: string;
  value(candidate: TuningCandidate, payload: TuningTablePayload): CellValue;
  format(value: CellValue): string;
}

const number = (value: CellValue) => (typeof value === "number" ? formatNumber(value) : String(value ?? ""));
const plain = (value: CellValue) => String(value ?? "");

/** Speed-up of a candidate over the default configuration: t_default / t_candidate (medians). */
export function speedup(candidate: TuningCandidate, payload: TuningTablePayload): number {
  const reference = payload.candidates.find((c) => c.id === payload.defaultId);
  return reference ? reference.medianMs / candidate.medianMs : Number.NaN;
}

/** The columns: the launch parameters (in order of first appearance), then the measurements. */
export function tuningColumns(payload: TuningTablePayload): TuningColumn[] {
  const params: string[] = [];
  for (const candidate of payload.candidates) {
    for (const name of Object.keys(candidate.params)) if (!params.includes(name)) params.push(name);
  }
  return [
    ...params.map(
      (name): TuningColumn => ({
        key: `param:${name}`,
        header: name,
        value: (c) => c.params[name] ?? null,
        format: plain,
      }),
    ),
    { key: "medianMs", header: "median (ms)", value: (c) => c.medianMs, format: number },
    { key: "spreadMs", header: "IQR (ms)", value: (c) => c.spreadMs, format: number },
    { key: "gflops", header: "GFLOP/s", value: (c) => c.gflops, format: number },
    { key: "gbps", header: "GB/s", value: (c) => c.gbps, format: number },
    { key: "globalAccesses", header: "global accesses", value: (c) => c.globalAccesses, format: number },
    { key: "speedup", header: "speed-up", value: speedup, format: (v) => `${number(v)}x` },
    {
      key: "check",
      header: "check",
      value: (c) => c.check.passed,
      format: (v) => (v ? "passed" : "FAILED"),
    },
  ];
}

/**
 * The best candidate: the fastest (lowest median) among those whose result passed the check; undefined when
 * none passed.
 */
export function bestCandidate(payload: TuningTablePayload): TuningCandidate | undefined {
  let best: TuningCandidate | undefined;
  for (const candidate of payload.candidates) {
    if (candidate.check.passed && (!best || candidate.medianMs < best.medianMs)) best = candidate;
  }
  return best;
}

/** Compares cell values: numbers numerically, booleans false < true, text by locale; empty cells last. */
export function compareCells(a: CellValue, b: CellValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** The candidates ordered by one column (stable: ties keep payload order). */
export function sortCandidates(
  payload: TuningTablePayload,
  column: TuningColumn,
  direction: "ascending" | "descending",
): TuningCandidate[] {
  const sign = direction === "ascending" ? 1 : -1;
  return payload.candidates
    .map((candidate, index) => ({ candidate, index, value: column.value(candidate, payload) }))
    .sort((p, q) => sign * compareCells(p.value, q.value) || p.index - q.index)
    .map((entry) => entry.candidate);
}

/**
 * The rows as CSV (RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled). Numbers are
 * written in full precision; a text field that a spreadsheet would read as a formula gets a leading apostrophe.
 */
export function tuningCsv(payload: TuningTablePayload, rows: TuningCandidate[] = payload.candidates): string {
  const columns = tuningColumns(payload);
  const lines = [["id", ...columns.map((c) => c.header)].map(csvField)];
  for (const candidate of rows) {
    lines.push([candidate.id, ...columns.map((c) => c.value(candidate, payload))].map(csvField));
  }
  return lines.map((fields) => fields.join(",")).join("\r\n") + "\r\n";
}

function csvField(value: CellValue): string {
  let text = value === null ? "" : String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Heat map of time over two launch parameters: z[j][i] is the lowest median time among the candidates with
 * params[px] = x[i] and params[py] = y[j] (other parameters vary freely) that passed their correctness check, null
 * where none did: a launch that computes the wrong result is never shown as the fast one (the table lists it, marked).
 */
export function tuningHeatmap(payload: TuningTablePayload, theme: Theme): Figure | undefined {
  if (!payload.heatmapParams) return undefined;
  const [px, py] = payload.heatmapParams;
  const distinct = (name: string) =>
    [...new Set(payload.candidates.map((c) => c.params[name]))]
      .filter((v): v is number => typeof v === "number")
      .sort((a, b) => a - b);
  const xs = distinct(px);
  const ys = distinct(py);
  const z: (number | null)[][] = ys.map(() => xs.map(() => null));
  for (const c of payload.candidates) {
    if (!c.check.passed) continue;
    const i = xs.indexOf(c.params[px] as number);
    const j = ys.indexOf(c.params[py] as number);
    if (i < 0 || j < 0) continue;
    const current = z[j][i];
    if (current === null || c.medianMs < current) z[j][i] = c.medianMs;
  }
  const axis = (title: string) => ({
    title: { text: plotlyText(title) },
    type: "category" as const,
    color: theme.foreground,
    gridcolor: theme.grid,
  });
  return {
    data: [
      {
        type: "heatmap",
        x: xs.map(String),
        y: ys.map(String),
        z,
        colorscale: "Viridis",
        reversescale: true,
        colorbar: { title: { text: "median ms" } },
        hovertemplate: `${plotlyText(px)} %{x}<br>${plotlyText(py)} %{y}<br>median %{z:~.4g} ms<extra></extra>`,
      },
    ],
    layout: {
      title: { text: "fastest median time (ms) per workgroup shape, of the launches that passed" },
      xaxis: axis(px),
      yaxis: axis(py),
      paper_bgcolor: theme.background,
      plot_bgcolor: theme.background,
      font: { family: theme.fontFamily, color: theme.foreground, size: theme.fontSize },
      margin: { l: 60, r: 20, t: 40, b: 50 },
      height: 320,
    },
    config: { responsive: false, displaylogo: false },
  };
}
