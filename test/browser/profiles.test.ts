/**
 * The profile view in a real JupyterLab: a notebook with a saved %bench output (no kernel run) opens in headless
 * Chromium; the performance and data profiles are drawn, the slider changes tau, the menu picks a problem's
 * convergence curves, the table lists solved counts, and a screenshot is kept.
 */
import { PROFILES_MIME_TYPE_V1, type ProfilesPayload } from "@deltalab/core/payloads";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notebookJson, openNotebook, screenshotDir, startBrowser, startLab, type Lab } from "../harness/lab";

/** Three solvers on six problems, costs made up so that the curves differ at each tau. */
function payload(): ProfilesPayload {
  const problems = [2, 3, 4, 6, 10, 10].map((dim, p) => ({ name: `problem ${p + 1}`, dim }));
  const base = [
    [12, 20, 9],
    [30, 25, 60],
    [8, 16, 8],
    [55, 40, null],
    [90, 70, 150],
    [null, 200, 120],
  ];
  const taus = [1e-1, 1e-3, 1e-5, 1e-7];
  return {
    title: "made-up benchmark",
    solvers: ["bfgs", "lbfgs", "<b>bb</b>"],
    problems,
    taus,
    costs: taus.map((_, t) => base.map((row) => row.map((c) => (c === null ? null : c + 10 * t)))),
    curves: problems.map(() =>
      [0, 1, 2].map((s) => ({ evaluations: [1, 5, 12, 30], f: [10, 1 / (s + 1), 1e-3 / (s + 1), 1e-8] })),
    ),
    complete: true,
  };
}

/** A minibatch benchmark on LeNet-5 (%bench lenet5): made-up losses of three optimizers over three epochs. */
function trainingPayload(): ProfilesPayload {
  const loss = [
    [2.36, 1.4, 1.05, 0.95],
    [2.36, 0.98, 0.78, 0.7],
    [2.36, 1.1, 0.82, 0.69],
  ];
  return {
    title: "LeNet-5 on 1000 Fashion-MNIST images, batch 32",
    solvers: ["sgd", "momentum", "adam"],
    problems: [{ name: "LeNet-5 on 1000 Fashion-MNIST images", dim: 61706 }],
    taus: [1e-1, 1e-3],
    costs: [[[null, 3, 2]], [[null, null, 3]]],
    complete: true,
    training: {
      samples: 1000,
      batchSize: 32,
      runs: loss.map((l, s) => ({
        epochs: [0, 1, 2, 3],
        seconds: [0, 1, 2, 3].map((e) => e * (0.2 + 0.02 * s)),
        loss: l,
        testAccuracy: [0.1, 0.6 + 0.03 * s, 0.66 + 0.03 * s, 0.7 + 0.02 * s],
        diverged: false,
      })),
    },
  };
}

function notebook(payloadOf: () => ProfilesPayload, command: string): string {
  const nb = JSON.parse(notebookJson([command]));
  nb.metadata.deltalab_test_run = randomUUID();
  nb.cells[0].outputs = [
    {
      output_type: "display_data",
      data: { [PROFILES_MIME_TYPE_V1]: payloadOf(), "text/plain": ["<deltalab profiles>"] },
      metadata: {},
    },
  ];
  return JSON.stringify(nb);
}

const visibleTraces = (page: Page, view = ".jp-deltalab-profiles") =>
  page.evaluate((selector) => {
    const graph = document.querySelector(`${selector} .js-plotly-plot`) as
      | (HTMLElement & { data?: { visible?: unknown; xaxis?: string; name?: string }[] })
      | null;
    return (graph?.data ?? []).filter((t) => t.visible === true).map((t) => `${t.name}@${t.xaxis}`);
  }, view);

