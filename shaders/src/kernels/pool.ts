/**
 * Pooling and sub-sampling (seed 004 section 3.4), one output per invocation forward and one input element per
 * invocation backward (a gather over the windows that cover it, so overlapping windows need no atomics):
 *
 * - max: y = the window's maximum (eq. 98); the delta goes to the first maximum in scan order (eq. 100 with
 *   @deltalab/core's tie rule);
 * - average: y = the window's mean; every entry receives dy / (K_u K_v);
 * - weighted: LeCun's sub-sampling y = alpha_c (window sum) + b_c (eq. 87, Table 6), backward alpha_c dy (eq. 93),
 *   dr/dalpha_c = sum dy (window sum) and dr/db_c = sum dy (eq. 95-97);
 * - subsample: vanilla sub-sampling y = Y[x K_u, y K_v] (Table 8), a 1 x 1 window with stride K.
 *
 * Windows of K_h x K_w every s_h, s_w; output floor((a - K) / s) + 1 (rows left at the far edge are not read).
 */
import type { PoolGeometry } from "@deltalab/core";
import { BindingSpec, Launch, Program } from "../program";
import { entryPoint, f32, sections, storageDeclarations, u32Constants } from "../wgsl";

export type PoolKind = "max" | "average" | "weighted" | "subsample";

/** Core's window geometry (one statement of it, @deltalab/core matrix/geometry.ts) for a batch of one kind. */
export interface PoolGeometryConfig extends PoolGeometry {
  readonly kind: PoolKind;
  readonly batch: number;
}

export interface PoolConfig extends PoolGeometryConfig {
  readonly workgroupSize: number;
}

function constants(c: PoolConfig): string {
  return u32Constants({
    BATCH: c.batch,
    CH: c.channels,
    IN_H: c.height,
    IN_W: c.width,
    KH: c.kernelHeight,
    KW: c.kernelWidth,
    SH: c.strideHeight,
    SW: c.strideWidth,
    OUT_H: c.outHeight,
    OUT_W: c.outWidth,
  });
}

/** Scan-order window helpers shared by forward and backward. */
const WINDOW_FUNCTIONS = [
  "fn windowSum(inBase: u32, oy: u32, ox: u32) -> f32 {",
  "  var sum = 0.0;",
  "  for (var u = 0u; u < KH; u++) {",
  "    for (var v = 0u; v < KW; v++) { sum += x[inBase + (oy * SH + u) * IN_W + ox * SW + v]; }",
  "  }",
  "  return sum;",
  "}",
  "fn windowArgmax(inBase: u32, oy: u32, ox: u32) -> u32 {",
  "  var best = inBase + oy * SH * IN_W + ox * SW;",
  "  var bestValue = x[best];",
  "  for (var u = 0u; u < KH; u++) {",
  "    for (var v = 0u; v < KW; v++) {",
  "      let index = inBase + (oy * SH + u) * IN_W + ox * SW + v;",
  "      if (x[index] > bestValue) { bestValue = x[index]; best = index; }",
  "    }",
  "  }",
  "  return best;",
  "}",
].join("\n");

function forwardBindings(c: PoolConfig): BindingSpec[] {
  const list: BindingSpec[] = [{ name: "x", access: "read" }];
  if (c.kind === "weighted") list.push({ name: "params", access: "read" });
  list.push({ name: "y", access: "read_write" });
  return list;
}

function forwardValue(c: PoolConfig): string {
  switch (c.kind) {
    case "max":
      return "x[windowArgmax(inBase, oy, ox)]";
    case "average":
      return `windowSum(inBase, oy, ox) * ${f32(1 / (c.kernelHeight * c.kernelWidth))}`;
    case "weighted":
      return "params[ch] * windowSum(inBase, oy, ox) + params[CH + ch]";
    case "subsample":
      return "x[inBase + oy * SH * IN_W + ox * SW]";
  }
}

function forwardLaunch(c: PoolConfig): Launch {
  return { global: [c.batch * c.channels * c.outHeight * c.outWidth, 1, 1], local: [c.workgroupSize, 1, 1] };
}

export const poolForwardProgram: Program<PoolConfig> = {
  name: "pool.forward",
  bindings: forwardBindings,
  launch: forwardLaunch,
  source: (c) => {
    const body = [
      "let index = gid.x;",
      "if (index >= BATCH * CH * OUT_H * OUT_W) { return; }",
      "let ox = index % OUT_W;",
      "let oy = (index / OUT_W) % OUT_H;",
      "let plane = index / (OUT_W * OUT_H);",
      "let ch = plane % CH;",
      "let inBase = plane * IN_H * IN_W;",
      `y[index] = ${forwardValue(c)};`,
    ].join("\n");
    return sections(
      storageDeclarations(forwardBindings(c)),
      constants(c),
      WINDOW_FUNCTIONS,
      entryPoint(forwardLaunch(c).local, body),
    );
  },
};

