// @vitest-environment jsdom
import "./domPolyfills";
import { TUNING_TABLE_MIME_TYPE_V1, TuningTablePayload } from "@deltalab/core/payloads";
import { MimeModel } from "@jupyterlab/rendermime/lib/mimemodel";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RenderedTuningTable } from "../../../extension/src/tuningTable";
import { tuningCsv, tuningHeatmap } from "../../../extension/src/tuningTableModel";
import { fakePlotly } from "./fakePlotly";
import { tuningPayload } from "./fixtures";

const theme = {
  dark: false,
  background: "#fff",
  foreground: "#000",
  muted: "#666",
  grid: "#ddd",
  accent: "#00f",
  fontFamily: "sans-serif",
  fontSize: 12,
};

async function render(payload: unknown, trusted = false) {
  const plotly = fakePlotly();
  const widget = new RenderedTuningTable({ loadPlotly: plotly.load });
  const model = new MimeModel({ data: { [TUNING_TABLE_MIME_TYPE_V1]: payload as never }, trusted });
  await widget.renderModel(model);
  return { widget, model, plotly };
}

const header = (widget: RenderedTuningTable, text: string) =>
  [...widget.node.querySelectorAll("th")].find((th) => th.textContent === text)!;

const column = (widget: RenderedTuningTable, text: string) => {
  const index = [...widget.node.querySelectorAll("th")].findIndex((th) => th.textContent === text);
  return [...widget.node.querySelectorAll("tbody tr")].map(
    (row) => (row as HTMLTableRowElement).cells[index].textContent,
  );
};

afterEach(() => {
  vi.useRealTimers();
});

describe("RenderedTuningTable", () => {
  it("shows one row per candidate in payload order before any sorting", async () => {
    const { widget } = await render(tuningPayload());
    expect(widget.rowIds).toEqual(["wg16x16", "wg8x8", "wg32x4", "wg8x16"]);
  });

  it("sorts by median time ascending on the first header click", async () => {
    const { widget } = await render(tuningPayload());
    header(widget, "median (ms)").click();
    expect(widget.rowIds).toEqual(["wg32x4", "wg8x8", "wg16x16", "wg8x16"]);
    expect(header(widget, "median (ms)").getAttribute("aria-sort")).toBe("ascending");
  });

  it("reverses the order on a second click of the same header", async () => {
    const { widget } = await render(tuningPayload());
    header(widget, "median (ms)").click();
    header(widget, "median (ms)").click();
    expect(widget.rowIds).toEqual(["wg8x16", "wg16x16", "wg8x8", "wg32x4"]);
  });

  it("sorts a launch-parameter column numerically, keeping payload order for ties", async () => {
    const { widget } = await render(tuningPayload());
    header(widget, "workgroupX").click();
    expect(widget.rowIds).toEqual(["wg8x8", "wg8x16", "wg16x16", "wg32x4"]);
  });

  it("highlights the fastest candidate that passed its check, not a faster failed one", async () => {
    const { widget } = await render(tuningPayload());
    const best = [...widget.node.querySelectorAll("tr.jp-deltalab-best")].map(
      (row) => (row as HTMLElement).dataset.id,
    );
    expect(best).toEqual(["wg8x8"]);
  });

  it("shows the speed-up over the default as t_default / t_candidate", async () => {
    const { widget } = await render(tuningPayload());
    // default wg16x16 at 4 ms: 4/4, 4/2, 4/1, 4/8
    expect(column(widget, "speed-up")).toEqual(["1x", "2x", "4x", "0.5x"]);
  });

  it("shows the device, its limits, and the operator with its shape", async () => {
    const { widget } = await render(tuningPayload());
    expect(widget.node.querySelector(".jp-deltalab-title")!.textContent).toBe("matmul M=256 N=256 K=256");
    expect(widget.node.querySelector(".jp-deltalab-limits")!.textContent).toContain(
      "maxComputeInvocationsPerWorkgroup 1024",
    );
  });

  it("renders markup in payload strings as text", async () => {
    const payload = tuningPayload();
    payload.device.name = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
    payload.candidates[0].params.variant = "<b>bold</b>";
    const { widget } = await render(payload);
    expect(widget.node.querySelector("script, img, b")).toBeNull();
    expect(widget.node.querySelector(".jp-deltalab-device")!.textContent).toContain(
      "<script>alert(2)</script>",
    );
    expect(column(widget, "variant")[0]).toBe("<b>bold</b>");
  });

  it("shows an error box naming the problem for an invalid payload", async () => {
    const { widget } = await render({ ...tuningPayload(), candidates: [] });
    const box = widget.node.querySelector(".jp-deltalab-error");
    expect(box?.textContent).toContain("/candidates must NOT have fewer than 1 items");
    expect(widget.node.querySelector("table")).toBeNull();
  });

  it("draws again from scratch when a valid payload follows an invalid one", async () => {
    const plotly = fakePlotly();
    const widget = new RenderedTuningTable({ loadPlotly: plotly.load });
    await widget.renderModel(new MimeModel({ data: { [TUNING_TABLE_MIME_TYPE_V1]: "oops" } }));
    await widget.renderModel(
      new MimeModel({ data: { [TUNING_TABLE_MIME_TYPE_V1]: tuningPayload() as never } }),
    );
    expect(widget.node.querySelector(".jp-deltalab-error")).toBeNull();
    expect(widget.rowIds).toHaveLength(4);
  });

  it("exports the rows in the order shown as CSV", async () => {
    const { widget } = await render(tuningPayload());
    header(widget, "median (ms)").click();
    const lines = widget.csv().trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "id,workgroupX,workgroupY,rowsPerThread,median (ms),IQR (ms),GFLOP/s,GB/s,global accesses,speed-up,check",
    );
    expect(lines.slice(1).map((line) => line.split(",")[0])).toEqual([
      "wg32x4",
      "wg8x8",
      "wg16x16",
      "wg8x16",
    ]);
    expect(lines[1]).toBe("wg32x4,32,4,4,1,0.1,2,1,32768,4,false");
  });

  it("does not draw the table again when the same payload comes back with its PNG", async () => {
    const { widget, model, plotly } = await render(tuningPayload());
    header(widget, "median (ms)").click();
    model.setData({ data: { ...model.data, "image/png": "iVBORw0KGgo=" } });
    await widget.renderModel(model);
    expect(plotly.calls.react).toBe(1);
    expect(widget.rowIds[0]).toBe("wg32x4");
  });

  it("writes a PNG of the heat map into a trusted output once the view is still", async () => {
    vi.useFakeTimers();
    const { model, plotly } = await render(tuningPayload(), true);
    await vi.runAllTimersAsync();
    expect(plotly.calls.toImage).toBe(1);
    expect(model.data["image/png"]).toBe("iVBORw0KGgo=");
  });

  it("writes the PNG once the same payload comes back in a trusted model, without drawing again", async () => {
    vi.useFakeTimers();
    const { widget, plotly } = await render(tuningPayload(), false);
    const trusted = new MimeModel({
      data: { [TUNING_TABLE_MIME_TYPE_V1]: tuningPayload() as never },
      trusted: true,
    });
    await widget.renderModel(trusted);
    await vi.runAllTimersAsync();
    expect(trusted.data["image/png"]).toBe("iVBORw0KGgo=");
    expect(plotly.calls.react).toBe(1);
  });

  it("writes no PNG into an untrusted output", async () => {
    vi.useFakeTimers();
    const { model, plotly } = await render(tuningPayload(), false);
    await vi.runAllTimersAsync();
    expect(plotly.calls.toImage).toBe(0);
    expect(model.data["image/png"]).toBeUndefined();
  });
});