describe("the profile view in JupyterLab", () => {
  let lab: Lab;
  let browser: Browser;
  let page: Page;
  let rootDir: string;

  beforeAll(async () => {
    rootDir = mkdtempSync(join(tmpdir(), "deltalab-profiles-"));
    writeFileSync(join(rootDir, "profiles.ipynb"), notebook(payload, "%bench mgh"));
    writeFileSync(join(rootDir, "training.ipynb"), notebook(trainingPayload, "%bench lenet5"));
    mkdirSync(screenshotDir, { recursive: true });
    lab = await startLab({ rootDir });
    browser = await startBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await openNotebook(page, lab, "profiles.ipynb");
  });

  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
    if (rootDir) rmSync(rootDir, { recursive: true, force: true });
  });

  it("draws both profiles for the default tau and one problem's curves, with the table", async () => {
    const view = page.locator(".jp-deltalab-profiles");
    await view.scrollIntoViewIfNeeded();
    await page.waitForFunction(() =>
      document.querySelector(".jp-deltalab-profiles .js-plotly-plot .scatterlayer"),
    );
    const shown = await visibleTraces(page);
    // 3 solvers x (performance, data) at tau = 1e-3, and problem 1's three curves; markup in a name stays text
    expect(shown).toHaveLength(9);
    expect(shown.filter((t) => t.endsWith("@x3"))).toHaveLength(3);
    expect(shown[4]).toBe("&lt;b&gt;bb&lt;/b&gt;@x");
    const rows = await view.locator("tbody tr").allTextContents();
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain("5/6");
    await page.waitForTimeout(300);
    await view.screenshot({ path: join(screenshotDir, "extension-profiles.png") });
  });

  it("offers every tau on the slider and redraws the profiles for the one chosen", async () => {
    const labels = page.locator(".jp-deltalab-profiles .slider-group text.slider-label");
    // plotly's current-value label first, then one label per step
    expect(await labels.allTextContents()).toEqual(["tau = 1e-3", "0.1", "1e-3", "1e-5", "1e-7"]);
    const before = await page.evaluate(() => {
      const graph = document.querySelector(".jp-deltalab-profiles .js-plotly-plot") as HTMLElement & {
        data: { visible?: unknown }[];
      };
      return graph.data.map((t) => t.visible === true);
    });
    const step = await labels.filter({ hasText: /^1e-7$/ }).boundingBox();
    const rail = await page.locator(".jp-deltalab-profiles .slider-rail-touch-rect").boundingBox();
    if (!step || !rail) throw new Error("the slider was not drawn");
    await page.mouse.click(step.x + step.width / 2, rail.y + rail.height / 2);
    await page.waitForFunction(() =>
      [...document.querySelectorAll(".jp-deltalab-profiles text.slider-label")].some(
        (t) => t.textContent === "tau = 1e-7",
      ),
    );
    const after = await page.evaluate(() => {
      const graph = document.querySelector(".jp-deltalab-profiles .js-plotly-plot") as HTMLElement & {
        data: { visible?: unknown }[];
      };
      return graph.data.map((t) => t.visible === true);
    });
    // traces 6-11 are tau = 1e-3's, 18-23 tau = 1e-7's; the curves (24-41) keep problem 1's three
    expect(
      before
        .slice(0, 24)
        .map((v, i) => (v ? i : -1))
        .filter((i) => i >= 0),
    ).toEqual([6, 7, 8, 9, 10, 11]);
    expect(
      after
        .slice(0, 24)
        .map((v, i) => (v ? i : -1))
        .filter((i) => i >= 0),
    ).toEqual([18, 19, 20, 21, 22, 23]);
    expect(after.slice(24)).toEqual(before.slice(24));
    await page
      .locator(".jp-deltalab-profiles")
      .screenshot({ path: join(screenshotDir, "extension-profiles-tau.png") });
  });

  it("draws a minibatch benchmark's loss against epochs and seconds, with its table", async () => {
    const second = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    try {
      await openNotebook(second, lab, "training.ipynb");
      // the lab may show the first notebook too: this view is the one whose axes read "seconds of training"
      const view = second.locator(".jp-deltalab-profiles", { hasText: "seconds of training" });
      await view.scrollIntoViewIfNeeded();
      await view.locator(".js-plotly-plot .scatterlayer").first().waitFor();
      const shown = await view.evaluate((node) => {
        const graph = node.querySelector(".js-plotly-plot") as
          | (HTMLElement & { data?: { visible?: unknown; xaxis?: string; name?: string }[] })
          | null;
        return (graph?.data ?? []).filter((t) => t.visible === true).map((t) => `${t.name}@${t.xaxis}`);
      });
      expect(shown).toEqual(["sgd@x", "sgd@x2", "momentum@x", "momentum@x2", "adam@x", "adam@x2"]);
      const rows = await view.locator("tbody tr").allTextContents();
      expect(rows).toHaveLength(3);
      expect(rows[1]).toContain("0.7");
      await second.waitForTimeout(300);
      await view.screenshot({ path: join(screenshotDir, "extension-profiles-training.png") });
    } finally {
      await second.close();
    }
  });
});
