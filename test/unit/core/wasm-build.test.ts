import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..", "..", "..");
const manifest = JSON.parse(readFileSync(join(root, "core", "wasm", "manifest.json"), "utf8"));

/** The hash scripts/build-wasm.mjs records: SHA-256 over the sorted source files' names and contents. */
function assemblySourceHash(): string {
  const directory = join(root, "core", "assembly");
  const hash = createHash("sha256");
  for (const name of readdirSync(directory).sort()) {
    hash.update(`${name}\n`);
    hash.update(readFileSync(join(directory, name)));
  }
  return hash.digest("hex");
}

describe("committed WebAssembly kernels", () => {
  it("were built from the current core/assembly sources (else run node scripts/build-wasm.mjs)", () => {
    expect(manifest.sources).toBe(assemblySourceHash());
  });

  it("were built by the installed AssemblyScript compiler", () => {
    const installed = JSON.parse(
      readFileSync(join(root, "node_modules", "assemblyscript", "package.json"), "utf8"),
    ).version;
    expect(manifest.compiler).toBe(`assemblyscript ${installed}`);
  });

  it("match a fresh build byte for byte (plain SIMD; asc's output is deterministic)", async () => {
    const asc = (await import("assemblyscript/asc")).default;
    const file = "kernels-simd.wasm";
    const outputs = new Map<string, Uint8Array>();
    const args = [
      join(root, "core", "assembly", "index.ts"),
      "-o",
      file,
      ...manifest.flags,
      ...manifest.variants[file],
    ];
    const { error } = await asc.main(args, {
      writeFile: (name: string, contents: Uint8Array | string) => {
        outputs.set(name, typeof contents === "string" ? new TextEncoder().encode(contents) : contents);
      },
    });
    expect(error).toBeNull();
    const committed = readFileSync(join(root, "core", "wasm", file));
    expect(Buffer.from(outputs.get(file) ?? new Uint8Array()).equals(committed)).toBe(true);
  });

  it("include a plain-SIMD module that this engine validates", () => {
    const bytes = readFileSync(join(root, "core", "wasm", "kernels-simd.wasm"));
    expect(WebAssembly.validate(bytes)).toBe(true);
  });
});
