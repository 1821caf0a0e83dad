/**
 * The back-propagation stepper with a live kernel: `%step` on the deltalab kernel draws the steps of the
 * hand-derivation notes' 3x3 image / 2x2 filter network; a forward step, a backward step and a hovered entry show
 * the engine's numbers, and an edited pixel is recomputed by the kernel over the `deltalab` comm.
 */
import { sequential, traceSteps, type ModelSpec } from "@deltalab/core";
import { STEPS_MIME_TYPE_V1, type StepsPayload } from "@deltalab/core/payloads";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notebookJson, openNotebook, screenshotDir, startBrowser, startLab, type Lab } from "../harness/lab";

const spec: ModelSpec = {
  inputShape: [1, 3, 3],
  dtype: "float64",
  layers: [
    { type: "conv2d", filters: 1, kernel: 2, activation: "sigmoid", name: "conv" },
    { type: "average-pool", size: 2, name: "pool" },
    { type: "flatten", name: "flat" },
  ],
};
const theta = [0.3, 0.8, -0.5, 0.1, 0.05];
const input = [0.9, -0.3, 0.4, 0.2, -0.7, 0.5, 0.1, 0.8, -0.6];
const target = [0.9];

const setup = [
  `import { sequential } from "deltalab";`,
  `const net = sequential(${JSON.stringify(spec)});`,
  `net.setParameters(${JSON.stringify(theta)});`,
  `const sample = { input: ${JSON.stringify(input)}, target: ${JSON.stringify(target)} };`,
].join("\n");

/** The same network and sample in this process: the numbers the view must show. */
function engineSteps(pixels = input): StepsPayload {
  const model = sequential(spec);
  model.setParameters(theta);
  return traceSteps(model, { input: pixels, target });
}

const values = (payload: StepsPayload, name: string) => payload.matrices.find((m) => m.name === name)!.values;

/** The full values of a drawn matrix's cells (each cell's title holds the entry as JavaScript prints it). */
function shown(page: Page, name: string): Promise<number[]> {
  return page.evaluate(
    (matrix) =>
      [
        ...document.querySelectorAll(
          `.jp-deltalab-steps figure[data-name="${matrix}"] .jp-deltalab-steps-cell`,
        ),
      ]
        .sort((a, b) => Number((a as HTMLElement).dataset.index) - Number((b as HTMLElement).dataset.index))
        .map((cell) => Number((cell as HTMLElement).title)),
    name,
  );
}

function litIndices(page: Page, name: string): Promise<number[]> {
  return page.evaluate(
    (matrix) =>
      [
        ...document.querySelectorAll(
          `.jp-deltalab-steps figure[data-name="${matrix}"] .jp-deltalab-steps-lit`,
        ),
      ]
        .map((cell) => Number((cell as HTMLElement).dataset.index))
        .sort((a, b) => a - b),
    name,
  );
}

async function goTo(page: Page, payload: StepsPayload, id: string) {
  const index = payload.steps.findIndex((s) => s.id === id);
  await page.locator(".jp-deltalab-steps select").selectOption(String(index));
  await page.locator(".jp-deltalab-steps-counter", { hasText: `step ${index + 1} of` }).waitFor();
}

