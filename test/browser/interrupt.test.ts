/**
 * Interrupting a cell from JupyterLab, as a user does: the toolbar's interrupt button (an interrupt_request, the
 * kernelspec's interrupt_mode) stops a loop of 5 ms timers, the loop stays stopped, and the next cell runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notebookJson, openNotebook, screenshot, startBrowser, startLab, type Lab } from "../harness/lab";

describe("the interrupt button", () => {
  let lab: Lab;
  let browser: Browser;
  let page: Page;
  let rootDir: string;

  beforeAll(async () => {
    rootDir = mkdtempSync(join(tmpdir(), "deltalab-interrupt-"));
    writeFileSync(
      join(rootDir, "interrupt.ipynb"),
      notebookJson([
        "let laps = 0;",
        "while (true) { laps++; await new Promise((r) => setTimeout(r, 5)); }",
        "const lapsThen = laps;\nawait new Promise((r) => setTimeout(r, 300));\n`${lapsThen > 10} ${laps - lapsThen}`",
      ]),
    );
    lab = await startLab({ rootDir });
    browser = await startBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });

  afterAll(async () => {
    if (page) await screenshot(page, "lab-interrupt");
    await browser?.close();
    await lab?.stop();
    if (rootDir) rmSync(rootDir, { recursive: true, force: true });
  });

  it("stops a looping cell; the loop stays stopped and the next cell runs", async () => {
    await openNotebook(page, lab, "interrupt.ipynb");
    const cells = page.locator(".jp-Notebook .jp-Cell");
    const toolbar = page.locator(".jp-NotebookPanel-toolbar");
    await cells.first().locator(".jp-InputArea-editor").click();
    await page.keyboard.press("Shift+Enter"); // `let laps = 0;`
    await page.keyboard.press("Shift+Enter"); // the loop; the last cell is selected
    await cells.nth(1).locator(".jp-InputPrompt", { hasText: "[*]" }).waitFor({ timeout: 60_000 });
    await page.waitForTimeout(1500);
    await toolbar.locator('[data-command="notebook:interrupt-kernel"]').click();
    await cells
      .nth(1)
      .locator(".jp-OutputArea-output", { hasText: "Interrupted" })
      .waitFor({ timeout: 10_000 });
    await toolbar.locator('[data-command="notebook:run-cell-and-select-next"]').click();
    const last = cells.nth(2).locator(".jp-OutputArea-output").first();
    await last.waitFor({ timeout: 30_000 });
    // The loop had run (more than ten laps), and no lap ran in the 300 ms after the interrupt.
    expect((await last.textContent())?.trim()).toBe("'true 0'");
  });
});
