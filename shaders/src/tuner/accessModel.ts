/**
 * The global-memory access model of seed 004 section 10.1.2 and its Algorithm 4, corrected.
 *
 * A convolution over an S_x x S_y input with an F_x x F_y filter has (S_x - R_x)(S_y - R_y) valid outputs per map,
 * with R = F - 1 (the document prints R = F + 1, which would make the output smaller than the valid one). A work
 * group of S_lx x S_ly outputs staging its input patch in workgroup memory reads (S_lx + R_x)(S_ly + R_y) =
 * S_lx S_ly + R_x S_ly + R_y S_lx + R_x R_y values, so for S_z maps (S_lz = 1):
 *
 *   accesses = S_z (S_x + P_x - R_x)(S_y + P_y - R_y)                             (writes)
 *            + S_z (S_x + P_x - R_x)(S_y + P_y - R_y) / (S_lx S_ly) (R_x S_ly + R_y S_lx + R_x R_y + S_lx S_ly)   (reads)
 *
 * where P pads the output grid to a multiple of the work group. (The document's second term carries S_lz where the
 * number of maps S_z belongs; with one tile per map per work group the read count scales with S_z.)
 *
 * Algorithm 4 as printed keeps a hypothesis when `min < accesses`; starting from min = infinity that never holds,
 * so it returns nothing. The comparison must be `accesses < min`. It also loops S_l from 0 (a division by zero in
 * the modulus) and divides by an undefined C in the parallelism test, which is the number of work groups:
 * (S_x + P_x - R_x)(S_y + P_y - R_y) / (S_lx S_ly) >= U.
 */

export interface TiledConvProblem {
  /** S_x, S_y: input width and height (including any zero padding of the layer). */
  readonly width: number;
  readonly height: number;
  /** F_x, F_y. */
  readonly filterWidth: number;
  readonly filterHeight: number;
  /** S_z: the number of independent output maps (batch x output maps x connections). */
  readonly maps: number;
}

export interface LocalSize {
  /** S_lx, S_ly. */
  readonly x: number;
  readonly y: number;
  /** P_x, P_y: padding of the output grid so that the work group divides it. */
  readonly padX: number;
  readonly padY: number;
}

/** The accesses of the tiled convolution (the formula above); R = F - 1. */
export function tiledConvAccesses(problem: TiledConvProblem, local: LocalSize): number {
  const rx = problem.filterWidth - 1;
  const ry = problem.filterHeight - 1;
  const outputs = (problem.width + local.padX - rx) * (problem.height + local.padY - ry);
  const tile = rx * local.y + ry * local.x + rx * ry + local.x * local.y;
  return problem.maps * outputs + (problem.maps * outputs * tile) / (local.x * local.y);
}

/** The naive convolution: every output reads F_x F_y inputs and writes once. */
export function naiveConvAccesses(problem: TiledConvProblem): number {
  const outputs =
    (problem.width - problem.filterWidth + 1) * (problem.height - problem.filterHeight + 1) * problem.maps;
  return outputs * (problem.filterWidth * problem.filterHeight + 1);
}

export interface AlgorithmFourLimits {
  /** S_lx,max and S_ly,max (maxComputeWorkgroupSizeX/Y). */
  readonly maxLocalX: number;
  readonly maxLocalY: number;
  /** CL_KERNEL_WORK_GROUP_SIZE, here maxComputeInvocationsPerWorkgroup. */
  readonly maxInvocations: number;
  /** M: the workgroup memory available, in floats. */
  readonly localMemoryFloats: number;
  /** U: parallel processing units; at least this many work groups are required. */
  readonly parallelUnits: number;
  /** The document suggests bounding the padding ("a fixed value of say 10"). */
  readonly maxPadding: number;
}

export interface AlgorithmFourResult {
  readonly best: LocalSize | undefined;
  readonly accesses: number;
  /** Every feasible (S_lx, S_ly, P_x, P_y) with its modelled accesses. */
  readonly hypotheses: readonly (LocalSize & { readonly accesses: number })[];
}

/** Algorithm 4 with the errata fixed: the feasible local sizes and paddings, and the one with fewest accesses. */
export function optimalLocalSize(
  problem: TiledConvProblem,
  limits: AlgorithmFourLimits,
): AlgorithmFourResult {
  const rx = problem.filterWidth - 1;
  const ry = problem.filterHeight - 1;
  const hypotheses: (LocalSize & { accesses: number })[] = [];
  for (let padX = 0; padX <= limits.maxPadding; padX++) {
    for (let padY = 0; padY <= limits.maxPadding; padY++) {
      const outX = problem.width + padX - rx;
      const outY = problem.height + padY - ry;
      for (let x = 1; x <= limits.maxLocalX; x++) {
        for (let y = 1; y <= limits.maxLocalY; y++) {
          if (outX % x !== 0 || outY % y !== 0) continue;
          if (x * y > limits.maxInvocations) continue;
          if ((outX * outY) / (x * y) < limits.parallelUnits) continue;
          if (rx * y + ry * x + rx * ry + x * y > limits.localMemoryFloats) continue;
          const local = { x, y, padX, padY };
          hypotheses.push({ ...local, accesses: tiledConvAccesses(problem, local) });
        }
      }
    }
  }
  let best: LocalSize | undefined;
  let min = Infinity;
  for (const h of hypotheses) {
    if (h.accesses < min) {
      best = { x: h.x, y: h.y, padX: h.padX, padY: h.padY };
      min = h.accesses;
    }
  }
  return { best, accesses: min, hypotheses };
}

/** Algorithm 4's selection loop exactly as printed (`if min < accesses`), kept to demonstrate the erratum. */
export function selectAsPrinted(
  hypotheses: readonly (LocalSize & { readonly accesses: number })[],
): LocalSize | undefined {
  let best: LocalSize | undefined;
  let min = Infinity;
  for (const h of hypotheses) {
    if (min < h.accesses) {
      best = h;
      min = h.accesses;
    }
  }
  return best;
}
