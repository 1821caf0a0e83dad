#!/usr/bin/env node
// Bundles the compiled extension (extension/lib) into a prebuilt JupyterLab extension (extension/labextension)
// with @jupyterlab/builder against the JupyterLab of the repo's .venv (or of DELTALAB_PYTHON_ENV), so that its
// shared packages match the server that will load it.
//
// This is what `jupyter labextension build` does after its checks; it is called directly because that command
// runs `jlpm` when the extension has no node_modules folder of its own, which npm workspaces never create.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const python = join(process.env.DELTALAB_PYTHON_ENV ?? join(root, ".venv"), "bin", "python");
if (!existsSync(python)) {
  console.error(`build-labextension: ${python} not found; run \`npm run setup\` first, which creates .venv.`);
  process.exit(1);
}
const staging = spawnSync(
  python,
  ["-c", "import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), 'staging'))"],
  { encoding: "utf8" },
);
if (staging.status !== 0) {
  console.error(`build-labextension: JupyterLab is not installed for ${python}:\n${staging.stderr}`);
  process.exit(1);
}
const extension = join(root, "extension");
const builder = createRequire(join(extension, "package.json")).resolve(
  "@jupyterlab/builder/lib/build-labextension",
);
const mode = process.env.DELTALAB_EXTENSION_DEV ? ["--development"] : [];
const result = spawnSync(
  process.execPath,
  [builder, "--core-path", staging.stdout.trim(), ...mode, extension],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
