/**
 * The deltalab renderers in a real JupyterLab: a notebook with saved outputs of each mime type (no kernel run)
 * is opened in headless Chromium; the loss surface has its traces and its slider moves the markers, the table
 * sorts, the training view draws its curves, a bad payload shows an error box, and markup stays text.
 */
import {
  LOSS_SURFACE_MIME_TYPE_V1,
  LossSurfacePayload,
  TRAINING_MIME_TYPE_V1,
  TUNING_TABLE_MIME_TYPE_V1,
} from "@deltalab/core/payloads";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notebookJson, openNotebook, screenshotDir, startBrowser, startLab, type Lab } from "../harness/lab";
import { trainingPayload, tuningPayload } from "../unit/extension/fixtures";

/** f(x, y) = (x^2 + 8 y^2) / 2 on [-2.5, 2.5] x [-1.5, 1.5], with gradient descent and heavy-ball paths on it. */
function bowl(): LossSurfacePayload {
  const f = (x: number, y: number) => (x * x + 8 * y * y) / 2;
  const range = (a: number, b: number, n: number) =>
    Array.from({ length: n }, (_, k) => a + ((b - a) * k) / (n - 1));
  const x = range(-2.5, 2.5, 41);
  const y = range(-1.5, 1.5, 31);
  const descend = (momentum: number) => {
    const path = { x: [2.2], y: [1.2], loss: [f(2.2, 1.2)] };
    let vx = 0;
    let vy = 0;
    for (let k = 0; k < 25; k++) {
      const px = path.x[k];
      const py = path.y[k];
      vx = momentum * vx - 0.2 * px;
      vy = momentum * vy - 0.2 * 8 * py;
      path.x.push(px + vx);
      path.y.push(py + vy);
      path.loss.push(f(px + vx, py + vy));
    }
    return path;
  };
  return {
    title: "quadratic bowl (x^2 + 8 y^2) / 2",
    directions: {
      kind: "parameters",
      x: { label: "theta[0]", parameterIndex: 0 },
      y: { label: "theta[1]", parameterIndex: 1 },
    },
    grid: { x, y, loss: y.map((b) => x.map((a) => f(a, b))) },
    trajectories: [
      { optimizer: "<script>window.__pwned = 1</script>gd", ...descend(0), inPlane: true },
      { optimizer: "heavy ball", ...descend(0.5), inPlane: true },
    ],
  };
}

const display = (mime: string, payload: unknown) => ({
  output_type: "display_data",
  data: { [mime]: payload, "text/plain": [`<deltalab ${mime}>`] },
  metadata: {},
});

function notebook(): string {
  const nb = JSON.parse(notebookJson(["surface", "table", "training", "invalid"]));
  // A notebook seen before could be trusted through the server's signature store: make each one new.
  nb.metadata.deltalab_test_run = randomUUID();
  const outputs = [
    display(LOSS_SURFACE_MIME_TYPE_V1, bowl()),
    display(TUNING_TABLE_MIME_TYPE_V1, tuningPayload()),
    display(TRAINING_MIME_TYPE_V1, { ...trainingPayload(30), status: "done" }),
    display(TUNING_TABLE_MIME_TYPE_V1, JSON.stringify({ ...tuningPayload(), defaultId: "missing" })),
  ];
  nb.cells.forEach((cell: { outputs: unknown[] }, i: number) => (cell.outputs = [outputs[i]]));
  return JSON.stringify(nb);
}

/** The plotly graph div's trace list, as plotly holds it. */
function traces(page: Page, view: string) {
  return page.evaluate((selector) => {
    const graph = document.querySelector(selector) as
      | (HTMLElement & { data?: Record<string, unknown>[] })
      | null;
    return (graph?.data ?? []).map((t) => ({ type: t.type, x: t.x, name: t.name }));
  }, `${view} .js-plotly-plot`);
}

