/**
 * The loss-surface view with a live kernel: `%surface` on the deltalab kernel draws the surface, and a click on
 * the contour runs the chosen optimizer from that point over the `deltalab` comm, the path drawn as it streams in.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notebookJson, openNotebook, screenshotDir, startBrowser, startLab, type Lab } from "../harness/lab";

type Graph = HTMLElement & { data: { type: string; name: string; x: number[] }[] };

describe("loss surface with a running kernel", () => {
  let lab: Lab;
  let browser: Browser;
  let page: Page;
  let rootDir: string;

  beforeAll(async () => {
    rootDir = mkdtempSync(join(tmpdir(), "deltalab-comm-"));
    const source = "%surface rosenbrock --optimizers momentum,bfgs --lr 0.001 --iterations 60";
    writeFileSync(join(rootDir, "surface.ipynb"), notebookJson([source]));
    mkdirSync(screenshotDir, { recursive: true });
    lab = await startLab({ rootDir });
    browser = await startBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await openNotebook(page, lab, "surface.ipynb");
  });

  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
    if (rootDir) rmSync(rootDir, { recursive: true, force: true });
  });

  it("draws the surface that %surface displays, with one path per optimizer", async () => {
    const chunks = () =>
      page.evaluate(() =>
        performance
          .getEntriesByType("resource")
          .map((entry) => entry.name)
          .filter((name) => name.includes("/@deltalab/jupyterlab/static/")),
      );
    const beforeFirstView = await chunks();
    await page.locator(".jp-Cell .jp-InputArea-editor").first().click();
    await page.keyboard.press("Shift+Enter");
    await page.waitForFunction(
      () => document.querySelector(".jp-deltalab-surface .js-plotly-plot canvas"),
      null,
      {
        timeout: 120_000,
      },
    );
    const names = await page.evaluate(() => {
      const graph = document.querySelector(".jp-deltalab-surface .js-plotly-plot") as Graph;
      return graph.data.filter((t) => t.type === "scatter3d").map((t) => t.name);
    });
    expect(
      names.filter((name) => !name.includes(" start/end") && !name.includes(" at iteration")),
    ).toHaveLength(2);
    // plotly is a chunk of its own, fetched when the first view draws, not when JupyterLab starts
    const loadedForTheView = (await chunks()).filter((name) => !beforeFirstView.includes(name));
    expect(beforeFirstView.length).toBeGreaterThan(0);
    expect(loadedForTheView.length).toBeGreaterThan(0);
  });

  it("runs the chosen optimizer from a clicked point of the contour and draws its path as it streams in", async () => {
    const view = page.locator(".jp-deltalab-surface");
    await view.locator("button", { hasText: "contour" }).click();
    await page.waitForFunction(
      () =>
        (document.querySelector(".jp-deltalab-surface .js-plotly-plot") as Graph).data[0].type === "contour",
    );
    const before = await page.evaluate(
      () => (document.querySelector(".jp-deltalab-surface .js-plotly-plot") as Graph).data.length,
    );
    const area = view.locator(".nsewdrag").first();
    const box = await area.boundingBox();
    expect(box).not.toBeNull();
    await page.mouse.click(box!.x + box!.width * 0.25, box!.y + box!.height * 0.3);
    await page.waitForFunction(
      (count) => {
        const graph = document.querySelector(".jp-deltalab-surface .js-plotly-plot") as Graph;
        return graph.data.length === count + 3 && graph.data[count].x.length > 1;
      },
      before,
      { timeout: 60_000 },
    );
    const streamed = await page.evaluate(
      (count) => (document.querySelector(".jp-deltalab-surface .js-plotly-plot") as Graph).data[count].name,
      before,
    );
    expect(streamed).toMatch(/\(from click\)$/);
    await page.waitForFunction(() =>
      /after \d+ iterates/.test(
        document.querySelector(".jp-deltalab-surface [aria-live]")?.textContent ?? "",
      ),
    );
    await page.waitForTimeout(300);
    await view.screenshot({ path: join(screenshotDir, "extension-run-from-click.png") });
  });
});
