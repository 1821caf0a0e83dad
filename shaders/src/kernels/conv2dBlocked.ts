/**
 * Register-blocked convolution forward (seed 004 eq. 60-62 with zero padding): each invocation computes a block of
 * `channelsPerInvocation` output maps x `pixelsPerInvocation` neighbouring pixels of one output row,
 *
 *   Z_o[y, x] = b_o + sum_{c in D_o} sum_{u < kh} sum_{v < kw} pad(Y_c)[s_h y + u, s_w x + v] omega_{oc}[u, v],
 *
 * so that one input value serves every output map of the block and one weight every pixel of the block. Per input
 * map and kernel row, the (P - 1) s_w + kw input values the block needs are loaded once into registers; with
 * `vec4`, four at a time (stride 1, no column padding and rows of a multiple of 4 floats, so the loads are
 * aligned). With `vec4Weights`, the block's weights omega_{oc}[u, v] are read four output maps at a time, where
 * the parameter layout puts them side by side: @deltalab/core's Conv2dLayer stores a full table (and a kernel per
 * map) with the output map fastest, so this holds when every block is fully connected and 4-aligned.
 * Input maps that feed no output map of the block are skipped; within a block an unconnected pair contributes a
 * zero weight, so partial connection tables (LeNet-5's C3) run unchanged.
 * Bindings: x (input, NCHW), params (the layer's [vec(W); b]), y (output, NCHW) and the block tables.
 */
import { BindingSpec, Launch, Program } from "../program";
import { entryPoint, sections, storageDeclarations, u32Constants } from "../wgsl";
import { Conv2dGeometry, geometryConstants, tableBindings } from "./conv2dGeometry";

export interface ConvBlockedConfig {
  readonly geometry: Conv2dGeometry;
  readonly workgroupX: number;
  readonly workgroupY: number;
  /** Output maps per invocation (register blocking over the filters). */
  readonly channelsPerInvocation: number;
  /** Neighbouring output pixels of one row per invocation. */
  readonly pixelsPerInvocation: number;
  /** Read the input as vec4<f32>; see `blockedVec4Problem` for when the layout allows it. */
  readonly vec4: boolean;
  /** Read the weights as vec4<f32>; see `blockedWeightsVec4Problem`. Absent means false. */
  readonly vec4Weights?: boolean;
}

const TABLES = ["BLK_ANY", "BLK_ON", "BLK_BASE", "BLK_STRIDE"];

function bindings(config: ConvBlockedConfig): BindingSpec[] {
  return [
    { name: "x", access: "read", element: config.vec4 ? "vec4<f32>" : "f32" },
    { name: "params", access: "read", element: config.vec4Weights === true ? "vec4<f32>" : "f32" },
    { name: "y", access: "read_write" },
    ...tableBindings(TABLES),
  ];
}

/** Why the input cannot be read as aligned vec4 for this config, or undefined when it can. */
export function blockedVec4Problem(config: ConvBlockedConfig): string | undefined {
  const g = config.geometry;
  if (g.strideWidth !== 1) return `vec4 input loads need stride 1 along the row, got ${g.strideWidth}`;
  if (g.padWidth !== 0) return `vec4 input loads need no column padding, got ${g.padWidth}`;
  if (g.width % 4 !== 0) return `vec4 input loads need the input width a multiple of 4, got ${g.width}`;
  if (config.pixelsPerInvocation % 4 !== 0) {
    return `vec4 input loads need pixelsPerInvocation a multiple of 4, got ${config.pixelsPerInvocation}`;
  }
  return undefined;
}

/**
 * Why the weights cannot be read as aligned vec4 for this config, or undefined when they can: every output map of
 * a block that reads an input map must be connected to it, with the kernels of maps o and o + 1 one float apart
 * (the same stride), the block's first kernel and the stride multiples of 4, and the biases 4-aligned.
 */
export function blockedWeightsVec4Problem(config: ConvBlockedConfig): string | undefined {
  const g = config.geometry;
  const size = config.channelsPerInvocation;
  if (size % 4 !== 0) return `vec4 weight loads need channelsPerInvocation a multiple of 4, got ${size}`;
  if (g.outChannels % size !== 0) {
    return `vec4 weight loads need the output maps (${g.outChannels}) a multiple of channelsPerInvocation (${size})`;
  }
  if (g.weightCount % 4 !== 0) return `vec4 weight loads need 4-aligned biases, got offset ${g.weightCount}`;
  const { BLK_ANY, BLK_ON, BLK_BASE, BLK_STRIDE } = blockTables(g, "outputs", size);
  for (let pair = 0; pair < BLK_ANY.length; pair++) {
    if (BLK_ANY[pair] === 0) continue;
    const first = pair * size;
    if (BLK_BASE[first] % 4 !== 0 || BLK_STRIDE[first] % 4 !== 0) {
      return "vec4 weight loads need each block's kernels at 4-aligned positions";
    }
    for (let j = 0; j < size; j++) {
      const side = BLK_ON[first + j] === 1 && BLK_BASE[first + j] === BLK_BASE[first] + j;
      if (!side || BLK_STRIDE[first + j] !== BLK_STRIDE[first]) {
        return "vec4 weight loads need every block fully connected with its kernels side by side";
      }
    }
  }
  return undefined;
}