describe("deltalab renderers in JupyterLab", () => {
  let lab: Lab;
  let browser: Browser;
  let page: Page;
  let rootDir: string;

  beforeAll(async () => {
    rootDir = mkdtempSync(join(tmpdir(), "deltalab-renderers-"));
    writeFileSync(join(rootDir, "renderers.ipynb"), notebook());
    mkdirSync(screenshotDir, { recursive: true });
    lab = await startLab({ rootDir });
    browser = await startBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await openNotebook(page, lab, "renderers.ipynb");
  });

  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
    if (rootDir) rmSync(rootDir, { recursive: true, force: true });
  });

  it("draws the loss surface with one surface trace and three traces per path", async () => {
    const view = page.locator(".jp-deltalab-surface");
    await view.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelector(".jp-deltalab-surface .js-plotly-plot canvas"));
    const drawn = await traces(page, ".jp-deltalab-surface");
    expect(drawn.map((t) => t.type)).toEqual(["surface", ...Array(6).fill("scatter3d")]);
    await page.waitForTimeout(500);
    await view.screenshot({ path: join(screenshotDir, "extension-loss-surface.png") });
  });

  it("hovers over the 3-D surface with the loss of the grid point under the mouse", async () => {
    // The grid is 41 x 31 and f is not symmetric in x and y, so a label read from the wrong row or column shows.
    const box = await page.locator(".jp-deltalab-surface .js-plotly-plot").boundingBox();
    expect(box).not.toBeNull();
    const label = page.locator(".jp-deltalab-surface .hovertext").first();
    let found: number[] | undefined;
    for (const [fx, fy] of [
      [0.45, 0.5],
      [0.4, 0.45],
      [0.5, 0.55],
      [0.35, 0.5],
      [0.55, 0.45],
      [0.5, 0.4],
    ]) {
      await page.mouse.move(box!.x + box!.width * fx, box!.y + box!.height * fy);
      await page.waitForTimeout(400);
      if ((await label.count()) === 0) continue;
      const match = /^x (\S+)y (\S+)loss (\S+)$/.exec((await label.textContent()) ?? "");
      if (match) {
        found = match.slice(1).map(Number);
        break;
      }
    }
    expect(found).toBeDefined();
    const [x, y, loss] = found!;
    // Labels carry 4 significant digits: compare f at the shown point to that precision.
    expect(Math.abs(loss - (x * x + 8 * y * y) / 2)).toBeLessThan(2e-3 * Math.max(1, loss));
    await page.mouse.move(box!.x + 2, box!.y + 2);
  });

  it("moves the current-iterate markers with the slider", async () => {
    const before = (await traces(page, ".jp-deltalab-surface"))[3].x;
    await page.locator(".jp-deltalab-surface input[type=range]").fill("0");
    await page.waitForFunction(() => {
      const graph = document.querySelector(".jp-deltalab-surface .js-plotly-plot") as HTMLElement & {
        data: { x: number[] }[];
      };
      return graph.data[3].x[0] === 2.2;
    });
    expect(before).not.toEqual([2.2]);
  });

  it("switches to the contour view with 2-D paths", async () => {
    await page.locator(".jp-deltalab-surface button", { hasText: "contour" }).click();
    await page.waitForFunction(() => {
      const graph = document.querySelector(".jp-deltalab-surface .js-plotly-plot") as HTMLElement & {
        data: { type: string }[];
      };
      return graph.data[0].type === "contour";
    });
    const drawn = await traces(page, ".jp-deltalab-surface");
    expect(drawn.map((t) => t.type)).toEqual(["contour", ...Array(6).fill("scatter")]);
    await page.waitForTimeout(300);
    await page
      .locator(".jp-deltalab-surface")
      .screenshot({ path: join(screenshotDir, "extension-contour.png") });
  });

  it("hovers over the contour with both coordinates and the loss there", async () => {
    const area = page.locator(".jp-deltalab-surface .nsewdrag").first();
    const box = await area.boundingBox();
    expect(box).not.toBeNull();
    // (x, y) = (-2.5 + 5 * 0.1, 1.5 - 3 * 0.5) = (-2, 0): f = (4 + 0) / 2 = 2
    await page.mouse.move(box!.x + box!.width * 0.1, box!.y + box!.height * 0.5);
    const label = page.locator(".jp-deltalab-surface .hovertext").first();
    await label.waitFor({ timeout: 10_000 });
    expect(await label.textContent()).toMatch(/^x -2y 0loss 2$/);
  });

  it("resizes its graph with the panel", async () => {
    const width = () =>
      page.evaluate(
        () => document.querySelector(".jp-deltalab-training .main-svg")?.getBoundingClientRect().width ?? 0,
      );
    const before = await width();
    await page.setViewportSize({ width: 900, height: 1000 });
    await page.waitForFunction((w) => {
      const now =
        document.querySelector(".jp-deltalab-training .main-svg")?.getBoundingClientRect().width ?? 0;
      return now > 0 && now < w - 200;
    }, before);
    await page.setViewportSize({ width: 1280, height: 1000 });
    await page.waitForFunction((w) => {
      const now =
        document.querySelector(".jp-deltalab-training .main-svg")?.getBoundingClientRect().width ?? 0;
      return Math.abs(now - w) < 2;
    }, before);
  });

  it("shows the markup in an optimizer name as text and never runs it", async () => {
    const legend = await page.locator(".jp-deltalab-surface .legend").textContent();
    expect(legend).toContain("<script>window.__pwned = 1</script>gd");
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it("sorts the tuning table by a clicked header", async () => {
    const table = page.locator(".jp-deltalab-tuning").first();
    await table.scrollIntoViewIfNeeded();
    await table.locator("th", { hasText: "median (ms)" }).click();
    const ids = await table
      .locator("tbody tr")
      .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id));
    expect(ids).toEqual(["wg32x4", "wg8x8", "wg16x16", "wg8x16"]);
    await page.waitForFunction(() =>
      document.querySelector(".jp-deltalab-tuning .js-plotly-plot .heatmaplayer"),
    );
    await table.screenshot({ path: join(screenshotDir, "extension-tuning-table.png") });
  });

  it("draws the training curves", async () => {
    const view = page.locator(".jp-deltalab-training");
    await view.scrollIntoViewIfNeeded();
    await page.waitForFunction(() =>
      document.querySelector(".jp-deltalab-training .js-plotly-plot .scatterlayer"),
    );
    const drawn = await traces(page, ".jp-deltalab-training");
    expect(drawn.map((t) => t.name)).toEqual(["train loss", "train accuracy", "test loss", "test accuracy"]);
    await view.screenshot({ path: join(screenshotDir, "extension-training.png") });
  });

  it("shows an error box for an inconsistent payload", async () => {
    const box = page.locator(".jp-deltalab-error");
    await box.scrollIntoViewIfNeeded();
    expect(await box.textContent()).toContain('defaultId "missing" names no candidate');
    await box.screenshot({ path: join(screenshotDir, "extension-error.png") });
  });

  it("follows JupyterLab's switch to the dark theme", async () => {
    await page.locator(".lm-MenuBar-itemLabel", { hasText: "Settings" }).click();
    await page.locator(".lm-Menu-itemLabel", { hasText: /^Theme$/ }).hover();
    await page.locator(".lm-Menu-itemLabel", { hasText: /^JupyterLab Dark$/ }).click();
    await page.waitForFunction(() => document.body.dataset.jpThemeLight === "false");
    await page.waitForFunction(() => {
      const graph = document.querySelector(".jp-deltalab-surface .js-plotly-plot") as HTMLElement & {
        layout: { paper_bgcolor: string };
      };
      const background = getComputedStyle(graph).getPropertyValue("--jp-layout-color0").trim();
      return graph.layout.paper_bgcolor === background;
    });
    const view = page.locator(".jp-deltalab-surface");
    await view.scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    await view.screenshot({ path: join(screenshotDir, "extension-contour-dark.png") });
    const table = page.locator(".jp-deltalab-tuning").first();
    await table.scrollIntoViewIfNeeded();
    await table.screenshot({ path: join(screenshotDir, "extension-tuning-table-dark.png") });
  });

  it("writes no PNG into the outputs of an untrusted notebook", async () => {
    await page.keyboard.press("Control+s");
    await page.waitForFunction(() => !document.querySelector(".jp-mod-dirty"));
    const saved = JSON.parse(readFileSync(join(rootDir, "renderers.ipynb"), "utf8"));
    const pngs = saved.cells.map(
      (cell: { outputs: { data: Record<string, string> }[] }) => "image/png" in cell.outputs[0].data,
    );
    expect(pngs).toEqual([false, false, false, false]);
  });

  it("writes a PNG of each plot into the outputs once the notebook is trusted, and saves it", async () => {
    await page.keyboard.press("Control+Shift+C");
    await page.keyboard.type("Trust Notebook");
    await page.keyboard.press("Enter");
    await page.locator(".jp-Dialog .jp-mod-accept").click();
    await page.waitForTimeout(3000); // the views take their picture after a second of stillness
    await page.keyboard.press("Control+s");
    await page.waitForFunction(() => !document.querySelector(".jp-mod-dirty"));
    const saved = JSON.parse(readFileSync(join(rootDir, "renderers.ipynb"), "utf8"));
    const pngs = saved.cells.map((cell: { outputs: { data: Record<string, string> }[] }) => {
      const png = cell.outputs[0].data["image/png"];
      return png ? Buffer.from(png, "base64").subarray(1, 4).toString("ascii") : null;
    });
    // surface, table (its heat map), training; none for the invalid payload
    expect(pngs).toEqual(["PNG", "PNG", "PNG", null]);
    const surfacePng = saved.cells[0].outputs[0].data["image/png"];
    writeFileSync(join(screenshotDir, "extension-saved-surface-png.png"), Buffer.from(surfacePng, "base64"));
  });

  it("shows the saved PNG when the browser drops the WebGL context", async () => {
    await page.locator(".jp-deltalab-surface button", { hasText: "3-D surface" }).click();
    await page.waitForFunction(() => document.querySelector(".jp-deltalab-surface .js-plotly-plot canvas"));
    await page.waitForTimeout(500);
    const lost = await page.evaluate(() => {
      let count = 0;
      for (const canvas of document.querySelectorAll<HTMLCanvasElement>(".jp-deltalab-surface canvas")) {
        const gl = canvas.getContext("webgl") ?? canvas.getContext("webgl2");
        const extension = gl?.getExtension("WEBGL_lose_context");
        extension?.loseContext();
        if (extension) count += 1;
      }
      return count;
    });
    expect(lost).toBeGreaterThan(0);
    const fallback = page.locator(".jp-deltalab-surface img.jp-deltalab-fallback");
    await fallback.waitFor({ timeout: 10_000 });
    await page
      .locator(".jp-deltalab-surface")
      .screenshot({ path: join(screenshotDir, "extension-webgl-fallback.png") });
  });
});
