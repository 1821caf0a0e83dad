/**
 * The set-up stops on a machine that lacks what deltalab needs, naming the missing piece and the fix.
 */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: the set-up is a plain ES module with no type declarations.
import { checkNode, checkPython, SetupError } from "../../../scripts/setup.mjs";

/** An executable that behaves like a python3 whose every command fails after printing nothing. */
function fakePython(script: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "deltalab-python-")), "python3");
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe("set-up checks", () => {
  it("refuses a Node older than 20.19 and says how to get a current one", () => {
    expect(() => checkNode("18.20.1")).toThrow(SetupError);
    expect(() => checkNode("20.10.0")).toThrow(/Node 20\.10\.0 is too old.*>= 20\.19/);
  });

  it("accepts Node 20.19 and newer", () => {
    expect(() => checkNode("20.19.0")).not.toThrow();
    expect(() => checkNode("22.1.0")).not.toThrow();
  });

  it("names python3 when it is not installed", () => {
    expect(() => checkPython("/nonexistent/python3")).toThrow(/python3 was not found/);
  });

  it("names python3-venv when python3 cannot make virtual environments", () => {
    const python = fakePython('[ "$1" = "--version" ] && exit 0; exit 1');
    expect(() => checkPython(python)).toThrow(/apt-get install python3-venv/);
  });

  it("accepts a python3 with venv and ensurepip", () => {
    expect(() => checkPython("python3")).not.toThrow();
  });
});
