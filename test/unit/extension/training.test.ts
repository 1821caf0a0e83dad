// @vitest-environment jsdom
import "./domPolyfills";
import { TRAINING_MIME_TYPE_V1 } from "@deltalab/core/payloads";
import { MimeModel } from "@jupyterlab/rendermime/lib/mimemodel";
import { describe, expect, it } from "vitest";
import { RenderedTraining } from "../../../extension/src/training";
import { fakePlotly } from "./fakePlotly";
import { trainingPayload } from "./fixtures";

const model = (payload: unknown) => new MimeModel({ data: { [TRAINING_MIME_TYPE_V1]: payload as never } });

async function render(payload: unknown) {
  const plotly = fakePlotly();
  const widget = new RenderedTraining({ loadPlotly: plotly.load });
  await widget.renderModel(model(payload));
  return { widget, plotly };
}

describe("RenderedTraining", () => {
  it("draws loss and accuracy for training and test data as four line traces", async () => {
    const { plotly } = await render(trainingPayload(5));
    const traces = plotly.last().data;
    expect(traces.map((t) => [t.name, t.type, t.yaxis])).toEqual([
      ["train loss", "scatter", "y"],
      ["train accuracy", "scatter", "y2"],
      ["test loss", "scatter", "y"],
      ["test accuracy", "scatter", "y2"],
    ]);
    expect(traces[0].y).toEqual([2, 1, 2 / 3, 0.5, 0.4]);
  });

  it("draws only the loss axis when no accuracy was measured", async () => {
    const payload = trainingPayload(3);
    delete payload.train.accuracy;
    delete payload.test;
    const { plotly } = await render(payload);
    expect(plotly.last().data.map((t) => t.name)).toEqual(["train loss"]);
    expect(plotly.last().layout.yaxis2).toBeUndefined();
  });

  it("updates a live view in place: same graph element, Plotly.react again, nothing purged", async () => {
    const { widget, plotly } = await render(trainingPayload(3));
    const graph = widget.node.querySelector(".jp-deltalab-plot");
    await widget.renderModel(model(trainingPayload(6)));
    expect(widget.node.querySelector(".jp-deltalab-plot")).toBe(graph);
    expect(plotly.calls.react).toBe(2);
    expect(plotly.calls.purge).toBe(0);
    expect(plotly.last().data[0].x).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("keeps the reader's zoom across updates with a constant uirevision", async () => {
    const { widget, plotly } = await render(trainingPayload(3));
    await widget.renderModel(model(trainingPayload(4)));
    expect(plotly.figures.map((f) => f.layout.uirevision)).toEqual(["training", "training"]);
  });

  it("escapes markup in the title before it reaches plotly", async () => {
    const payload = trainingPayload(2);
    payload.title = "<script>alert(1)</script>";
    const { plotly } = await render(payload);
    expect(plotly.last().layout.title).toEqual({ text: "&lt;script&gt;alert(1)&lt;/script&gt; (running)" });
  });

  it("shows an error box naming an accuracy outside 0..1", async () => {
    const payload = trainingPayload(2);
    payload.train.accuracy = [0.5, 1.5];
    const { widget, plotly } = await render(payload);
    expect(widget.node.querySelector(".jp-deltalab-error")?.textContent).toContain(
      "/train/accuracy/1 must be <= 1",
    );
    expect(plotly.calls.react).toBe(0);
  });

  it("lists the launches a device run used below the graph, one row per operation", async () => {
    const payload = trainingPayload(2);
    payload.launches = [
      {
        layer: "C1",
        operator: "conv2d-forward",
        shape: { batch: 8, inChannels: 1 },
        launch: { method: "blocked", workgroupX: 8, vec4: false },
        source: "tuned",
      },
      {
        layer: "F6",
        operator: "matmul",
        shape: { M: 8, N: 84, K: 120 },
        launch: { tile: 0 },
        source: "default",
      },
    ];
    const { widget } = await render(payload);
    const rows = [...widget.node.querySelectorAll(".jp-deltalab-training-launches tbody tr")].map((row) =>
      [...row.querySelectorAll("td")].map((cell) => cell.textContent),
    );
    expect(rows).toEqual([
      ["C1", "conv2d-forward", "batch=8 inChannels=1", "method=blocked workgroupX=8 vec4=false", "tuned"],
      ["F6", "matmul", "M=8 N=84 K=120", "tile=0", "default"],
    ]);
  });

  it("shows no launch table for a payload without launches (a CPU run, or one written before them)", async () => {
    const { widget } = await render(trainingPayload(2));
    expect(widget.node.querySelector(".jp-deltalab-training-launches")).toBeNull();
  });

  it("refuses a launch whose source is not one of tuned, shipped, default, given", async () => {
    const payload = trainingPayload(2);
    payload.launches = [
      { layer: "C1", operator: "matmul", shape: {}, launch: {}, source: "guessed" as never },
    ];
    const { widget, plotly } = await render(payload);
    expect(widget.node.querySelector(".jp-deltalab-error")?.textContent).toContain("/launches/0/source");
    expect(plotly.calls.react).toBe(0);
  });
});
