// @vitest-environment jsdom
import "./domPolyfills";
import { sequential, traceSteps } from "@deltalab/core";
import { STEPS_MIME_TYPE_V1, type StepsPayload } from "@deltalab/core/payloads";
import { MimeModel } from "@jupyterlab/rendermime/lib/mimemodel";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RenderedSteps, type StepsViewOptions } from "../../../extension/src/steps";
import { formatReadout } from "../../../extension/src/stepsModel";
import { fakeKernel } from "./fakeKernel";

/** A real payload from the engine: the 3x3 image / 2x2 filter network with a bias, then a dense layer. */
function payload(session?: string): StepsPayload {
  const model = sequential({
    inputShape: [1, 3, 3],
    layers: [
      { type: "conv2d", filters: 2, kernel: 2, activation: "sigmoid", name: "conv" },
      { type: "flatten", name: "flat" },
      { type: "dense", units: 1, name: "out" },
    ],
    dtype: "float64",
  }).initialize(1);
  const steps = traceSteps(model, { input: [0.9, -0.3, 0.4, 0.2, -0.7, 0.5, 0.1, 0.8, -0.6], target: [0.5] });
  return session ? { ...steps, session } : steps;
}

async function render(data: unknown, options: StepsViewOptions = {}) {
  const widget = new RenderedSteps({ pngDelayMs: 60_000, ...options });
  const model = new MimeModel({ data: { [STEPS_MIME_TYPE_V1]: data as never } });
  await widget.renderModel(model);
  return widget;
}

const stepId = (widget: RenderedSteps, p: StepsPayload) => p.steps[widget.current].id;
const cells = (widget: RenderedSteps, name: string) =>
  [...widget.node.querySelectorAll(`figure[data-name="${name}"] .jp-deltalab-steps-cell`)] as HTMLElement[];
const lit = (widget: RenderedSteps, name: string) =>
  cells(widget, name)
    .filter((cell) => cell.classList.contains("jp-deltalab-steps-lit"))
    .map((cell) => Number(cell.dataset.index))
    .sort((a, b) => a - b);
