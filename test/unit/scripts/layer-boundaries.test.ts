// The layers in lint (eslint.config.mjs): an import across them is an error, an import along them is not.
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint();

async function restricted(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return result.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

const importOf = (what: string) => `import { x } from "${what}";\nexport const y = x;\n`;

describe("lint keeps the layers apart", () => {
  it.each([
    ["core/src/optim/new.ts", "@deltalab/shaders"],
    ["core/src/optim/new.ts", "../../../kernel/src/kernel"],
    ["core/src/payloads/new.ts", "../tensor"],
    ["core/src/payloads/new.ts", "@deltalab/kernel"],
    ["shaders/src/ops/new.ts", "@deltalab/kernel"],
    ["shaders/src/ops/new.ts", "../../../core/src/index"],
    ["kernel/src/commands/new.ts", "@deltalab/jupyterlab"],
    ["kernel/src/commands/new.ts", "../../../shaders/src/index"],
    ["extension/src/new.ts", "@deltalab/core"],
    ["extension/src/new.ts", "@deltalab/shaders"],
    ["extension/src/new.ts", "../../core/src/payloads/index"],
  ])("refuses %s importing %s", async (file, what) => {
    expect(await restricted(file, importOf(what))).toHaveLength(1);
  });

  it.each([
    ["core/src/optim/new.ts", "../tensor"],
    ["core/src/payloads/new.ts", "./schema"],
    ["shaders/src/ops/new.ts", "@deltalab/core"],
    ["shaders/src/ops/new.ts", "@deltalab/core/payloads"],
    ["kernel/src/commands/new.ts", "@deltalab/core"],
    ["kernel/src/commands/new.ts", "@deltalab/shaders"],
    ["extension/src/new.ts", "@deltalab/core/payloads"],
  ])("lets %s import %s", async (file, what) => {
    expect(await restricted(file, importOf(what))).toEqual([]);
  });
});
