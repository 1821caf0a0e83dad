/**
 * The small programs a loss surface needs on the device besides the model's forward pass. Each reads the grid
 * point from a per-point buffer `point` = [alpha, beta, slot, 0], so that one pipeline serves every point.
 *
 * - `planeCombineProgram`: out[i] = c[OFFSET + i] + alpha u[OFFSET + i] + beta v[OFFSET + i]. With (c, u, v) the
 *   plane's (center, d1, d2) it forms theta; with the first layer's responses to them it forms that layer's output
 *   (the layer is affine in its parameters, see planeEvaluator.ts).
 * - `lossAccumulateProgram`: sums[slot] += sum_n loss[n] over a chunk of samples (one workgroup, a tree reduction
 *   in workgroup memory), the per-sample losses being those of the fused softmax cross-entropy (seed 004 eq. 27).
 */
import { BindingSpec, Launch, Program } from "../program";
import { entryPoint, sections, storageDeclarations, u32Constants } from "../wgsl";

export interface PlaneCombineConfig {
  readonly length: number;
  /** Where the slice starts in c, u and v. */
  readonly offset: number;
  readonly workgroupSize: number;
}

/** At most this many workgroups; longer arrays are covered by a grid-stride loop. */
const MAX_WORKGROUPS = 65535;

const COMBINE_BINDINGS: readonly BindingSpec[] = [
  { name: "c", access: "read" },
  { name: "u", access: "read" },
  { name: "v", access: "read" },
  { name: "point", access: "read" },
  { name: "out", access: "read_write" },
];

function combineLaunch(config: PlaneCombineConfig): Launch {
  const groups = Math.min(MAX_WORKGROUPS, Math.ceil(config.length / config.workgroupSize));
  return { global: [groups * config.workgroupSize, 1, 1], local: [config.workgroupSize, 1, 1] };
}

export const planeCombineProgram: Program<PlaneCombineConfig> = {
  name: "landscape.planeCombine",
  bindings: () => COMBINE_BINDINGS,
  launch: combineLaunch,
  source: (config) =>
    sections(
      storageDeclarations(COMBINE_BINDINGS),
      u32Constants({
        LENGTH: config.length,
        OFFSET: config.offset,
        STRIDE: combineLaunch(config).global[0],
      }),
      entryPoint(
        combineLaunch(config).local,
        [
          "for (var i = gid.x; i < LENGTH; i += STRIDE) {",
          "  let j = OFFSET + i;",
          "  out[i] = c[j] + point[0] * u[j] + point[1] * v[j];",
          "}",
        ].join("\n"),
      ),
    ),
};

export interface LossAccumulateConfig {
  /** Per-sample losses in the chunk. */
  readonly count: number;
  /** Invocations of the one workgroup; a power of two. */
  readonly workgroupSize: number;
}

const ACCUMULATE_BINDINGS: readonly BindingSpec[] = [
  { name: "loss", access: "read" },
  { name: "point", access: "read" },
  { name: "sums", access: "read_write" },
];

function accumulateLaunch(config: LossAccumulateConfig): Launch {
  return { global: [config.workgroupSize, 1, 1], local: [config.workgroupSize, 1, 1] };
}

export const lossAccumulateProgram: Program<LossAccumulateConfig> = {
  name: "landscape.lossAccumulate",
  bindings: () => ACCUMULATE_BINDINGS,
  launch: accumulateLaunch,
  source: (config) => {
    const size = config.workgroupSize;
    if (!Number.isInteger(Math.log2(size))) {
      throw new Error(`lossAccumulate: workgroupSize must be a power of two, got ${size}`);
    }
    const body = [
      "var sum = 0.0;",
      "for (var n = lid.x; n < COUNT; n += WORKGROUP) { sum += loss[n]; }",
      "partial[lid.x] = sum;",
      "workgroupBarrier();",
      "for (var half = WORKGROUP / 2u; half > 0u; half = half / 2u) {",
      "  if (lid.x < half) { partial[lid.x] += partial[lid.x + half]; }",
      "  workgroupBarrier();",
      "}",
      "if (lid.x == 0u) {",
      "  let slot = u32(point[2]);",
      "  sums[slot] += partial[0];",
      "}",
    ].join("\n");
    return sections(
      storageDeclarations(ACCUMULATE_BINDINGS),
      u32Constants({ COUNT: config.count, WORKGROUP: size }),
      `var<workgroup> partial: array<f32, ${size}>;`,
      entryPoint(accumulateLaunch(config).local, body),
    );
  },
};
