/**
 * Convolution forward (seed 004 eq. 60-62 with zero padding, seed 000), one output pixel per sum:
 *
 *   Z_o[x, y] = b_o + sum_{c in D_o} sum_{u < kh} sum_{v < kw} pad(Y_c)[s_h x + u, s_w y + v] omega_{oc}[u, v]
 *
 * Two programs: `direct` reads the input from storage (each invocation computes `outputsPerInvocation`
 * neighbouring pixels of one row), and `tiled` first stages the input patch its workgroup needs — the
 * workgroup's outputs plus the kernel's border — in workgroup memory (seed 004 section 10.1.2).
 * Bindings: x (input, NCHW), params (the layer's [vec(W); b]), y (output, NCHW), and the connection table.
 */
import { BindingSpec, Launch, Program } from "../program";
import { entryPoint, sections, storageDeclarations, u32Constants } from "../wgsl";
import { Conv2dGeometry, forwardTable, geometryConstants, tableBindings } from "./conv2dGeometry";

const BINDINGS: readonly BindingSpec[] = [
  { name: "x", access: "read" },
  { name: "params", access: "read" },
  { name: "y", access: "read_write" },
  ...tableBindings(["FWD_START", "FWD_INPUT", "FWD_BASE", "FWD_STRIDE"]),
];

export interface ConvDirectConfig {
  readonly geometry: Conv2dGeometry;
  readonly workgroupX: number;
  readonly workgroupY: number;
  readonly outputsPerInvocation: number;
}

export interface ConvTiledConfig {
  readonly geometry: Conv2dGeometry;
  readonly workgroupX: number;
  readonly workgroupY: number;
}

function directLaunch(config: ConvDirectConfig): Launch {
  const g = config.geometry;
  return {
    global: [Math.ceil(g.outWidth / config.outputsPerInvocation), g.outHeight, g.batch * g.outChannels],
    local: [config.workgroupX, config.workgroupY, 1],
  };
}

function directBody(): string {
  return [
    "let n = gid.z / OUT_C;",
    "let o = gid.z % OUT_C;",
    "let oy = gid.y;",
    "let ox0 = gid.x * OPI;",
    "if (oy >= OUT_H || n >= BATCH || ox0 >= OUT_W) { return; }",
    "var acc: array<f32, OPI>;",
    "for (var j = 0u; j < OPI; j++) { acc[j] = params[BIAS_OFFSET + o]; }",
    "for (var e = FWD_START[o]; e < FWD_START[o + 1u]; e++) {",
    "  let xBase = (n * IN_C + FWD_INPUT[e]) * IN_H * IN_W;",
    "  for (var u = 0u; u < KH; u++) {",
    "    let iy = i32(oy * SH + u) - i32(PH);",
    "    if (iy < 0 || iy >= i32(IN_H)) { continue; }",
    "    for (var v = 0u; v < KW; v++) {",
    "      let w = params[FWD_BASE[e] + (u + KH * v) * FWD_STRIDE[e]];",
    "      for (var j = 0u; j < OPI; j++) {",
    "        let ix = i32((ox0 + j) * SW + v) - i32(PW);",
    "        if (ix >= 0 && ix < i32(IN_W)) { acc[j] += w * x[xBase + u32(iy) * IN_W + u32(ix)]; }",
    "      }",
    "    }",
    "  }",
    "}",
    "let yBase = ((n * OUT_C + o) * OUT_H + oy) * OUT_W;",
    "for (var j = 0u; j < OPI; j++) {",
    "  if (ox0 + j < OUT_W) { y[yBase + ox0 + j] = acc[j]; }",
    "}",
  ].join("\n");
}

/** Direct convolution from storage; `outputsPerInvocation` pixels along a row per invocation. */
export const convForwardDirectProgram: Program<ConvDirectConfig> = {
  name: "conv2d.forward.direct",
  bindings: () => BINDINGS,
  tables: (config) => forwardTable(config.geometry),
  launch: directLaunch,
  source: (config) =>
    sections(
      storageDeclarations(BINDINGS),
      geometryConstants(config.geometry),
      u32Constants({ OPI: config.outputsPerInvocation }),
      entryPoint(directLaunch(config).local, directBody()),
    ),
};

