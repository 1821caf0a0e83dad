import { describe, expect, it } from "vitest";
import {
  AlgorithmFourLimits,
  TiledConvProblem,
  gemmAccesses,
  naiveConvAccesses,
  optimalLocalSize,
  selectAsPrinted,
  tiledConvAccesses,
} from "@deltalab/shaders";

/**
 * Counts the global reads and writes of a tiled convolution by walking its work groups: each loads its output block
 * plus the filter border once per map and writes its block. Independent of the closed form.
 */
function simulateTiled(p: TiledConvProblem, x: number, y: number, padX: number, padY: number): number {
  const outX = p.width + padX - (p.filterWidth - 1);
  const outY = p.height + padY - (p.filterHeight - 1);
  let accesses = 0;
  for (let map = 0; map < p.maps; map++) {
    for (let gy = 0; gy < outY; gy += y) {
      for (let gx = 0; gx < outX; gx += x) {
        const loaded = new Set<string>();
        for (let ly = 0; ly < y; ly++) {
          for (let lx = 0; lx < x; lx++) {
            accesses++; // the output write
            for (let u = 0; u < p.filterHeight; u++) {
              for (let v = 0; v < p.filterWidth; v++) loaded.add(`${gy + ly + u},${gx + lx + v}`);
            }
          }
        }
        accesses += loaded.size;
      }
    }
  }
  return accesses;
}

const problem: TiledConvProblem = { width: 12, height: 9, filterWidth: 3, filterHeight: 2, maps: 2 };

const limits: AlgorithmFourLimits = {
  maxLocalX: 10,
  maxLocalY: 8,
  maxInvocations: 32,
  localMemoryFloats: 64,
  parallelUnits: 2,
  maxPadding: 4,
};

describe("global-memory access model (Hedberg sec. 10.1.2)", () => {
  it("counts the tiled convolution's accesses as a walk over its work groups does (with R = F - 1)", () => {
    for (const [x, y, padX, padY] of [
      [2, 2, 0, 0],
      [5, 4, 0, 0],
      [10, 8, 0, 0],
      [3, 3, 2, 1],
    ]) {
      expect(tiledConvAccesses(problem, { x, y, padX, padY })).toBe(simulateTiled(problem, x, y, padX, padY));
    }
  });

  it("counts the naive convolution as (F_x F_y + 1) accesses per valid output", () => {
    // 12 x 9 input, 3 x 2 filter: 10 x 8 valid outputs per map.
    expect(naiveConvAccesses(problem)).toBe(2 * 10 * 8 * (3 * 2 + 1));
  });

  it("Algorithm 4 as printed (`min < accesses`) selects nothing, the corrected loop the true minimum", () => {
    const result = optimalLocalSize(problem, limits);
    expect(result.hypotheses.length).toBeGreaterThan(0);
    expect(selectAsPrinted(result.hypotheses)).toBeUndefined();
    const minimum = Math.min(...result.hypotheses.map((h) => h.accesses));
    expect(result.accesses).toBe(minimum);
    expect(result.best).toBeDefined();
  });

  it("keeps only hypotheses that satisfy every constraint of the optimization problem", () => {
    const result = optimalLocalSize(problem, limits);
    for (const h of result.hypotheses) {
      const outX = problem.width + h.padX - 2;
      const outY = problem.height + h.padY - 1;
      expect(outX % h.x).toBe(0);
      expect(outY % h.y).toBe(0);
      expect(h.x * h.y).toBeLessThanOrEqual(limits.maxInvocations);
      expect((outX * outY) / (h.x * h.y)).toBeGreaterThanOrEqual(limits.parallelUnits);
      expect(2 * h.y + 1 * h.x + 2 + h.x * h.y).toBeLessThanOrEqual(limits.localMemoryFloats);
    }
  });

  it("models an unstaged GEMM as K (RPI + CPI) reads per invocation plus one write per output", () => {
    // 8 x 8 outputs in 2 x 2 blocks on a 2 x 2 workgroup: 16 invocations, each reading 2 K + 2 K values.
    const params = { workgroupX: 2, workgroupY: 2, rowsPerInvocation: 2, colsPerInvocation: 2, tile: 0 };
    expect(gemmAccesses(8, 8, 5, params)).toBe(16 * (2 * 5 + 2 * 5) + 64);
  });

  it("models a staged GEMM as one (BM + BN) x tile panel pair per work group and tile step", () => {
    // BM = BN = 4, 2 x 2 work groups, K = 5 rounded up to 8 by tiles of 4: 4 groups x 8 x 8 reads.
    const params = { workgroupX: 2, workgroupY: 2, rowsPerInvocation: 2, colsPerInvocation: 2, tile: 4 };
    expect(gemmAccesses(8, 8, 5, params)).toBe(4 * (4 + 4) * 8 + 64);
  });
});
