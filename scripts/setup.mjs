#!/usr/bin/env node
// Sets up everything deltalab needs on this machine, skipping what is already done, then optionally starts
// JupyterLab. `node scripts/setup.mjs` sets up; `--lab` also starts JupyterLab on localhost in notebooks/.
//
// Steps, each skipped when its stamp says it is current:
//   1. Node >= 20.19 and python3 with venv (stop with the fix when missing);
//   2. Debian packages (Mesa for WebGPU on the CPU, Chromium, Fashion-MNIST): installed with apt-get when root,
//      otherwise listed with the command that installs them;
//   3. `npm ci` when node_modules is missing or older than package-lock.json;
//   4. .venv/ from requirements.txt (rebuilt from scratch if a previous attempt did not finish);
//   5. each package built (in dependency order) when its sources or its dependencies' sources changed;
//   6. the `deltalab` kernelspec and the prebuilt extension installed into .venv (sys-prefix).
import { spawnSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const root = dirname(dirname(fileURLToPath(import.meta.url)));
// The Python environment that holds Jupyter: the repo's own .venv, or, with DELTALAB_PYTHON_ENV=<prefix>, an
// environment someone else manages (binder/postBuild uses the image's environment this way).
const externalEnv = process.env.DELTALAB_PYTHON_ENV;
export const venv = externalEnv ? externalEnv : join(root, ".venv");
export const venvBin = join(venv, "bin");
const stampDir = join(root, ".deltalab");

export const debianPackages = [
  ["libegl1", "EGL loader for WebGPU on the CPU"],
  ["libegl-mesa0", "Mesa EGL for WebGPU on the CPU"],
  ["libgles2", "OpenGL ES for WebGPU on the CPU"],
  ["libgl1-mesa-dri", "Mesa llvmpipe for WebGPU on the CPU"],
  ["chromium", "headless browser for the browser tests"],
  ["dataset-fashion-mnist", "the full Fashion-MNIST data (tests use the committed subset)"],
];

export class SetupError extends Error {}

function log(message) {
  console.log(`[setup] ${message}`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", ...options });
  if (result.error) throw new SetupError(`could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new SetupError(`\`${[command, ...args].join(" ")}\` failed with exit code ${result.status}`);
  }
}

function succeeds(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: "ignore" });
  return !result.error && result.status === 0;
}

function sha256(...parts) {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

function readStamp(path) {
  return existsSync(path) ? readFileSync(path, "utf8").trim() : "";
}

export function checkNode(version = process.versions.node) {
  const [major, minor] = version.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    throw new SetupError(
      `Node ${version} is too old: deltalab needs Node >= 20.19. ` +
        "Install a current Node 20 or 22 (e.g. from nodejs.org or with nvm) and run again.",
    );
  }
}

export function checkPython(python = "python3") {
  if (!succeeds(python, ["--version"])) {
    throw new SetupError(
      "python3 was not found: install Python 3.10 or newer (Debian: apt-get install python3).",
    );
  }
  if (!succeeds(python, ["-c", "import venv, ensurepip"])) {
    throw new SetupError(
      "python3 cannot create virtual environments (the venv or ensurepip module is missing). " +
        "Debian: apt-get install python3-venv.",
    );
  }
}

function missingDebianPackages() {
  if (!succeeds("dpkg-query", ["--version"])) return null; // not a Debian-family system
  return debianPackages.filter(([name]) => {
    const result = spawnSync("dpkg-query", ["-W", "-f=${Status}", name], { encoding: "utf8" });
    return result.status !== 0 || !result.stdout.includes("install ok installed");
  });
}

