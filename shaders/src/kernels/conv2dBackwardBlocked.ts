/**
 * Register-blocked convolution backward (seed 004 eq. 74, 79-80), the tunable counterparts of conv2dBackward.ts.
 *
 * Input delta (eq. 74, before the phi' factor): dY_c = sum_{o in C_c} delta~_o star rot180(omega_{oc}), evaluated
 * as a gather (see conv2dBackward.ts). Each invocation computes `channelsPerInvocation` input maps x
 * `pixelsPerInvocation` neighbouring pixels of one row: per output map and kernel row it loads the
 * P + kw - 1 entries of the dilated, padded delta row delta~ that the block needs once (zero where delta~ is zero:
 * a position that is not a multiple of the stride, or outside the delta), and one weight serves every pixel.
 * Only the kernel rows u with y + p_h - u a multiple of s_h reach a delta row, so the loop steps over the others.
 *
 * Filter gradient (eq. 79; eq. 80 for a kernel shared by a map): each invocation computes the kw entries
 * omega[u, 0..kw-1] of one kernel row for `kernelsPerInvocation` kernels that read the same input maps, so that
 * one delta value delta_o[y, x] serves a whole row and one input value every kernel of the group:
 *   dr/domega[u, v] = sum_n sum_{c in inputs} sum_{y, x} delta_o[y, x] pad(Y_c)[s_h y + u, s_w x + v].
 */
import { BindingSpec, Launch, Program } from "../program";
import { entryPoint, sections, storageDeclarations, u32Constants } from "../wgsl";
import { blockTables } from "./conv2dBlocked";
import { Conv2dGeometry, geometryConstants, tableBindings } from "./conv2dGeometry";

export interface ConvInputBlockedConfig {
  readonly geometry: Conv2dGeometry;
  readonly workgroupX: number;
  readonly workgroupY: number;
  /** Input maps per invocation. */
  readonly channelsPerInvocation: number;
  /** Neighbouring input pixels of one row per invocation. */
  readonly pixelsPerInvocation: number;
}

const INPUT_BINDINGS: readonly BindingSpec[] = [
  { name: "dy", access: "read" },
  { name: "params", access: "read" },
  { name: "dx", access: "read_write" },
  ...tableBindings(["BLK_ANY", "BLK_ON", "BLK_BASE", "BLK_STRIDE"]),
];

function positive(program: string, values: Readonly<Record<string, number>>): void {
  for (const [field, value] of Object.entries(values)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`${program}: ${field} must be a positive integer, got ${value}`);
    }
  }
}

function inputLaunch(config: ConvInputBlockedConfig): Launch {
  const g = config.geometry;
  const blocks = Math.ceil(g.inChannels / config.channelsPerInvocation);
  return {
    global: [Math.ceil(g.width / config.pixelsPerInvocation), g.height, g.batch * blocks],
    local: [config.workgroupX, config.workgroupY, 1],
  };
}

/**
 * delta~ row entry t of the block starting at ix0 sits at column sx = ix0 + p_w - (kw - 1) + t of the dilated
 * delta; the term for pixel p and kernel column v is entry t = p + kw - 1 - v.
 */
