#!/usr/bin/env node
// `npm test`: set up (as `npm run setup` does), then run every test layer and end with one line
// `N passed, N failed[, N skipped]`. `node scripts/test.mjs unit kernel` runs only the layers named.
//
// Layers: lint (ESLint, Prettier, type-checking the tests, no import cycles), unit (vitest), kernel (the real kernel
// over ZMQ, pytest + jupyter_client), notebooks (each notebook executed against the real kernel, pytest + nbclient),
// browser (a real `jupyter lab` driven by headless Chromium, vitest + playwright-core), hub (a JupyterHub started as
// `npm run hub` starts it, with eight students running the welcome notebook at once, pytest).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { root, setup, venvBin } from "./setup.mjs";

const resultsDir = join(root, "test-results");

/** Counts from a vitest JSON report. */
function vitestCounts(file) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + (report.success || report.numFailedTests > 0 ? 0 : 1),
    skipped: report.numPendingTests + report.numTodoTests,
  };
}

/** Counts from a JUnit XML report (pytest). */
function junitCounts(file) {
  const xml = readFileSync(file, "utf8");
  const suite = /<testsuite\b[^>]*>/.exec(xml)?.[0] ?? "";
  const attribute = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
  const failed = attribute("failures") + attribute("errors");
  const skipped = attribute("skipped");
  return { passed: attribute("tests") - failed - skipped, failed, skipped };
}

function runCommand(command, args, env = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  return result.error ? -1 : (result.status ?? -1);
}

function vitestLayer(project) {
  const report = join(resultsDir, `${project}.json`);
  const status = runCommand("npx", [
    "vitest",
    "run",
    "--project",
    project,
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
  ]);
  return existsSync(report) ? vitestCounts(report) : { passed: 0, failed: status === 0 ? 0 : 1, skipped: 0 };
}

function pytestLayer(name, folder) {
  const report = join(resultsDir, `${name}.xml`);
  const status = runCommand(join(venvBin, "python"), ["-m", "pytest", folder, "-q", `--junitxml=${report}`], {
    PYTHONUNBUFFERED: "1",
  });
  if (status === 5) return { passed: 0, failed: 1, skipped: 0, note: `${folder} holds no tests` };
  return existsSync(report) ? junitCounts(report) : { passed: 0, failed: 1, skipped: 0 };
}

function checkLayer(checks) {
  let passed = 0;
  let failed = 0;
  for (const [command, args] of checks) {
    if (runCommand(command, args) === 0) passed++;
    else failed++;
  }
  return { passed, failed, skipped: 0 };
}

const layers = {
  lint: () =>
    checkLayer([
      ["npx", ["eslint", "."]],
      ["npx", ["prettier", "--check", "."]],
      // node_modules/.bin/tsc is tslab's bundled TypeScript; the project's own is run by path.
      [process.execPath, ["node_modules/typescript/bin/tsc", "-p", "test"]],
      [process.execPath, ["scripts/check-cycles.mjs"]],
    ]),
  unit: () => vitestLayer("unit"),
  kernel: () => pytestLayer("kernel", "test/kernel"),
  notebooks: () => pytestLayer("notebooks", "test/notebooks"),
  browser: () => vitestLayer("browser"),
  hub: () => pytestLayer("hub", "test/hub"),
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in layers));
if (unknown.length > 0) {
  console.error(
    `unknown test layer(s): ${unknown.join(", ")}; expected some of: ${Object.keys(layers).join(", ")}`,
  );
  process.exit(2);
}

try {
  setup();
} catch (error) {
  console.error(`[test] set-up failed: ${error.message}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}

rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
for (const name of requested.length > 0 ? requested : Object.keys(layers)) {
  console.log(`\n[test] layer: ${name}`);
  const counts = layers[name]();
  for (const key of Object.keys(totals)) totals[key] += counts[key];
  lines.push(
    `  ${name.padEnd(10)} ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`,
  );
  if (counts.note) lines.push(`             ${counts.note}`);
}
console.log(`\n[test] by layer:\n${lines.join("\n")}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