describe("the stepper with a running kernel", () => {
  let lab: Lab;
  let browser: Browser;
  let page: Page;
  let rootDir: string;
  const expected = engineSteps();

  beforeAll(async () => {
    rootDir = mkdtempSync(join(tmpdir(), "deltalab-steps-"));
    writeFileSync(
      join(rootDir, "steps.ipynb"),
      notebookJson([
        setup,
        "%step net sample",
        "%data --as train\n%model lenet5 --input 28 --as lenet",
        "%step lenet train",
      ]),
    );
    mkdirSync(screenshotDir, { recursive: true });
    lab = await startLab({ rootDir });
    browser = await startBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await openNotebook(page, lab, "steps.ipynb");
    await page.locator(".jp-Cell .jp-InputArea-editor").first().click();
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.press("Shift+Enter");
    await page.locator(".jp-deltalab-steps figure").first().waitFor({ timeout: 120_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
    if (rootDir) rmSync(rootDir, { recursive: true, force: true });
  });

  it("shows a forward step, S = W phi(Z) + b 1^T, with the engine's numbers", async () => {
    await goTo(page, expected, "conv.S");
    expect(await shown(page, "conv.phi")).toEqual(values(expected, "conv.phi"));
    expect(await shown(page, "conv.W")).toEqual(values(expected, "conv.W"));
    expect(await shown(page, "conv.out")).toEqual(values(expected, "conv.out"));
    const citation = await page.locator(".jp-deltalab-steps-citation a").textContent();
    expect(citation).toBe("Lin, matrix-form slides eq. 1");
    await page.waitForTimeout(300);
    await page.locator(".jp-deltalab-steps").screenshot({ path: join(screenshotDir, "steps-forward.png") });
  });

  it("lights the row of W and the column of phi(Z) behind a hovered entry of S", async () => {
    await page.locator('.jp-deltalab-steps figure[data-name="conv.out"] [data-index="3"]').hover();
    expect(await litIndices(page, "conv.W")).toEqual([0, 1, 2, 3]);
    expect(await litIndices(page, "conv.phi")).toEqual([3, 7, 11, 15]);
    expect(await litIndices(page, "conv.b")).toEqual([0]);
    await page.locator(".jp-deltalab-steps").screenshot({ path: join(screenshotDir, "steps-hover.png") });
  });

  it("shows a backward step, dr/dW = dr/dS phi(Z)^T, with the engine's numbers", async () => {
    await goTo(page, expected, "conv.dW");
    expect(await shown(page, "d.conv.out")).toEqual(values(expected, "d.conv.out"));
    expect(await shown(page, "d.conv.W")).toEqual(values(expected, "d.conv.W"));
    await page.locator('.jp-deltalab-steps figure[data-name="d.conv.W"] [data-index="2"]').hover();
    expect(await litIndices(page, "conv.phi")).toEqual([8, 9, 10, 11]);
    await page.locator(".jp-deltalab-steps").screenshot({ path: join(screenshotDir, "steps-backward.png") });
  });

  it("recomputes every step in the kernel when a pixel is edited", async () => {
    await goTo(page, expected, "conv.phi");
    await page.locator('.jp-deltalab-steps figure[data-name="input"] [data-index="4"]').dblclick();
    const field = page.locator(".jp-deltalab-steps-input");
    await field.fill("1.5");
    await field.press("Enter");
    const status = page.locator(".jp-deltalab-steps-status");
    await page.waitForFunction(
      () => {
        const text = document.querySelector(".jp-deltalab-steps-status")?.textContent ?? "";
        return text !== "" && !text.endsWith("\u2026");
      },
      null,
      { timeout: 30_000 },
    );
    expect(await status.textContent()).toBe(
      "Recomputed every step with 1 edit(s); the model in the notebook is unchanged.",
    );
    const edited = engineSteps(input.map((p, k) => (k === 4 ? 1.5 : p)));
    expect(await shown(page, "conv.phi")).toEqual(values(edited, "conv.phi"));
    await goTo(page, edited, "conv.dW");
    expect(await shown(page, "d.conv.W")).toEqual(values(edited, "d.conv.W"));
    await page.locator(".jp-deltalab-steps").screenshot({ path: join(screenshotDir, "steps-edit.png") });
  });

  it("draws LeNet-5's large matrices on a Fashion-MNIST image as heat maps with the value under the pointer", async () => {
    await page.locator(".jp-Cell .jp-InputArea-editor").nth(2).click();
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.press("Shift+Enter");
    const view = page.locator(".jp-deltalab-steps").nth(1);
    await view.locator("figure").first().waitFor({ timeout: 120_000 });
    await view
      .locator("select")
      .selectOption({ label: "2. forward: C1: phi, every 5x5 sub-image as a column" });
    const canvas = view.locator('figure[data-name="C1.phi"] canvas');
    const size = await canvas.evaluate((c) => [
      (c as HTMLCanvasElement).width,
      (c as HTMLCanvasElement).height,
    ]);
    expect(size[0] / size[1]).toBeCloseTo(784 / 25, 5);
    await canvas.hover({ position: { x: size[0] / 2, y: size[1] / 2 } });
    const readout = await view.locator(".jp-deltalab-steps-readout").textContent();
    expect(readout).toMatch(/^C1\.phi\[\d+, \d+\] = -?\d/);
    await view.screenshot({ path: join(screenshotDir, "steps-lenet-heatmap.png") });
  });

  it("writes a PNG of the current step into the output, so the saved notebook shows a picture", async () => {
    await page.waitForTimeout(1500);
    await page.locator(".jp-Cell .jp-InputPrompt").first().click();
    await page.keyboard.press("Control+s");
    await page.locator(".jp-mod-dirty").waitFor({ state: "detached", timeout: 30_000 });
    const saved = JSON.parse(readFileSync(join(rootDir, "steps.ipynb"), "utf8"));
    const output = saved.cells[1].outputs.find(
      (o: { data?: Record<string, unknown> }) => o.data?.[STEPS_MIME_TYPE_V1],
    );
    const png = String(output.data["image/png"]);
    expect(png).toMatch(/^iVBORw0KGgo/);
    writeFileSync(join(screenshotDir, "steps-png-fallback.png"), Buffer.from(png, "base64"));
    expect(String(output.data["text/plain"])).toContain("12 steps");
  });

  it("follows JupyterLab's dark theme", async () => {
    const view = page.locator(".jp-deltalab-steps").first();
    const colour = () => view.evaluate((node) => getComputedStyle(node).color);
    const light = await colour();
    await page.locator(".lm-MenuBar-itemLabel", { hasText: "Settings" }).click();
    await page.locator(".lm-Menu-itemLabel", { hasText: /^Theme$/ }).click();
    await page.locator(".lm-Menu-itemLabel", { hasText: /^JupyterLab Dark$/ }).click();
    await page.waitForFunction(() => document.body.dataset.jpThemeLight === "false", null, {
      timeout: 30_000,
    });
    await page.waitForTimeout(500);
    const dark = await colour();
    expect(dark).not.toBe(light);
    await view.scrollIntoViewIfNeeded();
    await view.screenshot({ path: join(screenshotDir, "steps-dark.png") });
  });
});