/**
 * Per block of `blockSize` maps on one side of the connection table and every map on the other side: whether any
 * pair is connected (ANY), and per pair whether it is (ON) with the kernel's base and stride in the parameters.
 * `blocked` is "outputs" for the forward pass (blocks of output maps o, loop over input maps c) and "inputs" for
 * the input delta (blocks of input maps c, loop over output maps o). Pairs past the last map are unconnected.
 */
export function blockTables(
  g: Conv2dGeometry,
  blocked: "outputs" | "inputs",
  blockSize: number,
): Record<string, Uint32Array> {
  const blockedCount = blocked === "outputs" ? g.outChannels : g.inChannels;
  const loopCount = blocked === "outputs" ? g.inChannels : g.outChannels;
  const blocks = Math.ceil(blockedCount / blockSize);
  const any = new Uint32Array(blocks * loopCount);
  const on = new Uint32Array(blocks * loopCount * blockSize);
  const base = new Uint32Array(on.length);
  const stride = new Uint32Array(on.length);
  for (const k of g.kernels) {
    for (const c of k.inputs) {
      const [member, other] = blocked === "outputs" ? [k.output, c] : [c, k.output];
      const pair = Math.floor(member / blockSize) * loopCount + other;
      const slot = pair * blockSize + (member % blockSize);
      any[pair] = 1;
      on[slot] = 1;
      base[slot] = k.base;
      stride[slot] = k.stride;
    }
  }
  return { BLK_ANY: any, BLK_ON: on, BLK_BASE: base, BLK_STRIDE: stride };
}

/** Input values one invocation reads per kernel row: (P - 1) s_w + kw, rounded up to whole vec4 with vec4. */
export function blockedSpan(config: ConvBlockedConfig): number {
  const g = config.geometry;
  const span = (config.pixelsPerInvocation - 1) * g.strideWidth + g.kernelWidth;
  return config.vec4 ? Math.ceil(span / 4) * 4 : span;
}

function launch(config: ConvBlockedConfig): Launch {
  const g = config.geometry;
  const blocks = Math.ceil(g.outChannels / config.channelsPerInvocation);
  return {
    global: [Math.ceil(g.outWidth / config.pixelsPerInvocation), g.outHeight, g.batch * blocks],
    local: [config.workgroupX, config.workgroupY, 1],
  };
}

/**
 * Loads the block's input row into `row`. Without column padding every value a valid output needs lies inside the
 * row, so indices are only clamped (the clamped values feed outputs past the edge, which are not written).
 */
function rowLoad(config: ConvBlockedConfig): string[] {
  const g = config.geometry;
  if (config.vec4) {
    return [
      "for (var t = 0u; t < SPAN / 4u; t++) {",
      "  let q = x[rowBase / 4u + min(ox0 / 4u + t, IN_W / 4u - 1u)];",
      "  row[4u * t] = q.x;",
      "  row[4u * t + 1u] = q.y;",
      "  row[4u * t + 2u] = q.z;",
      "  row[4u * t + 3u] = q.w;",
      "}",
    ];
  }
  if (g.padWidth === 0) {
    return ["for (var t = 0u; t < SPAN; t++) { row[t] = x[rowBase + min(ox0 * SW + t, IN_W - 1u)]; }"];
  }
  return [
    "for (var t = 0u; t < SPAN; t++) {",
    "  let ix = i32(ox0 * SW + t) - i32(PW);",
    "  let value = x[rowBase + u32(clamp(ix, 0, i32(IN_W) - 1))];",
    "  row[t] = select(0.0, value, ix >= 0 && ix < i32(IN_W));",
    "}",
  ];
}

/** The bias of map o and the weights of the block for kernel entry (u, v), as scalars or four maps at a time. */
function weightLines(config: ConvBlockedConfig): { bias: string; weights: string[] } {
  if (config.vec4Weights !== true) {
    return {
      bias: "params[BIAS_OFFSET + min(block * CPI + j, OUT_C - 1u)]",
      weights: [
        "for (var j = 0u; j < CPI; j++) {",
        "  w[j] = select(0.0, params[wBase[j] + (u + KH * v) * wStride[j]], wOn[j]);",
        "}",
      ],
    };
  }
  return {
    bias: "params[(BIAS_OFFSET + block * CPI + j) / 4u][j % 4u]",
    weights: [
      "let first = (wBase[0] + (u + KH * v) * wStride[0]) / 4u;",
      "for (var q = 0u; q < CPI / 4u; q++) {",
      "  let four = params[first + q];",
      "  w[4u * q] = four.x;",
      "  w[4u * q + 1u] = four.y;",
      "  w[4u * q + 2u] = four.z;",
      "  w[4u * q + 3u] = four.w;",
      "}",
    ],
  };
}

