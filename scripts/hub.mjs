#!/usr/bin/env node
// `npm run hub`: sets up what is missing (as `npm run setup` does), then starts a JupyterHub for a class on
// localhost: each student who logs in gets JupyterLab with the deltalab kernel and extension and a copy of the
// course notebooks in their own home. The hub's configuration is hub/jupyterhub_config.py.
//
// For a trial run on one machine only: one shared password, every server as this machine's user. The README's
// "Teaching a class" and docs/deploy.md say how to switch to OAuth and to one container per student.
//
// Environment: DELTALAB_HUB_PASSWORD (the shared password, at least 8 characters; without it one is made up
// and kept in the state folder), DELTALAB_HUB_USERS (comma-separated names allowed to log in; default any),
// DELTALAB_HUB_PORT (8000), DELTALAB_HUB_IP (127.0.0.1), DELTALAB_HUB_STATE (.deltalab/hub).
// `--skip-setup` starts the hub without the set-up (the hub test layer runs after `npm test`'s set-up).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { root, setup, SetupError, venvBin } from "./setup.mjs";

const MIN_PASSWORD_LENGTH = 8; // JupyterHub's SharedPasswordAuthenticator refuses shorter ones

function sharedPassword(state) {
  const given = process.env.DELTALAB_HUB_PASSWORD;
  if (given !== undefined && given !== "") {
    if (given.length < MIN_PASSWORD_LENGTH) {
      throw new SetupError(
        `DELTALAB_HUB_PASSWORD has ${given.length} characters; the shared password needs at least ${MIN_PASSWORD_LENGTH}.`,
      );
    }
    return given;
  }
  const file = join(state, "password");
  if (!existsSync(file)) writeFileSync(file, randomBytes(9).toString("base64url") + "\n", { mode: 0o600 });
  return readFileSync(file, "utf8").trim();
}

function warn(lines) {
  const width = Math.max(...lines.map((line) => line.length));
  const rule = "!".repeat(width + 4);
  console.log([rule, ...lines.map((line) => `! ${line.padEnd(width)} !`), rule].join("\n"));
}

function startHub() {
  const state = process.env.DELTALAB_HUB_STATE || join(root, ".deltalab", "hub");
  mkdirSync(join(state, "home"), { recursive: true });
  const password = sharedPassword(state);
  const ip = process.env.DELTALAB_HUB_IP || "127.0.0.1";
  const port = process.env.DELTALAB_HUB_PORT || "8000";
  const env = {
    ...process.env,
    DELTALAB_ROOT: root,
    DELTALAB_PYTHON_BIN: venvBin,
    DELTALAB_HUB_STATE: state,
    DELTALAB_HUB_PASSWORD: password,
    DELTALAB_HUB_IP: ip,
    DELTALAB_HUB_PORT: port,
    // The servers find node (the kernel), and the hub finds configurable-http-proxy and the Python tools.
    PATH: [
      dirname(process.execPath),
      join(root, "node_modules", ".bin"),
      venvBin,
      process.env.PATH ?? "",
    ].join(":"),
  };
  warn([
    "NOT FOR PRODUCTION: a trial hub for a class on one machine.",
    "Every student logs in with ONE shared password, so anyone who has it can log in as any student,",
    "and every server runs as this machine's user, so a student's kernel can read the other homes.",
    'For a real class use OAuth and one container per student: README "Teaching a class", docs/deploy.md.',
  ]);
  console.log(
    `[hub] http://${ip}:${port}/  any user name (or one of DELTALAB_HUB_USERS), password: ${password}`,
  );
  console.log(`[hub] students' homes: ${join(state, "home")}`);
  const child = spawn(join(venvBin, "jupyterhub"), ["-f", join(root, "hub", "jupyterhub_config.py")], {
    cwd: state,
    env,
    stdio: "inherit",
  });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

try {
  if (!process.argv.includes("--skip-setup")) setup();
  startHub();
} catch (error) {
  if (!(error instanceof SetupError)) throw error;
  console.error(`[hub] stopped: ${error.message}`);
  process.exit(1);
}
