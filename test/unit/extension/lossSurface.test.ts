// @vitest-environment jsdom
import "./domPolyfills";
import { LOSS_SURFACE_MIME_TYPE_V1, RunFromMessage } from "@deltalab/core/payloads";
import { MimeModel } from "@jupyterlab/rendermime/lib/mimemodel";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { KernelLike } from "../../../extension/src/kernelLink";
import { clickedPoint, RenderedLossSurface } from "../../../extension/src/lossSurface";
import { TRACES_PER_PATH } from "../../../extension/src/lossSurfaceFigure";
import { fakeKernel } from "./fakeKernel";
import { fakePlotly } from "./fakePlotly";
import { surfacePayload } from "./fixtures";

async function render(payload: unknown = surfacePayload(), kernel?: KernelLike) {
  const plotly = fakePlotly();
  const widget = new RenderedLossSurface({
    loadPlotly: plotly.load,
    kernel: () => kernel,
    playIntervalMs: 10,
  });
  const model = new MimeModel({ data: { [LOSS_SURFACE_MIME_TYPE_V1]: payload as never } });
  await widget.renderModel(model);
  return { widget, plotly, model };
}

const button = (widget: RenderedLossSurface, text: string) =>
  [...widget.node.querySelectorAll("button")].find((b) => b.textContent === text)!;

const clickContour = (handlers: Map<string, (event: unknown) => void>, x: number, y: number) =>
  handlers.get("plotly_click")!({ points: [{ x, y, curveNumber: 0 }] });

afterEach(() => {
  vi.useRealTimers();
});

describe("RenderedLossSurface", () => {
  it("starts in the 3-D view with the slider at the last iteration", async () => {
    const { widget, plotly } = await render();
    expect(plotly.last().data[0].type).toBe("surface");
    const slider = widget.node.querySelector<HTMLInputElement>("input[type=range]")!;
    expect([slider.max, slider.value]).toEqual(["3", "3"]);
    expect(widget.node.querySelector(".jp-deltalab-iteration")!.textContent).toBe("iteration 10");
  });

  it("switches to the contour view from its toggle", async () => {
    const { widget, plotly } = await render();
    button(widget, "contour").click();
    await vi.waitFor(() => expect(plotly.last().data[0].type).toBe("contour"));
    expect(button(widget, "contour").getAttribute("aria-pressed")).toBe("true");
  });

  it("starts in the payload's scale and switches scale from its toggle", async () => {
    const { widget, plotly } = await render({ ...surfacePayload(), scale: "log" });
    const scene = () => plotly.last().layout.scene as { zaxis: { title: { text: string } } };
    expect(scene().zaxis.title.text).toMatch(/^log10 loss/);
    button(widget, "linear").click();
    await vi.waitFor(() => expect(scene().zaxis.title.text).toBe("loss"));
  });

  it("moves the current markers when the slider moves", async () => {
    const { widget, plotly } = await render();
    const slider = widget.node.querySelector<HTMLInputElement>("input[type=range]")!;
    slider.value = "1"; // stops are iterations 0, 1, 2, 10
    slider.dispatchEvent(new Event("input"));
    await vi.waitFor(() => expect(plotly.last().data[3].x).toEqual([1]));
    expect(widget.state.iteration).toBe(1);
  });

  it("plays through the iterations from the start and stops at the end", async () => {
    vi.useFakeTimers();
    const { widget, plotly } = await render();
    button(widget, "play").click();
    await vi.advanceTimersByTimeAsync(100);
    const seen = plotly.figures.map((f) => f.data[3].x);
    expect(seen).toContainEqual([2]);
    expect(widget.state.iteration).toBe(10);
    expect(widget.node.querySelector(".jp-deltalab-play")!.textContent).toBe("play");
  });

  it("does nothing when the same payload comes back with its PNG", async () => {
    const { widget, plotly, model } = await render();
    model.setData({ data: { ...model.data, "image/png": "iVBORw0KGgo=" } });
    await widget.renderModel(model);
    expect(plotly.calls.react).toBe(1);
  });

  it("accepts the payload as a JSON string", async () => {
    const { plotly } = await render(JSON.stringify(surfacePayload()));
    expect(plotly.last().data).toHaveLength(1 + 2 * TRACES_PER_PATH);
  });

  it("shows an error box naming the mismatch for an inconsistent grid", async () => {
    const payload = surfacePayload();
    payload.grid.loss.pop();
    const { widget, plotly } = await render(payload);
    expect(widget.node.querySelector(".jp-deltalab-error")!.textContent).toContain(
      "grid.loss has 3 rows, expected one per grid.y value (4)",
    );
    expect(plotly.calls.react).toBe(0);
  });

  it("shows optimizer names from the payload as text in the run choice", async () => {
    const payload = surfacePayload();
    payload.session!.optimizers = ["<img src=x onerror=alert(1)>"];
    const { widget } = await render(payload);
    expect(widget.node.querySelector("img")).toBeNull();
    expect(widget.node.querySelector("option")!.textContent).toBe("<img src=x onerror=alert(1)>");
  });
});

