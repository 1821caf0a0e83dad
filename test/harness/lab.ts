/**
 * A real JupyterLab from the repo's .venv on a free port, and headless Chromium pointed at it.
 *
 *   const lab = await startLab({ rootDir });   // jupyter lab, private config, settings and runtime dirs
 *   const browser = await startBrowser();       // Debian's chromium through playwright-core
 *   ...
 *   await browser.close(); await lab.stop();    // always, in afterAll: no process is left behind
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { freePort, startProcess } from "./processes";

export const repoRoot = resolve(__dirname, "..", "..");
export const screenshotDir = join(repoRoot, "test-results", "screenshots");

export interface Lab {
  readonly url: string;
  readonly token: string;
  readonly rootDir: string;
  readonly logFile: string;
  /** The URL of a file under rootDir, opened in JupyterLab. */
  urlFor(path: string): string;
  stop(): Promise<void>;
}

async function waitForServer(url: string, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`JupyterLab did not answer ${url} within ${timeoutMs} ms; its log is ${logFile}`);
}

export async function startLab(options: { rootDir: string; timeoutMs?: number }): Promise<Lab> {
  const port = await freePort();
  const token = randomBytes(16).toString("hex");
  const home = mkdtempSync(join(tmpdir(), "deltalab-lab-"));
  for (const dir of ["config", "data", "runtime", "settings", "workspaces"]) mkdirSync(join(home, dir));
  // No "get notified about Jupyter news?" pop-up over the screenshots.
  const notification = join(home, "settings", "@jupyterlab", "apputils-extension");
  mkdirSync(notification, { recursive: true });
  writeFileSync(
    join(notification, "notification.jupyterlab-settings"),
    JSON.stringify({ fetchNews: "false" }),
  );
  const logFile = join(home, "jupyter.log");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_CONFIG_DIR: join(home, "config"),
    // Notebook trust (nbsignatures.db) lives here: each lab starts with nothing trusted.
    JUPYTER_DATA_DIR: join(home, "data"),
    JUPYTER_RUNTIME_DIR: join(home, "runtime"),
    JUPYTERLAB_SETTINGS_DIR: join(home, "settings"),
    JUPYTERLAB_WORKSPACES_DIR: join(home, "workspaces"),
    JUPYTER_PLATFORM_DIRS: "1",
  };
  const server = startProcess(
    join(repoRoot, ".venv", "bin", "jupyter"),
    [
      "lab",
      "--no-browser",
      "--ServerApp.ip=127.0.0.1",
      `--ServerApp.port=${port}`,
      "--ServerApp.port_retries=0",
      `--IdentityProvider.token=${token}`,
      `--ServerApp.root_dir=${options.rootDir}`,
      "--LabApp.news_url=",
      "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
      "--LabApp.extension_manager=readonly",
      ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
    ],
    { cwd: options.rootDir, env, logFile },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForServer(`${url}/api/status?token=${token}`, options.timeoutMs ?? 60_000, logFile);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    url,
    token,
    rootDir: options.rootDir,
    logFile,
    urlFor: (path) => `${url}/lab/tree/${path}?token=${token}`,
    stop: () => server.stop(),
  };
}

export function startBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.DELTALAB_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
    ],
  });
}

/** Opens a notebook of the lab and waits until its cells are shown and its kernel is idle. */
export async function openNotebook(page: Page, lab: Lab, path: string): Promise<void> {
  await page.goto(lab.urlFor(path));
  await page.locator(".jp-Notebook .jp-Cell").first().waitFor({ timeout: 60_000 });
  await page
    .locator(".jp-StatusBar-Widget", { hasText: /\| Idle/ })
    .first()
    .waitFor({ timeout: 120_000 });
}

/** Saves a screenshot under test-results/screenshots/ (also on failure, to see what the page showed). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`) });
}

/** A notebook (nbformat 4) with the given code cells, on the deltalab kernel. */
export function notebookJson(cells: string[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: "deltalab", display_name: "TypeScript (deltalab)", language: "typescript" },
      language_info: { name: "typescript" },
    },
    cells: cells.map((source, i) => ({
      cell_type: "code",
      id: `cell-${i}`,
      metadata: {},
      execution_count: null,
      outputs: [],
      source,
    })),
  });
}
