#!/usr/bin/env node
// Fails when a package's sources import each other in a cycle (madge, pinned in package.json).
//
//   node scripts/check-cycles.mjs              core/src, shaders/src, kernel/src and extension/src
//   node scripts/check-cycles.mjs some/dir     only that directory
//
// Every static import counts, type-only ones included (a cycle of types is still two files that cannot be read
// apart). A dynamic import() does not: the module it loads is a lazily loaded chunk, read after both files have
// loaded (the extension loads plotly that way). Imports of other packages are not followed: each package is
// checked on its own sources, and lint's import rules (eslint.config.mjs) keep the packages themselves in layers.
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import madge from "madge";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");

export const SOURCE_DIRECTORIES = ["core/src", "shaders/src", "kernel/src", "extension/src"];

/** The import cycles among the TypeScript files under `directory`, each a list of paths relative to it. */
export async function findCycles(directory) {
  const detective = { skipTypeImports: false, skipAsyncImports: true };
  const graph = await madge(directory, {
    fileExtensions: ["ts", "tsx"],
    tsConfig: join(root, "tsconfig.base.json"),
    excludeRegExp: [/(^|[\\/])dist[\\/]/, /node_modules/],
    detectiveOptions: { ts: detective, tsx: detective },
  });
  return graph.circular();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const requested = process.argv.slice(2);
  const directories = requested.length > 0 ? requested : SOURCE_DIRECTORIES.map((d) => join(root, d));
  let found = 0;
  for (const directory of directories) {
    for (const cycle of await findCycles(directory)) {
      found++;
      console.error(`import cycle in ${directory}: ${[...cycle, cycle[0]].join(" -> ")}`);
    }
  }
  if (found > 0) {
    console.error(`${found} import cycle(s); break each by moving the shared part into a module both import`);
    process.exit(1);
  }
  console.log(
    `no import cycles in ${directories.length} source director${directories.length === 1 ? "y" : "ies"}`,
  );
}
