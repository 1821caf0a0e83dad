/**
 * `deltalab install [--user | --sys-prefix | --prefix P]`: writes the `deltalab` kernelspec (kernel.json and the
 * logos) into <data dir>/kernels/deltalab, where the data dir is P/share/jupyter for --prefix and --sys-prefix
 * (P = sys.prefix of the Python that runs the jupyter on PATH) and the user's Jupyter data dir for --user.
 */
import { execFileSync } from "node:child_process";
import { accessSync, constants, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";

export const KERNEL_NAME = "deltalab";
export const DISPLAY_NAME = "TypeScript (deltalab)";

export type InstallTarget = { kind: "user" } | { kind: "sys-prefix" } | { kind: "prefix"; prefix: string };

export const INSTALL_USAGE = "usage: deltalab install [--user | --sys-prefix | --prefix PREFIX]";

/** Parses the options after `install`; throws with the usage and what was wrong. */
export function parseInstallArgs(args: string[]): InstallTarget {
  const targets: InstallTarget[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--user") targets.push({ kind: "user" });
    else if (arg === "--sys-prefix") targets.push({ kind: "sys-prefix" });
    else if (arg === "--prefix" || arg.startsWith("--prefix=")) {
      const prefix = arg === "--prefix" ? args[++i] : arg.slice("--prefix=".length);
      if (!prefix) throw new Error(`--prefix needs a directory\n${INSTALL_USAGE}`);
      targets.push({ kind: "prefix", prefix: resolve(prefix) });
    } else throw new Error(`unknown option ${JSON.stringify(arg)}\n${INSTALL_USAGE}`);
  }
  if (targets.length > 1)
    throw new Error(`give at most one of --user, --sys-prefix, --prefix\n${INSTALL_USAGE}`);
  return targets[0] ?? { kind: "user" };
}

/** The kernel.json for this installation of the kernel. */
export function kernelSpec(binPath: string): Record<string, unknown> {
  return {
    argv: [process.execPath, binPath, "kernel", "{connection_file}"],
    display_name: DISPLAY_NAME,
    language: "typescript",
    interrupt_mode: "message",
    env: {},
    metadata: { debugger: false },
  };
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** The Python interpreter that runs the `jupyter` found on PATH (from its #! line, else a python3 beside it). */
function jupyterPython(): string {
  const jupyter = findOnPath("jupyter");
  if (!jupyter)
    throw new Error("--sys-prefix needs `jupyter` on PATH (activate the environment that has JupyterLab)");
  const firstLine = readFileSync(jupyter, "utf8").split("\n", 1)[0] ?? "";
  const shebang = /^#!\s*(\S+)/.exec(firstLine)?.[1];
  if (shebang && isAbsolute(shebang) && !shebang.endsWith("/env")) return shebang;
  return join(dirname(jupyter), "python3");
}

function userDataDir(): string {
  const jupyter = findOnPath("jupyter");
  if (jupyter) {
    try {
      return execFileSync(jupyter, ["--data-dir"], { encoding: "utf8" }).trim();
    } catch {
      // Fall through to the platform's default location.
    }
  }
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return join(process.env.APPDATA ?? homedir(), "jupyter");
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter");
}

/** The Jupyter data directory the target means. */
export function dataDir(target: InstallTarget): string {
  switch (target.kind) {
    case "prefix":
      return join(target.prefix, "share", "jupyter");
    case "sys-prefix": {
      const prefix = execFileSync(jupyterPython(), ["-c", "import sys; print(sys.prefix)"], {
        encoding: "utf8",
      });
      return join(prefix.trim(), "share", "jupyter");
    }
    case "user":
      return userDataDir();
  }
}

/** Writes the kernelspec; returns its directory. */
export function install(target: InstallTarget, binPath: string): string {
  const dir = join(dataDir(target), "kernels", KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), `${JSON.stringify(kernelSpec(binPath), null, 2)}\n`);
  const logos = join(__dirname, "..", "logos");
  for (const logo of ["logo-32x32.png", "logo-64x64.png"]) copyFileSync(join(logos, logo), join(dir, logo));
  return dir;
}
