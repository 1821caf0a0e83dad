// Loads the built @deltalab/core (CommonJS, from core/dist); build it first with `npx tsc -b core`.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const entry = fileURLToPath(new URL("../../core/dist/index.js", import.meta.url));
if (!existsSync(entry)) {
  throw new Error(`${entry} is missing: build the core package first with \`npx tsc -b core\``);
}
export const core = createRequire(import.meta.url)(entry);
