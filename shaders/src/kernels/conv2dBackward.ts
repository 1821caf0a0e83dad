/**
 * Convolution backward (seed 004 eq. 74, 79-81).
 *
 * Input delta (eq. 74, before the phi' factor, which belongs to the activation):
 *   dY_c[y, x] = sum_{o in C_c} (delta~_o star omega~_{oc})(y, x)
 * where delta~_o is the delta zero-padded by kh - 1, kw - 1 (and, for stride s, dilated with s - 1 zeros between
 * entries, Remark 5) and omega~ = rot180(omega). The program evaluates that correlation as a gather: with the
 * rotation undone, the term for kernel entry (u, v) reads delta_o at ((y + p_h - u) / s_h, (x + p_w - v) / s_w)
 * and is zero where the dilated, padded delta~ is zero — a non-integer or out-of-range position.
 *
 * Filter gradient (eq. 79; eq. 80 when one kernel serves all connections of a map):
 *   dr/domega[u, v] = sum_n sum_{c in inputs} sum_{x, y} delta_o[x, y] pad(Y_c)[s_h x + u, s_w y + v]
 * Bias gradient (eq. 81): the sum of delta_o, computed by the group-sum program.
 */
import { BindingSpec, Launch, Program } from "../program";
import { entryPoint, sections, storageDeclarations } from "../wgsl";
import {
  Conv2dGeometry,
  geometryConstants,
  kernelTable,
  reverseTable,
  tableBindings,
} from "./conv2dGeometry";

export interface ConvBackwardConfig {
  readonly geometry: Conv2dGeometry;
  readonly workgroupSize: number;
}

const INPUT_BINDINGS: readonly BindingSpec[] = [
  { name: "dy", access: "read" },
  { name: "params", access: "read" },
  { name: "dx", access: "read_write" },
  ...tableBindings(["REV_START", "REV_OUTPUT", "REV_BASE", "REV_STRIDE"]),
];

function inputLaunch(config: ConvBackwardConfig): Launch {
  const g = config.geometry;
  return {
    global: [g.batch * g.inChannels * g.height * g.width, 1, 1],
    local: [config.workgroupSize, 1, 1],
  };
}

function inputBody(): string {
  return [
    "let index = gid.x;",
    "if (index >= BATCH * IN_C * IN_H * IN_W) { return; }",
    "let ix = index % IN_W;",
    "let iy = (index / IN_W) % IN_H;",
    "let c = (index / (IN_W * IN_H)) % IN_C;",
    "let n = index / (IN_W * IN_H * IN_C);",
    "var sum = 0.0;",
    "for (var e = REV_START[c]; e < REV_START[c + 1u]; e++) {",
    "  let dyBase = (n * OUT_C + REV_OUTPUT[e]) * OUT_H * OUT_W;",
    "  for (var u = 0u; u < KH; u++) {",
    "    let sy = i32(iy + PH) - i32(u);",
    "    if (sy < 0 || u32(sy) % SH != 0u || u32(sy) / SH >= OUT_H) { continue; }",
    "    for (var v = 0u; v < KW; v++) {",
    "      let sx = i32(ix + PW) - i32(v);",
    "      if (sx < 0 || u32(sx) % SW != 0u || u32(sx) / SW >= OUT_W) { continue; }",
    "      let w = params[REV_BASE[e] + (u + KH * v) * REV_STRIDE[e]];",
    "      sum += w * dy[dyBase + (u32(sy) / SH) * OUT_W + u32(sx) / SW];",
    "    }",
    "  }",
    "}",
    "dx[index] = sum;",
  ].join("\n");
}

/** dX = the padded delta correlated with the rotated kernels (eq. 74), one invocation per input element. */
export const convInputDeltaProgram: Program<ConvBackwardConfig> = {
  name: "conv2d.backward.input",
  bindings: () => INPUT_BINDINGS,
  tables: (config) => reverseTable(config.geometry),
  launch: inputLaunch,
  source: (config) =>
    sections(
      storageDeclarations(INPUT_BINDINGS),
      geometryConstants(config.geometry),
      entryPoint(inputLaunch(config).local, inputBody()),
    ),
};

const FILTER_BINDINGS: readonly BindingSpec[] = [
  { name: "x", access: "read" },
  { name: "dy", access: "read" },
  { name: "grad", access: "read_write" },
  ...tableBindings(["K_OUTPUT", "K_BASE", "K_STRIDE", "K_INPUT_START", "K_INPUT"]),
];

function filterLaunch(config: ConvBackwardConfig): Launch {
  const g = config.geometry;
  return {
    global: [g.kernels.length * g.kernelHeight * g.kernelWidth, 1, 1],
    local: [config.workgroupSize, 1, 1],
  };
}

function filterBody(): string {
  return [
    "let index = gid.x;",
    "if (index >= KERNELS * KH * KW) { return; }",
    "let k = index / (KH * KW);",
    "let u = (index % (KH * KW)) % KH;",
    "let v = (index % (KH * KW)) / KH;",
    "let o = K_OUTPUT[k];",
    "var sum = 0.0;",
    "for (var n = 0u; n < BATCH; n++) {",
    "  let dyBase = (n * OUT_C + o) * OUT_H * OUT_W;",
    "  for (var e = K_INPUT_START[k]; e < K_INPUT_START[k + 1u]; e++) {",
    "    let xBase = (n * IN_C + K_INPUT[e]) * IN_H * IN_W;",
    "    for (var oy = 0u; oy < OUT_H; oy++) {",
    "      let iy = i32(oy * SH + u) - i32(PH);",
    "      if (iy < 0 || iy >= i32(IN_H)) { continue; }",
    "      for (var ox = 0u; ox < OUT_W; ox++) {",
    "        let ix = i32(ox * SW + v) - i32(PW);",
    "        if (ix >= 0 && ix < i32(IN_W)) { sum += dy[dyBase + oy * OUT_W + ox] * x[xBase + u32(iy) * IN_W + u32(ix)]; }",
    "      }",
    "    }",
    "  }",
    "}",
    "grad[K_BASE[k] + (u + KH * v) * K_STRIDE[k]] = sum;",
  ].join("\n");
}

/**
 * dr/domega for every distinct kernel (eq. 79-80), one invocation per kernel entry, written into the layer's
 * gradient slice at the same positions as the parameters. The bias part (eq. 81) is left to the group sum.
 */
export const convFilterGradientProgram: Program<ConvBackwardConfig> = {
  name: "conv2d.backward.filter",
  bindings: () => FILTER_BINDINGS,
  tables: (config) => kernelTable(config.geometry),
  launch: filterLaunch,
  source: (config) =>
    sections(
      storageDeclarations(FILTER_BINDINGS),
      geometryConstants(config.geometry),
      entryPoint(filterLaunch(config).local, filterBody()),
    ),
};
