/**
 * The two small programs a loss surface needs on the device besides the model's forward pass:
 *
 * - `planePointProgram`: theta = center + alpha d1 + beta d2 for one layer's slice of theta, with (alpha, beta)
 *   read from a per-point buffer `point` = [alpha, beta, slot, 0], so that one pipeline serves every grid point.
 * - `lossAccumulateProgram`: sums[slot] += sum_n loss[n] over a chunk of samples (one workgroup, a tree reduction
 *   in workgroup memory), the per-sample losses being those of the fused softmax cross-entropy (seed 004 eq. 27).
 */
import { BindingSpec, Launch, Program } from "../program";
import { entryPoint, sections, storageDeclarations, u32Constants } from "../wgsl";

export interface PlanePointConfig {
  readonly length: number;
  readonly workgroupSize: number;
}

const POINT_BINDINGS: readonly BindingSpec[] = [
  { name: "center", access: "read" },
  { name: "d1", access: "read" },
  { name: "d2", access: "read" },
  { name: "point", access: "read" },
  { name: "theta", access: "read_write" },
];

function pointLaunch(config: PlanePointConfig): Launch {
  return { global: [config.length, 1, 1], local: [config.workgroupSize, 1, 1] };
}

export const planePointProgram: Program<PlanePointConfig> = {
  name: "landscape.planePoint",
  bindings: () => POINT_BINDINGS,
  launch: pointLaunch,
  source: (config) =>
    sections(
      storageDeclarations(POINT_BINDINGS),
      u32Constants({ LENGTH: config.length }),
      entryPoint(
        pointLaunch(config).local,
        [
          "let i = gid.x;",
          "if (i >= LENGTH) { return; }",
          "theta[i] = center[i] + point[0] * d1[i] + point[1] * d2[i];",
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
