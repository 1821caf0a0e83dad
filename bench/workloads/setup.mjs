// Brings the benchmark's dependencies into place, skipping what is already there: the workspace packages
// (scripts/setup.mjs), bench's own node_modules (from bench/package-lock.json) and the PyTorch environment.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The exact PyTorch pin: the only spec that resolves to a CPU build on these machines. */
export const TORCH_PIN = "torch==2.13.0";

function run(root, command, args, env = {}) {
  console.error(`[bench] ${[command, ...args].join(" ")}`);
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: ["ignore", 2, 2],
    env: { ...process.env, ...env },
  });
  if (result.error) throw new Error(`could not run ${command}: ${result.error.message}`);
  if (result.status !== 0)
    throw new Error(`\`${[command, ...args].join(" ")}\` failed with exit code ${result.status}`);
}

export function setupWorkspace(root) {
  run(root, process.execPath, ["scripts/setup.mjs"]);
}

export function setupBenchModules(root) {
  if (existsSync(join(root, "bench", "node_modules", ".package-lock.json"))) return;
  // onnxruntime-node's install script fetches GPU binaries; its CPU binary ships in the package.
  run(root, "npm", ["ci", "--prefix", "bench", "--no-audit", "--no-fund"], {
    ONNXRUNTIME_NODE_INSTALL: "skip",
  });
}

/** bench/.venv-torch with PyTorch; a stamp marks a finished install, so an interrupted one is started over. */
export function setupTorch(root) {
  const venv = join(root, "bench", ".venv-torch");
  const stamp = join(venv, ".installed");
  if (existsSync(stamp)) return;
  rmSync(venv, { recursive: true, force: true });
  run(root, "python3", ["-m", "venv", venv]);
  run(root, join(venv, "bin", "pip"), ["install", TORCH_PIN, "numpy"]);
  writeFileSync(stamp, `${TORCH_PIN}\n`);
}
