/**
 * Softmax with cross-entropy, fused (seed 004 eq. 25, 27 and the (CE, Softmax) row of Table 3), one invocation per
 * sample, with @deltalab/core's conventions:
 *
 *   y = softmax(z) (the maximum subtracted first), r = sum_k t_k (logsumexp(z) - z_k), dr/dz = y sum(t) - t,
 *
 * the last two multiplied by `scale` (1 for the per-sample sum, 1 / batch for a mean over the batch).
 * Bindings: z, t (targets), y (probabilities, written), loss (one per sample, written), dz (written).
 */
import { BindingSpec, Launch, Program } from "../program";
import { entryPoint, f32, sections, storageDeclarations, u32Constants } from "../wgsl";

export interface SoftmaxCrossEntropyConfig {
  readonly batch: number;
  readonly classes: number;
  readonly scale: number;
  readonly workgroupSize: number;
}

const BINDINGS: readonly BindingSpec[] = [
  { name: "z", access: "read" },
  { name: "t", access: "read" },
  { name: "y", access: "read_write" },
  { name: "loss", access: "read_write" },
  { name: "dz", access: "read_write" },
];

function launch(config: SoftmaxCrossEntropyConfig): Launch {
  return { global: [config.batch, 1, 1], local: [config.workgroupSize, 1, 1] };
}

export const softmaxCrossEntropyProgram: Program<SoftmaxCrossEntropyConfig> = {
  name: "softmaxCrossEntropy",
  bindings: () => BINDINGS,
  launch,
  source: (config) => {
    const body = [
      "let n = gid.x;",
      "if (n >= BATCH) { return; }",
      "let base = n * CLASSES;",
      "var zMax = z[base];",
      "for (var k = 1u; k < CLASSES; k++) { zMax = max(zMax, z[base + k]); }",
      "var sumExp = 0.0;",
      "for (var k = 0u; k < CLASSES; k++) { sumExp += exp(z[base + k] - zMax); }",
      "let logSumExp = zMax + log(sumExp);",
      "var r = 0.0;",
      "var targetSum = 0.0;",
      "for (var k = 0u; k < CLASSES; k++) {",
      "  let tk = t[base + k];",
      "  targetSum += tk;",
      "  if (tk != 0.0) { r += tk * (logSumExp - z[base + k]); }",
      "}",
      "loss[n] = SCALE * r;",
      "for (var k = 0u; k < CLASSES; k++) {",
      "  let yk = exp(z[base + k] - logSumExp);",
      "  y[base + k] = yk;",
      "  dz[base + k] = SCALE * (yk * targetSum - t[base + k]);",
      "}",
    ].join("\n");
    return sections(
      storageDeclarations(BINDINGS),
      u32Constants({ BATCH: config.batch, CLASSES: config.classes }),
      `const SCALE: f32 = ${f32(config.scale)};`,
      entryPoint(launch(config).local, body),
    );
  },
};