function inputBody(): string {
  return [
    "let block = gid.z % BLOCKS;",
    "let n = gid.z / BLOCKS;",
    "let iy = gid.y;",
    "let ix0 = gid.x * PPI;",
    "if (n >= BATCH || iy >= IN_H || ix0 >= IN_W) { return; }",
    "var acc: array<f32, CPI * PPI>;",
    "var wBase: array<u32, CPI>;",
    "var wStride: array<u32, CPI>;",
    "var wOn: array<bool, CPI>;",
    "var w: array<f32, CPI>;",
    "var row: array<f32, SPAN>;",
    "for (var o = 0u; o < OUT_C; o++) {",
    "  let pair = block * OUT_C + o;",
    "  if (BLK_ANY[pair] == 0u) { continue; }",
    "  for (var j = 0u; j < CPI; j++) {",
    "    wBase[j] = BLK_BASE[pair * CPI + j];",
    "    wStride[j] = BLK_STRIDE[pair * CPI + j];",
    "    wOn[j] = BLK_ON[pair * CPI + j] == 1u;",
    "  }",
    "  let mapBase = (n * OUT_C + o) * OUT_H * OUT_W;",
    "  for (var u = (iy + PH) % SH; u < KH; u += SH) {",
    "    let sy = i32(iy + PH) - i32(u);",
    "    if (sy < 0 || u32(sy) / SH >= OUT_H) { continue; }",
    "    let rowBase = mapBase + (u32(sy) / SH) * OUT_W;",
    "    for (var t = 0u; t < SPAN; t++) {",
    "      let sx = i32(ix0 + PW + t) - i32(KW - 1u);",
    "      let column = u32(max(sx, 0)) / SW;",
    "      let inside = sx >= 0 && u32(sx) % SW == 0u && column < OUT_W;",
    "      row[t] = select(0.0, dy[rowBase + min(column, OUT_W - 1u)], inside);",
    "    }",
    "    for (var v = 0u; v < KW; v++) {",
    "      for (var j = 0u; j < CPI; j++) {",
    "        w[j] = select(0.0, params[wBase[j] + (u + KH * v) * wStride[j]], wOn[j]);",
    "      }",
    "      for (var p = 0u; p < PPI; p++) {",
    "        let value = row[p + KW - 1u - v];",
    "        for (var j = 0u; j < CPI; j++) { acc[j * PPI + p] += w[j] * value; }",
    "      }",
    "    }",
    "  }",
    "}",
    "for (var j = 0u; j < CPI; j++) {",
    "  let c = block * CPI + j;",
    "  if (c >= IN_C) { break; }",
    "  let outBase = ((n * IN_C + c) * IN_H + iy) * IN_W;",
    "  for (var p = 0u; p < PPI; p++) {",
    "    if (ix0 + p < IN_W) { dx[outBase + ix0 + p] = acc[j * PPI + p]; }",
    "  }",
    "}",
  ].join("\n");
}

/** dX by eq. 74, input maps x pixels per invocation. */
export const convInputDeltaBlockedProgram: Program<ConvInputBlockedConfig> = {
  name: "conv2d.backward.input.blocked",
  bindings: () => INPUT_BINDINGS,
  tables: (config) => blockTables(config.geometry, "inputs", config.channelsPerInvocation),
  launch: inputLaunch,
  source: (config) => {
    const { channelsPerInvocation, pixelsPerInvocation } = config;
    positive("conv2d.backward.input.blocked", { channelsPerInvocation, pixelsPerInvocation });
    return sections(
      storageDeclarations(INPUT_BINDINGS),
      geometryConstants(config.geometry),
      u32Constants({
        CPI: channelsPerInvocation,
        PPI: pixelsPerInvocation,
        BLOCKS: Math.ceil(config.geometry.inChannels / channelsPerInvocation),
        SPAN: pixelsPerInvocation + config.geometry.kernelWidth - 1,
      }),
      entryPoint(inputLaunch(config).local, inputBody()),
    );
  },
};

export interface ConvFilterRowConfig {
  readonly geometry: Conv2dGeometry;
  readonly workgroupSize: number;
  /** Kernels with the same input maps computed together, sharing the input values; absent means 1. */
  readonly kernelsPerInvocation?: number;
}

/**
 * Groups of up to `size` kernels that read the same input maps (with one kernel per connection: the kernels of one
 * input map), as index tables: group i holds G_COUNT[i] kernels G_KERNEL[i size ..] (padded with its first) and
 * reads the input maps G_INPUT[G_INPUT_START[i] ..]. Per kernel: its output map, base and stride.
 */
export function kernelGroupTable(g: Conv2dGeometry, size: number): Record<string, Uint32Array> {
  const byInputs = new Map<string, number[]>();
  g.kernels.forEach((k, index) => {
    const key = k.inputs.join(",");
    const members = byInputs.get(key);
    if (members === undefined) byInputs.set(key, [index]);
    else members.push(index);
  });
  const count: number[] = [];
  const kernel: number[] = [];
  const inputStart = [0];
  const inputs: number[] = [];
  for (const members of byInputs.values()) {
    for (let first = 0; first < members.length; first += size) {
      const group = members.slice(first, first + size);
      count.push(group.length);
      for (let j = 0; j < size; j++) kernel.push(group[j] ?? group[0]);
      inputs.push(...g.kernels[group[0]].inputs);
      inputStart.push(inputs.length);
    }
  }
  return {
    G_COUNT: Uint32Array.from(count),
    G_KERNEL: Uint32Array.from(kernel),
    G_INPUT_START: Uint32Array.from(inputStart),
    G_INPUT: Uint32Array.from(inputs),
    K_OUTPUT: Uint32Array.from(g.kernels, (k) => k.output),
    K_BASE: Uint32Array.from(g.kernels, (k) => k.base),
    K_STRIDE: Uint32Array.from(g.kernels, (k) => k.stride),
  };
}

