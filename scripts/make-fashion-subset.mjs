#!/usr/bin/env node
// Regenerates core/data/fashion-mnist-subset (2,000 training and 500 test images, stratified by class, fixed seed)
// from the full Fashion-MNIST IDX files. The output is byte-for-byte the same on every run with the same zlib.
//
//   npm run build -w core && node scripts/make-fashion-subset.mjs [source-dir]
//
// source-dir defaults to $DELTALAB_FASHION_MNIST, else /usr/share/datasets/fashion-mnist (Debian's
// dataset-fashion-mnist).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const compiled = join(root, "core", "dist", "index.js");
if (!existsSync(compiled)) {
  console.error(
    "make-fashion-subset: core/dist/index.js not found; build the core first (npm run build -w core).",
  );
  process.exit(1);
}
const core = createRequire(import.meta.url)(compiled);
const sourceDir = core.fashionMnistDir(process.argv[2]);
const outDir = core.FASHION_MNIST_SUBSET_DIR;
mkdirSync(outDir, { recursive: true });
for (const [name, bytes] of core.makeFashionSubset(sourceDir)) {
  writeFileSync(join(outDir, name), bytes);
  console.log(`${join(outDir, name)}: ${bytes.length} bytes`);
}