describe("running an optimizer from a clicked point", () => {
  it("sends run-from with the surface, the chosen optimizer and the clicked point", async () => {
    const k = fakeKernel();
    const { widget, plotly } = await render(surfacePayload(), k.kernel);
    await widget.changeState({ view: "contour" });
    widget.node.querySelector("select")!.value = "adam";
    clickContour(plotly.handlers, 0.5, -0.25);
    expect(k.comms.map((c) => [c.target, c.opened])).toEqual([["deltalab", true]]);
    const sent = k.comms[0].sent[0] as RunFromMessage;
    expect(sent).toEqual({
      action: "run-from",
      requestId: sent.requestId,
      surfaceId: "surface-1",
      optimizer: "adam",
      point: [0.5, -0.25],
    });
  });

  it("ignores clicks on the 3-D view", async () => {
    const k = fakeKernel();
    const { plotly } = await render(surfacePayload(), k.kernel);
    clickContour(plotly.handlers, 0.5, -0.25);
    expect(k.comms).toHaveLength(0);
  });

  it("draws the path as its points stream in and reports how it ended", async () => {
    const k = fakeKernel();
    const { widget, plotly } = await render(surfacePayload(), k.kernel);
    await widget.changeState({ view: "contour" });
    clickContour(plotly.handlers, 1, 1);
    const { requestId } = k.comms[0].sent[0] as RunFromMessage;
    k.reply({ action: "path-point", requestId, iteration: 0, point: [1, 1], loss: 11 });
    k.reply({ action: "path-point", requestId, iteration: 1, point: [0.5, 0.2], loss: 0.65 });
    await vi.waitFor(() => expect(plotly.last().data).toHaveLength(1 + 3 * TRACES_PER_PATH));
    const streamed = plotly.last().data[1 + 2 * TRACES_PER_PATH];
    expect([streamed.name, streamed.x, streamed.y]).toEqual(["sgd (from click)", [1, 0.5], [1, 0.2]]);
    k.reply({ action: "path-end", requestId, reason: "converged" });
    expect(widget.node.querySelector("[aria-live]")!.textContent).toBe(
      "sgd: converged after 2 iterates, final loss 0.65.",
    );
  });

  it("ends the run with an error naming the problem when the kernel sends a malformed point", async () => {
    const k = fakeKernel();
    const { widget, plotly } = await render(surfacePayload(), k.kernel);
    await widget.changeState({ view: "contour" });
    clickContour(plotly.handlers, 1, 1);
    const { requestId } = k.comms[0].sent[0] as RunFromMessage;
    k.reply({ action: "path-point", requestId, iteration: 0, point: [1], loss: 11 });
    expect(widget.node.querySelector("[aria-live]")!.textContent).toContain(
      "/point must NOT have fewer than 2 items",
    );
  });

  it("says so when no kernel is connected", async () => {
    const { widget, plotly } = await render(surfacePayload(), undefined);
    await widget.changeState({ view: "contour" });
    clickContour(plotly.handlers, 1, 1);
    expect(widget.node.querySelector("[aria-live]")!.textContent).toBe(
      "Cannot run sgd from this point: no kernel is connected to this notebook.",
    );
  });

  it("closes its comm when the view is disposed", async () => {
    const k = fakeKernel();
    const { widget, plotly } = await render(surfacePayload(), k.kernel);
    await widget.changeState({ view: "contour" });
    clickContour(plotly.handlers, 1, 1);
    widget.dispose();
    expect(k.comms[0].closed).toBe(true);
  });
});

describe("clickedPoint", () => {
  it("reads the plane point of a plotly click and rejects anything else", () => {
    expect(clickedPoint({ points: [{ x: 1, y: 2 }] })).toEqual([1, 2]);
    expect(clickedPoint({ points: [] })).toBeUndefined();
    expect(clickedPoint({ points: [{ x: "a", y: 2 }] })).toBeUndefined();
    expect(clickedPoint(null)).toBeUndefined();
  });
});
