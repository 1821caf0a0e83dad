/**
 * A new user's first steps: the welcome notebook, run top to bottom in JupyterLab, loads data, builds LeNet-5,
 * trains it with a live training display, and shows a loss surface with the optimizers' paths.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openNotebook, repoRoot, screenshot, startBrowser, startLab, type Lab } from "../harness/lab";

interface Graph extends HTMLElement {
  data: { type?: string; name?: string; y?: ArrayLike<number> }[];
}

describe("the welcome notebook in JupyterLab", () => {
  let lab: Lab;
  let browser: Browser;
  let page: Page;
  let rootDir: string;

  beforeAll(async () => {
    rootDir = mkdtempSync(join(tmpdir(), "deltalab-welcome-"));
    copyFileSync(join(repoRoot, "notebooks", "00-welcome.ipynb"), join(rootDir, "00-welcome.ipynb"));
    lab = await startLab({ rootDir });
    browser = await startBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await openNotebook(page, lab, "00-welcome.ipynb");
    // As a reader goes through it: Shift+Enter on each cell in turn, from the first.
    const cells = await page.locator(".jp-Notebook .jp-Cell").count();
    await page.locator(".jp-Notebook .jp-Cell").first().click();
    for (let i = 0; i < cells; i++) await page.keyboard.press("Shift+Enter");
  });

  afterAll(async () => {
    if (page) await screenshot(page, "welcome-notebook");
    await browser?.close();
    await lab?.stop();
    if (rootDir) rmSync(rootDir, { recursive: true, force: true });
  });

  it("updates the training curves of %train live until the loss of every step is shown", async () => {
    // One epoch of the 2,000-image subset at batch 64 is 32 steps (31 full batches and one of 16).
    const longestTrace = () =>
      page.evaluate(() => {
        const graph = document.querySelector(".jp-deltalab-training .js-plotly-plot") as Graph | null;
        return graph ? Math.max(0, ...graph.data.map((trace) => trace.y?.length ?? 0)) : -1;
      });
    const seen = new Set<number>();
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline && !(Math.max(...seen, -1) >= 31)) {
      seen.add(await longestTrace());
      await page.waitForTimeout(200);
    }
    expect(Math.max(...seen)).toBeGreaterThanOrEqual(31);
    // The same display grew in place: it was seen part-way, with some steps and not yet all.
    expect([...seen].some((n) => n > 0 && n < 31)).toBe(true);
    await page.locator(".jp-deltalab-training").scrollIntoViewIfNeeded();
    await screenshot(page, "welcome-training");
  });

  it("draws the loss surface of %surface with a path for each optimizer", async () => {
    await page.waitForFunction(
      () => document.querySelector(".jp-deltalab-surface .js-plotly-plot canvas"),
      null,
      {
        timeout: 240_000,
      },
    );
    const paths = await page.evaluate(() => {
      const graph = document.querySelector(".jp-deltalab-surface .js-plotly-plot") as Graph;
      return graph.data.filter((t) => t.type === "scatter3d").map((t) => t.name ?? "");
    });
    const named = paths.filter((name) => /momentum/.test(name) || /bfgs/i.test(name));
    expect(named.length).toBeGreaterThanOrEqual(2);
  });

  it("runs every cell without an error", async () => {
    await page.locator(".jp-deltalab-surface").scrollIntoViewIfNeeded();
    expect(
      await page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count(),
    ).toBe(0);
    expect(await page.locator(".jp-deltalab-error").count()).toBe(0);
  });
});
