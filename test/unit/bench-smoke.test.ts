import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

interface SmokeResult {
  implementation: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
  outputs: number;
  maxAbsError: number;
}

function runSmoke(): SmokeResult {
  const stdout = execFileSync(process.execPath, ["bench/run.mjs", "--smoke"], {
    cwd: root,
    encoding: "utf8",
    timeout: 30_000,
  });
  return JSON.parse(stdout.trim().split("\n").pop() ?? "") as SmokeResult;
}

describe("bench/run.mjs --smoke", () => {
  const result = runSmoke();

  it("times deltalab's CPU convolution over seven runs with the median inside the spread", () => {
    expect(result.implementation).toBe("deltalab-cpu");
    expect(result.runs).toBe(7);
    expect(result.minMs).toBeGreaterThan(0);
    expect(result.medianMs).toBeGreaterThanOrEqual(result.minMs);
    expect(result.maxMs).toBeGreaterThanOrEqual(result.medianMs);
  });

  it("computes the convolution it times: every output of N=2, 2->3, 9x9, 3x3, pad 1 matches the plain sum", () => {
    // 2 samples x 3 maps x 9 x 9 positions ("same" padding keeps 9x9).
    expect(result.outputs).toBe(2 * 3 * 9 * 9);
    expect(result.maxAbsError).toBeLessThan(1e-5);
  });
});