/** Rows and columns of the input patch one workgroup reads: (S_l - 1) s + k (seed 004 sec. 10.1.2, R = k - 1). */
export function tileExtent(config: ConvTiledConfig): { height: number; width: number } {
  const g = config.geometry;
  return {
    height: (config.workgroupY - 1) * g.strideHeight + g.kernelHeight,
    width: (config.workgroupX - 1) * g.strideWidth + g.kernelWidth,
  };
}

/** Bytes of workgroup memory the tiled program declares. */
export function tiledWorkgroupBytes(config: ConvTiledConfig): number {
  const { height, width } = tileExtent(config);
  return height * width * 4;
}

function tiledLaunch(config: ConvTiledConfig): Launch {
  const g = config.geometry;
  return {
    global: [
      Math.ceil(g.outWidth / config.workgroupX) * config.workgroupX,
      Math.ceil(g.outHeight / config.workgroupY) * config.workgroupY,
      g.batch * g.outChannels,
    ],
    local: [config.workgroupX, config.workgroupY, 1],
  };
}

/** Barriers stay in uniform control flow: n, o and the loop bounds come from the workgroup id only. */
function tiledBody(): string {
  return [
    "let n = wid.z / OUT_C;",
    "let o = wid.z % OUT_C;",
    "let ox = gid.x;",
    "let oy = gid.y;",
    "let originY = i32(wid.y * WGY * SH) - i32(PH);",
    "let originX = i32(wid.x * WGX * SW) - i32(PW);",
    "let flat = lid.y * WGX + lid.x;",
    "var acc = params[BIAS_OFFSET + o];",
    "for (var e = FWD_START[o]; e < FWD_START[o + 1u]; e++) {",
    "  let xBase = (n * IN_C + FWD_INPUT[e]) * IN_H * IN_W;",
    "  for (var t = flat; t < TILE_H * TILE_W; t += WGX * WGY) {",
    "    let iy = originY + i32(t / TILE_W);",
    "    let ix = originX + i32(t % TILE_W);",
    "    var value = 0.0;",
    "    if (iy >= 0 && iy < i32(IN_H) && ix >= 0 && ix < i32(IN_W)) { value = x[xBase + u32(iy) * IN_W + u32(ix)]; }",
    "    tile[t] = value;",
    "  }",
    "  workgroupBarrier();",
    "  for (var u = 0u; u < KH; u++) {",
    "    for (var v = 0u; v < KW; v++) {",
    "      let w = params[FWD_BASE[e] + (u + KH * v) * FWD_STRIDE[e]];",
    "      acc += w * tile[(lid.y * SH + u) * TILE_W + lid.x * SW + v];",
    "    }",
    "  }",
    "  workgroupBarrier();",
    "}",
    "if (ox < OUT_W && oy < OUT_H) { y[((n * OUT_C + o) * OUT_H + oy) * OUT_W + ox] = acc; }",
  ].join("\n");
}

/** Convolution with the input patch of each workgroup staged in workgroup memory. */
export const convForwardTiledProgram: Program<ConvTiledConfig> = {
  name: "conv2d.forward.tiled",
  bindings: () => BINDINGS,
  tables: (config) => forwardTable(config.geometry),
  launch: tiledLaunch,
  source: (config) => {
    const { height, width } = tileExtent(config);
    return sections(
      storageDeclarations(BINDINGS),
      geometryConstants(config.geometry),
      u32Constants({ WGX: config.workgroupX, WGY: config.workgroupY, TILE_H: height, TILE_W: width }),
      "var<workgroup> tile: array<f32, TILE_H * TILE_W>;",
      entryPoint(tiledLaunch(config).local, tiledBody()),
    );
  },
};
