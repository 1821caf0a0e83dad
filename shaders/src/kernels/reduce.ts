/**
 * Sums over the outer and inner axes of a [rows, groups, cols] array. The bias gradients of the dense layer
 * (seed 004 Table 4, summed over the batch) and of the convolution (eq. 81, per output map) are such sums.
 */
import { BindingSpec, Launch, Program } from "../program";
import { entryPoint, sections, storageDeclarations, u32Constants } from "../wgsl";

export interface GroupSumConfig {
  readonly rows: number;
  /** The number of sums (one invocation each). */
  readonly groups: number;
  readonly cols: number;
  /** Index in `out` of the first sum (a layer's bias gradient follows its weight gradient). */
  readonly outOffset: number;
  /** out += sum instead of out = sum. */
  readonly accumulate: boolean;
  readonly workgroupSize: number;
}

const BINDINGS: readonly BindingSpec[] = [
  { name: "x", access: "read" },
  { name: "out", access: "read_write" },
];

function launch(config: GroupSumConfig): Launch {
  return { global: [config.groups, 1, 1], local: [config.workgroupSize, 1, 1] };
}

/**
 * Sums a [rows, groups, cols] array over its first and last axes: out[g] = sum_{i, j} x[(i * groups + g) * cols + j].
 * With cols = 1 this is the column sum of a [rows, groups] matrix (the dense bias gradient); with
 * [batch, maps, pixels] it is the convolution bias gradient of eq. 81.
 */
export const groupSumProgram: Program<GroupSumConfig> = {
  name: "reduce.groupSum",
  bindings: () => BINDINGS,
  launch,
  source: (config) => {
    const body = [
      "let g = gid.x;",
      "if (g >= GROUPS) { return; }",
      "var sum = 0.0;",
      "for (var i = 0u; i < ROWS; i++) {",
      "  let base = (i * GROUPS + g) * COLS;",
      "  for (var j = 0u; j < COLS; j++) { sum += x[base + j]; }",
      "}",
      config.accumulate ? "out[OUT_OFFSET + g] += sum;" : "out[OUT_OFFSET + g] = sum;",
    ].join("\n");
    return sections(
      storageDeclarations(BINDINGS),
      u32Constants({
        ROWS: config.rows,
        GROUPS: config.groups,
        COLS: config.cols,
        OUT_OFFSET: config.outOffset,
      }),
      entryPoint(launch(config).local, body),
    );
  },
};