function ensureDebianPackages() {
  const missing = missingDebianPackages();
  if (missing === null) {
    log("not a Debian-family system: install Mesa (EGL, GLES, DRI), Chromium and Fashion-MNIST yourself");
    return;
  }
  if (missing.length === 0) return;
  const names = missing.map(([name]) => name);
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (isRoot && succeeds("apt-get", ["--version"])) {
    log(`installing Debian packages: ${names.join(" ")}`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    run("apt-get", ["update", "-q"], { env });
    run("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...names], { env });
    return;
  }
  log("these Debian packages are missing; deltalab works without them, with less:");
  for (const [name, why] of missing) log(`  ${name}: ${why}`);
  log(`to install them: sudo apt-get install ${names.join(" ")}`);
}

function ensureNodeModules() {
  const lock = readFileSync(join(root, "package-lock.json"));
  const stampPath = join(root, "node_modules", ".deltalab-lock-sha256");
  const want = sha256(lock);
  if (readStamp(stampPath) === want) return;
  log("installing npm packages from package-lock.json (npm ci)");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
  writeFileSync(stampPath, want + "\n");
}

function venvIsReady() {
  const want = sha256(readFileSync(join(root, "requirements.txt")));
  return { ready: readStamp(join(venv, ".deltalab-ready")) === want, want };
}

function ensureVenv() {
  if (externalEnv) {
    if (!existsSync(join(venvBin, "jupyter"))) {
      throw new SetupError(
        `DELTALAB_PYTHON_ENV=${externalEnv} has no bin/jupyter: install requirements.txt there first.`,
      );
    }
    return;
  }
  const { ready, want } = venvIsReady();
  if (ready) return;
  checkPython();
  // A .venv without the ready stamp is a failed or interrupted attempt, or an old requirements file: start over.
  if (existsSync(venv)) rmSync(venv, { recursive: true, force: true });
  log("creating .venv and installing requirements.txt");
  try {
    run("python3", ["-m", "venv", venv]);
    run(join(venvBin, "python"), [
      "-m",
      "pip",
      "install",
      "-q",
      "--disable-pip-version-check",
      "-r",
      "requirements.txt",
    ]);
  } catch (error) {
    rmSync(venv, { recursive: true, force: true });
    throw error;
  }
  writeFileSync(join(venv, ".deltalab-ready"), want + "\n");
}

// Packages in dependency order, each with the packages whose build it reads and the outputs it makes.
const packages = [
  { dir: "core", workspace: "@deltalab/core", deps: [], output: "core/dist/index.js" },
  { dir: "shaders", workspace: "@deltalab/shaders", deps: ["core"], output: "shaders/dist/index.js" },
  { dir: "kernel", workspace: "@deltalab/kernel", deps: ["core", "shaders"], output: "kernel/dist/bin.js" },
  {
    dir: "extension",
    workspace: "@deltalab/jupyterlab",
    deps: ["core"],
    output: "extension/labextension/package.json",
  },
];
const skippedDirs = new Set(["node_modules", "dist", "lib", "labextension"]);

function listFiles(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skippedDirs.has(entry.name) || entry.name.endsWith(".tsbuildinfo")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) listFiles(path, out);
    else out.push(path);
  }
  return out;
}

/** A digest of a package's sources, its dependencies' sources and the shared build settings. */
function packageDigest(pkg, digests) {
  const hash = createHash("sha256");
  for (const file of listFiles(join(root, pkg.dir), []).sort()) {
    hash.update(relative(root, file));
    hash.update(readFileSync(file));
  }
  for (const shared of ["tsconfig.base.json", "package-lock.json", "scripts/build-labextension.mjs"]) {
    hash.update(readFileSync(join(root, shared)));
  }
  for (const dep of pkg.deps) hash.update(digests.get(dep));
  return hash.digest("hex");
}

/** Builds each package whose sources (or whose dependencies' sources) changed since its last build. */
function ensureBuilt() {
  const digests = new Map();
  mkdirSync(stampDir, { recursive: true });
  for (const pkg of packages) {
    const digest = packageDigest(pkg, digests);
    digests.set(pkg.dir, digest);
    const stampPath = join(stampDir, `build-${pkg.dir}.sha256`);
    if (readStamp(stampPath) === digest && existsSync(join(root, pkg.output))) continue;
    log(`building ${pkg.workspace}`);
    run("npm", ["run", "build", "--silent", "-w", pkg.workspace]);
    writeFileSync(stampPath, digest + "\n");
  }
}

function installIntoVenv() {
  const kernelBin = join(root, "kernel", "dist", "bin.js");
  run(process.execPath, [kernelBin, "install", "--prefix", venv], { stdio: "ignore" });
  const source = join(root, "extension", "labextension");
  const target = join(venv, "share", "jupyter", "labextensions", "@deltalab", "jupyterlab");
  // What a prebuilt extension's Python package would put in sys-prefix; copied afresh each time (a few MB).
  rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  cpSync(source, target, { recursive: true });
}

export function setup() {
  const started = Date.now();
  checkNode();
  ensureDebianPackages();
  ensureNodeModules();
  ensureVenv();
  ensureBuilt();
  installIntoVenv();
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function startLab() {
  const args = ["lab", "--ServerApp.ip=127.0.0.1", `--ServerApp.root_dir=${join(root, "notebooks")}`];
  if (process.env.CI) args.push("--no-browser");
  if (process.getuid?.() === 0) args.push("--allow-root");
  log(`starting JupyterLab: ${join(venvBin, "jupyter")} ${args.join(" ")}`);
  const child = spawn(join(venvBin, "jupyter"), args, { cwd: root, stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code) => process.exit(code ?? 0));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    setup();
    if (process.argv.includes("--lab")) startLab();
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    console.error(`[setup] stopped: ${error.message}`);
    process.exit(1);
  }
}
