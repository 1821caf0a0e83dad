// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { PlotHost } from "../../../extension/src/plotHost";
import { fakePlotly } from "./fakePlotly";

const figure = { data: [{ type: "scatter" as const, x: [1], y: [1] }], layout: {}, config: {} };

async function drawn(png: string | undefined) {
  const plotly = fakePlotly();
  const host = new PlotHost(plotly.load, () => png);
  document.body.append(host.node);
  await host.draw(figure);
  const canvas = document.createElement("canvas");
  host.node.append(canvas);
  return { host, plotly, canvas };
}

describe("PlotHost", () => {
  it("replaces the graph with the saved PNG when the WebGL context is lost", async () => {
    const { host, plotly, canvas } = await drawn("iVBORw0KGgo=");
    canvas.dispatchEvent(new Event("webglcontextlost", { cancelable: true }));
    expect(plotly.calls.purge).toBe(1);
    expect(host.node.querySelector("img")!.getAttribute("src")).toBe("data:image/png;base64,iVBORw0KGgo=");
    expect(host.showingFallback).toBe(true);
  });

  it("says the picture is missing when the context is lost before any PNG was saved", async () => {
    const { host, canvas } = await drawn(undefined);
    canvas.dispatchEvent(new Event("webglcontextlost", { cancelable: true }));
    expect(host.node.querySelector("img")).toBeNull();
    expect(host.node.textContent).toContain("no picture of it was saved");
  });

  it("stops drawing once it shows the fallback", async () => {
    const { host, plotly, canvas } = await drawn("iVBORw0KGgo=");
    canvas.dispatchEvent(new Event("webglcontextlost", { cancelable: true }));
    await host.draw(figure);
    expect(plotly.calls.react).toBe(1);
  });

  it("asks plotly to resize the graph while it is in the page", async () => {
    const { host, plotly } = await drawn(undefined);
    host.resize();
    expect(plotly.calls.resize).toBe(1);
  });

  it("returns the PNG without its data-URL prefix", async () => {
    const { host } = await drawn(undefined);
    expect(await host.toPng()).toBe("iVBORw0KGgo=");
  });
});
