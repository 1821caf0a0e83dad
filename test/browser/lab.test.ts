/**
 * The set-up's promise, checked as a user would meet it: JupyterLab from .venv lists the deltalab extension as
 * enabled and OK, loads it in the page, and runs `1 + 1` on the deltalab kernel.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  notebookJson,
  openNotebook,
  repoRoot,
  screenshot,
  startBrowser,
  startLab,
  type Lab,
} from "../harness/lab";

describe("JupyterLab with deltalab", () => {
  let lab: Lab;
  let browser: Browser;

  beforeAll(async () => {
    const rootDir = mkdtempSync(join(tmpdir(), "deltalab-notebooks-"));
    writeFileSync(join(rootDir, "one-plus-one.ipynb"), notebookJson(["1 + 1"]));
    lab = await startLab({ rootDir });
    browser = await startBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
  });

  it("lists the deltalab extension as enabled and OK", () => {
    const result = spawnSync(join(repoRoot, ".venv", "bin", "jupyter"), ["labextension", "list"], {
      encoding: "utf8",
    });
    const line = (result.stdout + result.stderr).split("\n").find((l) => l.includes("@deltalab/jupyterlab"));
    expect(line).toBeDefined();
    expect(line).toMatch(/enabled/);
    expect(line).toMatch(/OK/);
  });

  it("lists the deltalab kernelspec with its display name", async () => {
    const response = await fetch(`${lab.url}/api/kernelspecs?token=${lab.token}`);
    const specs = (await response.json()) as {
      kernelspecs: Record<string, { spec: { display_name: string } }>;
    };
    expect(specs.kernelspecs.deltalab?.spec.display_name).toBe("TypeScript (deltalab)");
  });

  it("runs 1 + 1 on the deltalab kernel in a notebook", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await runOnePlusOne(page);
    } finally {
      await screenshot(page, "lab-one-plus-one");
      await page.close();
    }
  });

  async function runOnePlusOne(page: Page): Promise<void> {
    await openNotebook(page, lab, "one-plus-one.ipynb");
    const federated = await page.evaluate(() => {
      const config = JSON.parse(document.getElementById("jupyter-config-data")?.textContent ?? "{}");
      return (config.federated_extensions ?? []).map((e: { name: string }) => e.name);
    });
    expect(federated).toContain("@deltalab/jupyterlab");
    await page.locator(".jp-Cell .jp-InputArea-editor").first().click();
    await page.keyboard.press("Shift+Enter");
    const output = page.locator(".jp-OutputArea-output").first();
    await output.waitFor({ timeout: 90_000 });
    expect((await output.textContent())?.trim()).toBe("2");
  }
});