const button = (widget: RenderedSteps, label: string) =>
  [...widget.node.querySelectorAll("button")].find((b) => b.textContent === label)!;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("the stepper view", () => {
  it("shows the first step: its equation, its citation, the matrices it reads and writes", async () => {
    const p = payload();
    const widget = await render(p);
    expect(widget.node.querySelector(".jp-deltalab-steps-counter")?.textContent).toBe(
      `step 1 of ${p.steps.length}`,
    );
    expect(widget.node.querySelectorAll("option")).toHaveLength(p.steps.length);
    expect(widget.node.querySelector(".jp-deltalab-steps-equation code")?.textContent).toBe(
      p.steps[0].equation,
    );
    const link = widget.node.querySelector(".jp-deltalab-steps-citation a") as HTMLAnchorElement;
    expect(link.textContent).toBe("Lin, matrix-form slides eq. 4");
    expect(link.getAttribute("href")).toBe("docs/references.md#lin-matrix-form");
    const names = [...widget.node.querySelectorAll("figure")].map((f) => (f as HTMLElement).dataset.name);
    expect(names).toEqual(["input", "conv.phi"]);
    // Each cell shows its entry; the image is drawn as its 3x3 grid.
    const input = p.matrices.find((m) => m.name === "input")!;
    expect(cells(widget, "input").map((c) => Number(c.title))).toEqual(input.values);
    const captions = [...widget.node.querySelectorAll("figcaption")].map((c) => c.textContent);
    expect(captions).toEqual(["input: 1 map of 3\u00d73", "conv.phi: 4\u00d74"]);
  });

  it("moves by the buttons, the keyboard and the step list", async () => {
    const p = payload();
    const widget = await render(p);
    button(widget, "Next").click();
    expect(stepId(widget, p)).toBe("conv.S");
    widget.node.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight" }));
    expect(stepId(widget, p)).toBe("conv_sigmoid.forward");
    widget.node.dispatchEvent(new KeyboardEvent("keydown", { key: "End" }));
    expect(widget.current).toBe(p.steps.length - 1);
    button(widget, "Previous").click();
    expect(widget.current).toBe(p.steps.length - 2);
    widget.node.dispatchEvent(new KeyboardEvent("keydown", { key: "Home" }));
    expect(widget.current).toBe(0);
    const list = widget.node.querySelector("select") as HTMLSelectElement;
    list.value = String(p.steps.findIndex((s) => s.id === "loss"));
    list.dispatchEvent(new Event("change"));
    expect(stepId(widget, p)).toBe("loss");
    expect(widget.node.querySelector(".jp-deltalab-steps-step-title")?.textContent).toMatch(
      /^Forward, the loss/,
    );
  });

  it("plays the steps one after the other and stops at the last", async () => {
    vi.useFakeTimers();
    const p = payload();
    const widget = await render(p, { playIntervalMs: 100 });
    button(widget, "Play").click();
    vi.advanceTimersByTime(250);
    expect(widget.current).toBe(2);
    vi.advanceTimersByTime(100 * p.steps.length);
    expect(widget.current).toBe(p.steps.length - 1);
    expect(button(widget, "Play")).toBeDefined();
  });

  it("lights the row of W, the column of phi and the bias behind a hovered entry of S", async () => {
    const p = payload();
    const widget = await render(p);
    widget.showStep(p.steps.findIndex((s) => s.id === "conv.S"));
    // S is 2 x 4; entry (1, 2) is index 6. W is 2 x 4 (row 1: 4..7), phi is 4 x 4 (column 2: 2, 6, 10, 14).
    cells(widget, "conv.out")[6].dispatchEvent(new MouseEvent("mouseenter"));
    expect(lit(widget, "conv.W")).toEqual([4, 5, 6, 7]);
    expect(lit(widget, "conv.phi")).toEqual([2, 6, 10, 14]);
    expect(lit(widget, "conv.b")).toEqual([1]);
    expect(widget.node.querySelector(".jp-deltalab-steps-readout")?.textContent).toContain(
      "conv.out[1, 2] = ",
    );
    widget.hover(undefined);
    expect(lit(widget, "conv.W")).toEqual([]);
  });

  it("lights the pixels of the window behind an entry of phi, and the row of dS and phi behind an entry of dW", async () => {
    const p = payload();
    const widget = await render(p);
    // phi's row 1 is (u, v) = (1, 0); column 3 is the window at (1, 1): pixel (2, 1) of the 3x3 image, index 7.
    cells(widget, "conv.phi")[1 * 4 + 3].dispatchEvent(new MouseEvent("mouseenter"));
    expect(lit(widget, "input")).toEqual([7]);
    widget.showStep(p.steps.findIndex((s) => s.id === "conv.dW"));
    cells(widget, "d.conv.W")[1 * 4 + 2].dispatchEvent(new MouseEvent("mouseenter"));
    expect(lit(widget, "d.conv.out")).toEqual([4, 5, 6, 7]);
    expect(lit(widget, "conv.phi")).toEqual([8, 9, 10, 11]);
  });

  it("typesets the equation with JupyterLab's typesetter when there is one", async () => {
    const typeset = vi.fn();
    const p = payload();
    const widget = await render(p, {
      latexTypesetter: {
        typeset,
        get mimeType() {
          return "text/latex";
        },
      } as never,
    });
    expect(typeset).toHaveBeenCalledWith(widget.node.querySelector(".jp-deltalab-steps-equation"));
    expect(widget.node.querySelector(".jp-deltalab-steps-equation")?.textContent).toBe(
      `\\[${p.steps[0].equation}\\]`,
    );
  });
});

describe("the hover readout", () => {
  it("gives a value as exact as the model keeps it, without the rounding noise of decimal inputs", () => {
    expect(formatReadout(0.1 + 0.07)).toBe("0.17");
    expect(formatReadout(67.99999999999997)).toBe("68");
    expect(formatReadout(Math.fround(0.1))).toBe("0.10000000149");
    expect(formatReadout(-1.2345678901234e-9)).toBe("-1.23456789012e-9");
    expect(formatReadout(Number.NaN)).toBe("NaN");
  });
});

describe("a bad steps payload", () => {
  it("shows an error box naming the problem", async () => {
    const broken = payload();
    broken.matrices[0].values.pop();
    const widget = await render(broken);
    const box = widget.node.querySelector(".jp-deltalab-error");
    expect(box?.textContent).toContain('matrix "input" is 1x9 but has 8 values');
    const missing = await render({ title: "x", loss: "mse", lossValue: 0, matrices: [] });
    expect(missing.node.querySelector(".jp-deltalab-error")?.textContent).toMatch(/steps payload is invalid/);
    const notJson = await render("{nope");
    expect(notJson.node.querySelector(".jp-deltalab-error")?.textContent).toMatch(/not valid JSON/);
  });

  it("is replaced by the view when a good payload follows", async () => {
    const widget = await render({ nope: 1 });
    await widget.renderModel(new MimeModel({ data: { [STEPS_MIME_TYPE_V1]: payload() as never } }));
    expect(widget.node.querySelector(".jp-deltalab-error")).toBeNull();
    expect(widget.node.querySelectorAll("figure").length).toBeGreaterThan(0);
  });
});