function backwardBindings(c: PoolConfig): BindingSpec[] {
  const list: BindingSpec[] = [];
  if (c.kind === "max") list.push({ name: "x", access: "read" });
  if (c.kind === "weighted") list.push({ name: "params", access: "read" });
  list.push({ name: "dy", access: "read" }, { name: "dx", access: "read_write" });
  return list;
}

/** The contribution of window (oy, ox) to dx[index]. */
function backwardTerm(c: PoolConfig): string {
  switch (c.kind) {
    case "max":
      return "select(0.0, d, windowArgmax(inBase, oy, ox) == index)";
    case "average":
      return `d * ${f32(1 / (c.kernelHeight * c.kernelWidth))}`;
    case "weighted":
      return "params[ch] * d";
    case "subsample":
      return "d";
  }
}

function backwardLaunch(c: PoolConfig): Launch {
  return { global: [c.batch * c.channels * c.height * c.width, 1, 1], local: [c.workgroupSize, 1, 1] };
}

/** x is declared only for max pooling; the window helpers read it, so they are emitted only then. */
export const poolBackwardProgram: Program<PoolConfig> = {
  name: "pool.backward",
  bindings: backwardBindings,
  launch: backwardLaunch,
  source: (c) => {
    const body = [
      "let index = gid.x;",
      "if (index >= BATCH * CH * IN_H * IN_W) { return; }",
      "let ix = index % IN_W;",
      "let iy = (index / IN_W) % IN_H;",
      "let plane = index / (IN_W * IN_H);",
      "let ch = plane % CH;",
      "let inBase = plane * IN_H * IN_W;",
      "let outBase = plane * OUT_H * OUT_W;",
      "// Windows covering row iy: oy * SH <= iy < oy * SH + KH.",
      "let oyLo = select(0u, (iy + 1u - KH + SH - 1u) / SH, iy + 1u > KH);",
      "let oyHi = min(OUT_H, iy / SH + 1u);",
      "let oxLo = select(0u, (ix + 1u - KW + SW - 1u) / SW, ix + 1u > KW);",
      "let oxHi = min(OUT_W, ix / SW + 1u);",
      "var sum = 0.0;",
      "for (var oy = oyLo; oy < oyHi; oy++) {",
      "  for (var ox = oxLo; ox < oxHi; ox++) {",
      "    let d = dy[outBase + oy * OUT_W + ox];",
      `    sum += ${backwardTerm(c)};`,
      "  }",
      "}",
      "dx[index] = sum;",
    ].join("\n");
    return sections(
      storageDeclarations(backwardBindings(c)),
      constants(c),
      c.kind === "max" ? WINDOW_FUNCTIONS : "",
      entryPoint(backwardLaunch(c).local, body),
    );
  },
};

const PARAM_BINDINGS: readonly BindingSpec[] = [
  { name: "x", access: "read" },
  { name: "dy", access: "read" },
  { name: "grad", access: "read_write" },
];

function paramLaunch(c: PoolConfig): Launch {
  return { global: [c.channels, 1, 1], local: [c.workgroupSize, 1, 1] };
}

/** Weighted sub-sampling's gradient [dr/dalpha; dr/db] (eq. 95-97), one invocation per map. */
export const weightedSubsampleGradientProgram: Program<PoolConfig> = {
  name: "pool.weighted.gradient",
  bindings: () => PARAM_BINDINGS,
  launch: paramLaunch,
  source: (c) => {
    const body = [
      "let ch = gid.x;",
      "if (ch >= CH) { return; }",
      "var alphaSum = 0.0;",
      "var biasSum = 0.0;",
      "for (var n = 0u; n < BATCH; n++) {",
      "  let plane = n * CH + ch;",
      "  for (var oy = 0u; oy < OUT_H; oy++) {",
      "    for (var ox = 0u; ox < OUT_W; ox++) {",
      "      let d = dy[(plane * OUT_H + oy) * OUT_W + ox];",
      "      alphaSum += d * windowSum(plane * IN_H * IN_W, oy, ox);",
      "      biasSum += d;",
      "    }",
      "  }",
      "}",
      "grad[ch] = alphaSum;",
      "grad[CH + ch] = biasSum;",
    ].join("\n");
    return sections(
      storageDeclarations(PARAM_BINDINGS),
      constants(c),
      WINDOW_FUNCTIONS,
      entryPoint(paramLaunch(c).local, body),
    );
  },
};