function body(config: ConvBlockedConfig): string {
  const g = config.geometry;
  const { bias, weights } = weightLines(config);
  // Without row padding every kernel row of a valid output lies inside the input.
  const rowCheck = g.padHeight === 0 ? [] : ["  if (iy < 0 || iy >= i32(IN_H)) { continue; }"];
  return [
    "let block = gid.z % BLOCKS;",
    "let n = gid.z / BLOCKS;",
    "let oy = gid.y;",
    "let ox0 = gid.x * PPI;",
    "if (n >= BATCH || oy >= OUT_H || ox0 >= OUT_W) { return; }",
    "var acc: array<f32, CPI * PPI>;",
    "for (var j = 0u; j < CPI; j++) {",
    `  let bias = ${bias};`,
    "  for (var p = 0u; p < PPI; p++) { acc[j * PPI + p] = bias; }",
    "}",
    "var wBase: array<u32, CPI>;",
    "var wStride: array<u32, CPI>;",
    "var wOn: array<bool, CPI>;",
    "var w: array<f32, CPI>;",
    "var row: array<f32, SPAN>;",
    "for (var c = 0u; c < IN_C; c++) {",
    "  let pair = block * IN_C + c;",
    "  if (BLK_ANY[pair] == 0u) { continue; }",
    "  for (var j = 0u; j < CPI; j++) {",
    "    wBase[j] = BLK_BASE[pair * CPI + j];",
    "    wStride[j] = BLK_STRIDE[pair * CPI + j];",
    "    wOn[j] = BLK_ON[pair * CPI + j] == 1u;",
    "  }",
    "  let mapBase = (n * IN_C + c) * IN_H * IN_W;",
    "  for (var u = 0u; u < KH; u++) {",
    "    let iy = i32(oy * SH + u) - i32(PH);",
    ...rowCheck,
    "    let rowBase = mapBase + u32(iy) * IN_W;",
    ...rowLoad(config).map((line) => `    ${line}`),
    "    for (var v = 0u; v < KW; v++) {",
    ...weights.map((line) => `      ${line}`),
    "      for (var p = 0u; p < PPI; p++) {",
    "        let value = row[p * SW + v];",
    "        for (var j = 0u; j < CPI; j++) { acc[j * PPI + p] += w[j] * value; }",
    "      }",
    "    }",
    "  }",
    "}",
    "for (var j = 0u; j < CPI; j++) {",
    "  let o = block * CPI + j;",
    "  if (o >= OUT_C) { break; }",
    "  let outBase = ((n * OUT_C + o) * OUT_H + oy) * OUT_W;",
    "  for (var p = 0u; p < PPI; p++) {",
    "    if (ox0 + p < OUT_W) { y[outBase + ox0 + p] = acc[j * PPI + p]; }",
    "  }",
    "}",
  ].join("\n");
}

function checkConfig(config: ConvBlockedConfig): void {
  for (const field of ["channelsPerInvocation", "pixelsPerInvocation"] as const) {
    const value = config[field];
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`conv2d.forward.blocked: ${field} must be a positive integer, got ${value}`);
    }
  }
  const problem =
    (config.vec4 ? blockedVec4Problem(config) : undefined) ??
    (config.vec4Weights === true ? blockedWeightsVec4Problem(config) : undefined);
  if (problem !== undefined) throw new Error(`conv2d.forward.blocked: ${problem}`);
}

/** The register-blocked direct convolution: output maps x pixels per invocation, optional vec4 input loads. */
export const convForwardBlockedProgram: Program<ConvBlockedConfig> = {
  name: "conv2d.forward.blocked",
  bindings,
  tables: (config) => blockTables(config.geometry, "outputs", config.channelsPerInvocation),
  launch,
  source: (config) => {
    checkConfig(config);
    return sections(
      storageDeclarations(bindings(config)),
      geometryConstants(config.geometry),
      u32Constants({
        CPI: config.channelsPerInvocation,
        PPI: config.pixelsPerInvocation,
        BLOCKS: Math.ceil(config.geometry.outChannels / config.channelsPerInvocation),
        SPAN: blockedSpan(config),
      }),
      entryPoint(launch(config).local, body(config)),
    );
  },
};
