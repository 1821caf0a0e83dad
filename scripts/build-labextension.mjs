#!/usr/bin/env node
// Bundles the compiled extension (extension/lib) into a prebuilt JupyterLab extension (extension/labextension)
// with the JupyterLab of the repo's .venv (or of DELTALAB_PYTHON_ENV), so that its shared packages match the server that will load it.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const jupyter = join(process.env.DELTALAB_PYTHON_ENV ?? join(root, ".venv"), "bin", "jupyter");
if (!existsSync(jupyter)) {
  console.error(
    "build-labextension: .venv/bin/jupyter not found; run `npm run setup` first, which creates .venv.",
  );
  process.exit(1);
}
const mode = process.env.DELTALAB_EXTENSION_DEV ? ["--development", "True"] : [];
const result = spawnSync(jupyter, ["labextension", "build", ...mode, join(root, "extension")], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
