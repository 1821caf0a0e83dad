// The import-cycle check of npm run lint (scripts/check-cycles.mjs) on small source trees written here.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: the check is a plain ES module with no type declarations.
import { findCycles } from "../../../scripts/check-cycles.mjs";

function sources(files: Record<string, string>): string {
  const directory = mkdtempSync(join(tmpdir(), "cycles-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(directory, name), text);
  return directory;
}

describe("the import-cycle check", () => {
  it("finds a cycle closed by a type-only import", async () => {
    const directory = sources({
      "a.ts": 'import { b } from "./b";\nexport interface A { n: number }\nexport const a = b + 1;\n',
      "b.ts": 'import type { A } from "./a";\nexport const b = 1;\nexport type B = A;\n',
    });
    expect(await findCycles(directory)).toEqual([["a.ts", "b.ts"]]);
  });

  it("finds a cycle through three files", async () => {
    const directory = sources({
      "a.ts": 'import { b } from "./b";\nexport const a = b;\n',
      "b.ts": 'import { c } from "./c";\nexport const b = c;\n',
      "c.ts": 'import { a } from "./a";\nexport const c = () => a;\n',
    });
    expect(await findCycles(directory)).toHaveLength(1);
  });

  it("does not count a dynamic import (a lazily loaded chunk)", async () => {
    const directory = sources({
      "a.ts": 'export interface A { n: number }\nexport const load = () => import("./b");\n',
      "b.ts": 'import type { A } from "./a";\nexport const b: A = { n: 1 };\n',
    });
    expect(await findCycles(directory)).toEqual([]);
  });
});