describe("tuningCsv", () => {
  it("quotes fields with commas or quotes and defuses formula-like text", () => {
    const payload: TuningTablePayload = tuningPayload();
    payload.candidates[0].id = 'tile "a", b';
    payload.candidates[0].params.note = "=HYPERLINK(1)";
    payload.defaultId = payload.candidates[0].id;
    const row = tuningCsv(payload).split("\r\n")[1];
    // columns: id, workgroupX, workgroupY, rowsPerThread, note, then the measurements
    expect(row.startsWith(`"tile ""a"", b",16,16,4,'=HYPERLINK(1),4,`)).toBe(true);
  });
});

describe("tuningHeatmap", () => {
  it("puts the fastest passing median per (workgroupX, workgroupY) cell on the grid, null where none passed", () => {
    const payload = tuningPayload();
    payload.candidates.push({ ...payload.candidates[1], id: "wg8x8-b", medianMs: 1.5 });
    const trace = tuningHeatmap(payload, theme)!.data[0];
    expect(trace.type).toBe("heatmap");
    expect(trace.x).toEqual(["8", "16", "32"]);
    expect(trace.y).toEqual(["4", "8", "16"]);
    // The 32 x 4 launch (1 ms) failed its check: its cell stays empty rather than showing the fastest time.
    expect(trace.z).toEqual([
      [null, null, null],
      [1.5, null, null],
      [8.0, 4.0, null],
    ]);
  });

  it("keeps a shape's fastest passing launch when a faster one of the same shape failed", () => {
    const payload = tuningPayload();
    const failed = payload.candidates.find((c) => !c.check.passed)!;
    payload.candidates.push({
      ...failed,
      id: "wg32x4-ok",
      medianMs: 3,
      check: { ...failed.check, passed: true },
    });
    const trace = tuningHeatmap(payload, theme)!.data[0];
    expect(trace.z).toEqual([
      [null, null, 3],
      [2.0, null, null],
      [8.0, 4.0, null],
    ]);
  });
});