const FILTER_BINDINGS: readonly BindingSpec[] = [
  { name: "x", access: "read" },
  { name: "dy", access: "read" },
  { name: "grad", access: "read_write" },
  ...tableBindings(["G_COUNT", "G_KERNEL", "G_INPUT_START", "G_INPUT", "K_OUTPUT", "K_BASE", "K_STRIDE"]),
];

function groupCount(config: ConvFilterRowConfig): number {
  return kernelGroupTable(config.geometry, config.kernelsPerInvocation ?? 1).G_COUNT.length;
}

function filterLaunch(config: ConvFilterRowConfig): Launch {
  const g: Conv2dGeometry = config.geometry;
  return { global: [groupCount(config) * g.kernelHeight, 1, 1], local: [config.workgroupSize, 1, 1] };
}

function filterBody(): string {
  return [
    "let index = gid.x;",
    "if (index >= GROUPS * KH) { return; }",
    "let group = index / KH;",
    "let u = index % KH;",
    "var kernel: array<u32, KPI>;",
    "var outMap: array<u32, KPI>;",
    "for (var j = 0u; j < KPI; j++) {",
    "  kernel[j] = G_KERNEL[group * KPI + j];",
    "  outMap[j] = K_OUTPUT[kernel[j]];",
    "}",
    "var acc: array<f32, KPI * KW>;",
    "var xs: array<f32, KW>;",
    "for (var n = 0u; n < BATCH; n++) {",
    "  for (var e = G_INPUT_START[group]; e < G_INPUT_START[group + 1u]; e++) {",
    "    let xBase = (n * IN_C + G_INPUT[e]) * IN_H * IN_W;",
    "    for (var oy = 0u; oy < OUT_H; oy++) {",
    "      let iy = i32(oy * SH + u) - i32(PH);",
    "      if (iy < 0 || iy >= i32(IN_H)) { continue; }",
    "      let rowBase = xBase + u32(iy) * IN_W;",
    "      for (var ox = 0u; ox < OUT_W; ox++) {",
    "        let ix0 = i32(ox * SW) - i32(PW);",
    "        for (var v = 0u; v < KW; v++) {",
    "          let ix = ix0 + i32(v);",
    "          let value = x[rowBase + u32(clamp(ix, 0, i32(IN_W) - 1))];",
    "          xs[v] = select(0.0, value, ix >= 0 && ix < i32(IN_W));",
    "        }",
    "        for (var j = 0u; j < KPI; j++) {",
    "          let d = dy[((n * OUT_C + outMap[j]) * OUT_H + oy) * OUT_W + ox];",
    "          for (var v = 0u; v < KW; v++) { acc[j * KW + v] += d * xs[v]; }",
    "        }",
    "      }",
    "    }",
    "  }",
    "}",
    "for (var j = 0u; j < G_COUNT[group]; j++) {",
    "  let k = kernel[j];",
    "  for (var v = 0u; v < KW; v++) { grad[K_BASE[k] + (u + KH * v) * K_STRIDE[k]] = acc[j * KW + v]; }",
    "}",
  ].join("\n");
}

/**
 * dr/domega (eq. 79-80), one kernel row per invocation for `kernelsPerInvocation` kernels with the same input maps
 * (each input value serves the whole row of every kernel of the group); the bias part (eq. 81) is left to the
 * group sum.
 */
export const convFilterGradientRowProgram: Program<ConvFilterRowConfig> = {
  name: "conv2d.backward.filter.row",
  bindings: () => FILTER_BINDINGS,
  tables: (config) => kernelGroupTable(config.geometry, config.kernelsPerInvocation ?? 1),
  launch: filterLaunch,
  source: (config) => {
    const kernelsPerInvocation = config.kernelsPerInvocation ?? 1;
    positive("conv2d.backward.filter.row", { kernelsPerInvocation });
    return sections(
      storageDeclarations(FILTER_BINDINGS),
      geometryConstants(config.geometry),
      u32Constants({ KPI: kernelsPerInvocation, GROUPS: groupCount(config) }),
      entryPoint(filterLaunch(config).local, filterBody()),
    );
  },
};
