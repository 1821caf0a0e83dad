#!/usr/bin/env node
// Compiles core/assembly (AssemblyScript) into the WebAssembly kernels that core/src/backend/wasm loads:
//
//   core/wasm/kernels-simd.wasm      128-bit SIMD (every engine with WebAssembly SIMD)
//   core/wasm/kernels-relaxed.wasm   the same with relaxed SIMD's fused multiply-add (chosen when it validates)
//   core/wasm/manifest.json          the compiler version, the flags and a SHA-256 of the sources
//
//   node scripts/build-wasm.mjs [--out DIR] [--check]
//
// Both modules import one shared memory (env.memory). Their only data segment is a small constant table placed at
// byte 16, below the first address the backend allocates (core/src/backend/wasm/memory.ts checks this at load);
// every worker's instantiation writes the same bytes there before any kernel runs. asc's output is deterministic:
// --check rebuilds into a temporary directory and fails when the committed files differ from a fresh build.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import asc from "assemblyscript/asc";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const sourceDir = join(root, "core", "assembly");
const committedDir = join(root, "core", "wasm");
/** Must stay within the maximum that core/src/backend/wasm/memory.ts gives its shared memory. */
const MAXIMUM_PAGES = 32768;

const COMMON_FLAGS = [
  "-O3",
  "--noAssert",
  "--runtime",
  "stub",
  "--importMemory",
  "--noExportMemory",
  "--sharedMemory",
  "--initialMemory",
  "1",
  // Static data (the tanh table) from byte 16: below the backend's first allocation (memory.ts), above address 0.
  "--memoryBase",
  "16",
  "--maximumMemory",
  String(MAXIMUM_PAGES),
  "--enable",
  "simd",
  "--enable",
  "threads",
  "--use",
  "abort=",
  "--disableWarning",
  "112",
];

const VARIANTS = [
  { file: "kernels-simd.wasm", flags: [] },
  { file: "kernels-relaxed.wasm", flags: ["--enable", "relaxed-simd"] },
];

/** SHA-256 over the sorted source files' names and contents. */
export function sourceHash() {
  const hash = createHash("sha256");
  for (const name of readdirSync(sourceDir).sort()) {
    hash.update(`${name}\n`);
    hash.update(readFileSync(join(sourceDir, name)));
  }
  return hash.digest("hex");
}

async function build(outDir) {
  mkdirSync(outDir, { recursive: true });
  for (const variant of VARIANTS) {
    const args = [
      join(sourceDir, "index.ts"),
      "-o",
      join(outDir, variant.file),
      ...COMMON_FLAGS,
      ...variant.flags,
    ];
    const { error, stderr } = await asc.main(args);
    if (error) {
      throw new Error(`asc failed for ${variant.file}: ${error.message}\n${stderr.toString()}`);
    }
  }
  const manifest = {
    compiler: `assemblyscript ${asc.version}`,
    flags: COMMON_FLAGS,
    variants: Object.fromEntries(VARIANTS.map((v) => [v.file, v.flags])),
    sources: sourceHash(),
  };
  writeFileSync(join(outDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

const { values } = parseArgs({
  options: { out: { type: "string" }, check: { type: "boolean", default: false } },
});

if (values.check) {
  const temporary = mkdtempSync(join(tmpdir(), "deltalab-wasm-"));
  try {
    await build(temporary);
    const stale = ["manifest.json", ...VARIANTS.map((v) => v.file)].filter(
      (file) => !readFileSync(join(temporary, file)).equals(readFileSync(join(committedDir, file))),
    );
    if (stale.length > 0) {
      console.error(`core/wasm is stale (${stale.join(", ")}): run node scripts/build-wasm.mjs`);
      process.exit(1);
    }
    console.log("core/wasm matches a fresh build");
  } finally {
    rmSync(temporary, { recursive: true, force: true });
  }
} else {
  const outDir = values.out ?? committedDir;
  await build(outDir);
  console.log(`built ${VARIANTS.map((v) => v.file).join(", ")} in ${outDir}`);
}
