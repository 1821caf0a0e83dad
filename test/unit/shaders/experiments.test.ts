import { describe, expect, it } from "vitest";
import { kernelLaunchExperiment, workgroupMemoryExperiment } from "@deltalab/shaders";
import { testDevice } from "./support";

describe("experiments of Hedberg section 9", () => {
  it("one launch per connection reproduces the single launch's output maps (Figures 2-4 setup)", async () => {
    const gpu = await testDevice();
    const rows = await kernelLaunchExperiment(gpu, { sizes: [12], kernel: 3, warmup: 0, runs: 1 });
    expect(rows.map((r) => [r.connectivity, r.launches])).toEqual([
      ["full", 32],
      ["single", 4],
    ]);
    for (const row of rows) expect(row.maxAbsDifference).toBeLessThan(1e-5);
  });

  it("runs the direct and tiled convolution for each filter size, both checked against the CPU", async () => {
    const gpu = await testDevice();
    const rows = await workgroupMemoryExperiment(gpu, {
      filters: [1, 3],
      size: 16,
      workgroup: 8,
      warmup: 0,
      runs: 1,
    });
    expect(rows.map((r) => r.filter)).toEqual([1, 3]);
    expect(rows.every((r) => r.checked)).toBe(true);
    // Staging pays off in modelled accesses once the filter is wider than one pixel.
    expect(rows[1].tiledAccesses).toBeLessThan(rows[1].directAccesses);
  });
});