describe("editing through the kernel", () => {
  function edit(widget: RenderedSteps, name: string, k: number, value: string) {
    const cell = cells(widget, name)[k];
    cell.dispatchEvent(new MouseEvent("dblclick"));
    const input = cell.querySelector("input") as HTMLInputElement;
    input.value = value;
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
  }

  it("sends every edit so far on the deltalab comm and draws the steps that come back", async () => {
    const kernel = fakeKernel();
    const widget = await render(payload("steps-1"), { kernel: () => kernel.kernel });
    edit(widget, "input", 4, "1.5");
    expect(kernel.comms[0].target).toBe("deltalab");
    const [first] = kernel.comms[0].sent as { requestId: string; edits: unknown[] }[];
    expect(first).toMatchObject({
      action: "step-edit",
      session: "steps-1",
      edits: [{ matrix: "input", index: 4, value: 1.5 }],
    });
    const updated = payload("steps-1");
    updated.matrices.find((m) => m.name === "input")!.values[4] = 1.5;
    kernel.reply({ action: "steps-update", requestId: first.requestId, payload: updated });
    expect(cells(widget, "input")[4].title).toBe("1.5");
    expect(widget.node.querySelector(".jp-deltalab-steps-status")?.textContent).toBe(
      "Recomputed every step with 1 edit(s); the model in the notebook is unchanged.",
    );
    edit(widget, "input", 0, "-2");
    const second = kernel.comms[0].sent[1] as { edits: unknown[] };
    expect(second.edits).toHaveLength(2);
    button(widget, "Apply to the model").click();
    expect(kernel.comms[0].sent[2]).toMatchObject({ apply: true });
  });

  it("shows the kernel's reason when it refuses, and keeps the view", async () => {
    const kernel = fakeKernel();
    const widget = await render(payload("steps-1"), { kernel: () => kernel.kernel });
    edit(widget, "input", 0, "3");
    const { requestId } = kernel.comms[0].sent[0] as { requestId: string };
    kernel.reply({ action: "steps-update", requestId, error: 'no stepper "steps-1" in this kernel' });
    expect(widget.node.querySelector(".jp-deltalab-steps-status")?.textContent).toBe(
      'The kernel refused the edit: no stepper "steps-1" in this kernel',
    );
    expect(widget.node.querySelectorAll("figure").length).toBeGreaterThan(0);
  });

  it("says that no kernel is connected, and that a value is not a number", async () => {
    const widget = await render(payload("steps-1"), { kernel: () => undefined });
    edit(widget, "input", 0, "3");
    expect(widget.node.querySelector(".jp-deltalab-steps-status")?.textContent).toBe(
      "Cannot recompute: no kernel is connected to this notebook.",
    );
    edit(widget, "input", 0, "");
    expect(widget.node.querySelector(".jp-deltalab-steps-status")?.textContent).toBe(
      '"" is not a number; input[0] is unchanged.',
    );
  });

  it("edits an entry of a heat map (a large input) in a field below it", async () => {
    // jsdom draws nothing (and says so for each canvas): the map is only clicked here.
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
    const model = sequential({
      inputShape: [1, 21, 21],
      layers: [
        { type: "flatten", name: "flat" },
        { type: "dense", units: 1, name: "out" },
      ],
      dtype: "float64",
    }).initialize(2);
    const large = traceSteps(model, { input: Array.from({ length: 441 }, (_, k) => k / 441), target: [0] });
    const kernel = fakeKernel();
    const widget = await render({ ...large, session: "steps-7" }, { kernel: () => kernel.kernel });
    const canvas = widget.node.querySelector('figure[data-name="input"] canvas') as HTMLCanvasElement;
    const scale = Number(canvas.dataset.scale);
    const click = new MouseEvent("dblclick");
    // Row 2, column 5 of the 21 x 21 picture: entry 2 * 21 + 5.
    Object.defineProperty(click, "offsetX", { value: 5 * scale + scale / 2 });
    Object.defineProperty(click, "offsetY", { value: 2 * scale + scale / 2 });
    canvas.dispatchEvent(click);
    const field = widget.node.querySelector(".jp-deltalab-steps-heatmap-edit") as HTMLElement;
    expect(field.textContent).toBe("input[47] = ");
    const input = field.querySelector("input") as HTMLInputElement;
    input.value = "0.25";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    expect(kernel.comms[0].sent[0]).toMatchObject({ edits: [{ matrix: "input", index: 47, value: 0.25 }] });
    expect(widget.node.querySelector(".jp-deltalab-steps-heatmap-edit")).toBeNull();
  });

  it("says why a view without a stepper in the kernel cannot recompute", async () => {
    const widget = await render(payload());
    cells(widget, "input")[0].dispatchEvent(new MouseEvent("dblclick"));
    expect(widget.node.querySelector(".jp-deltalab-steps-input")).toBeNull();
    expect(widget.node.querySelector(".jp-deltalab-steps-status")?.textContent).toBe(
      "This view cannot recompute: only a view shown by %step in the running kernel can (run that cell again).",
    );
  });
});
