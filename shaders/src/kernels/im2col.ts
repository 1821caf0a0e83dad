/**
 * The matrix form of convolution (seed 001; seed 000): per sample, Z = W phi(pad(Y)) + b 1^T, where phi(pad(Y))
 * (im2col) has one row per (input map c, kernel row u, kernel column v) and one column per output pixel, and W is
 * d_out x (d_in kh kw) with zeros where the connection table has no connection. Both matrices are built on the
 * device; the product is the batched GEMM. Rows are ordered (c, u, v) with v fastest, columns (y, x) with x fastest,
 * so the GEMM writes NCHW directly.
 */
import { BindingSpec, Launch, Program } from "../program";
import { entryPoint, sections, storageDeclarations } from "../wgsl";
import { Conv2dGeometry, geometryConstants, tableBindings } from "./conv2dGeometry";

export interface Im2colConfig {
  readonly geometry: Conv2dGeometry;
  readonly workgroupSize: number;
}

/** d_in kh kw, the rows of phi(pad(Y)) and the columns of the expanded weight matrix. */
export function im2colRows(g: Conv2dGeometry): number {
  return g.inChannels * g.kernelHeight * g.kernelWidth;
}

const IM2COL_BINDINGS: readonly BindingSpec[] = [
  { name: "x", access: "read" },
  { name: "columns", access: "read_write" },
];

function im2colLaunch(config: Im2colConfig): Launch {
  const g = config.geometry;
  const size = g.batch * im2colRows(g) * g.outHeight * g.outWidth;
  return { global: [size, 1, 1], local: [config.workgroupSize, 1, 1] };
}

/** columns[n][(c, u, v)][(y, x)] = pad(Y_c)[s_h y + u, s_w x + v] for sample n. */
export const im2colProgram: Program<Im2colConfig> = {
  name: "conv2d.im2col",
  bindings: () => IM2COL_BINDINGS,
  launch: im2colLaunch,
  source: (config) => {
    const body = [
      "let index = gid.x;",
      "if (index >= BATCH * IN_C * KH * KW * OUT_H * OUT_W) { return; }",
      "let pixel = index % (OUT_H * OUT_W);",
      "let row = (index / (OUT_H * OUT_W)) % (IN_C * KH * KW);",
      "let n = index / (OUT_H * OUT_W * IN_C * KH * KW);",
      "let v = row % KW;",
      "let u = (row / KW) % KH;",
      "let c = row / (KW * KH);",
      "let iy = i32((pixel / OUT_W) * SH + u) - i32(PH);",
      "let ix = i32((pixel % OUT_W) * SW + v) - i32(PW);",
      "var value = 0.0;",
      "if (iy >= 0 && iy < i32(IN_H) && ix >= 0 && ix < i32(IN_W)) {",
      "  value = x[((n * IN_C + c) * IN_H + u32(iy)) * IN_W + u32(ix)];",
      "}",
      "columns[index] = value;",
    ].join("\n");
    return sections(
      storageDeclarations(IM2COL_BINDINGS),
      geometryConstants(config.geometry),
      entryPoint(im2colLaunch(config).local, body),
    );
  },
};

const EXPAND_BINDINGS: readonly BindingSpec[] = [
  { name: "params", access: "read" },
  { name: "dense", access: "read_write" },
  ...tableBindings(["PAIR_ON", "PAIR_BASE", "PAIR_STRIDE"]),
];

function expandLaunch(config: Im2colConfig): Launch {
  const g = config.geometry;
  return { global: [g.outChannels * im2colRows(g), 1, 1], local: [config.workgroupSize, 1, 1] };
}

/** For each (o, c): PAIR_ON = 1 when c is in D_o, with the kernel's base and stride in the parameters. */
function pairTable(g: Conv2dGeometry): Record<string, Uint32Array> {
  const on = new Array<number>(g.outChannels * g.inChannels).fill(0);
  const base = on.slice();
  const stride = on.slice();
  for (const k of g.kernels) {
    for (const c of k.inputs) {
      const pair = k.output * g.inChannels + c;
      on[pair] = 1;
      base[pair] = k.base;
      stride[pair] = k.stride;
    }
  }
  return {
    PAIR_ON: Uint32Array.from(on),
    PAIR_BASE: Uint32Array.from(base),
    PAIR_STRIDE: Uint32Array.from(stride),
  };
}

/** dense[o][(c, u, v)] = omega_{oc}[u, v] for c in D_o, else 0: the weight matrix of the matrix form. */
export const expandWeightsProgram: Program<Im2colConfig> = {
  name: "conv2d.expandWeights",
  bindings: () => EXPAND_BINDINGS,
  tables: (config) => pairTable(config.geometry),
  launch: expandLaunch,
  source: (config) => {
    const body = [
      "let index = gid.x;",
      "if (index >= OUT_C * IN_C * KH * KW) { return; }",
      "let row = index % (IN_C * KH * KW);",
      "let o = index / (IN_C * KH * KW);",
      "let v = row % KW;",
      "let u = (row / KW) % KH;",
      "let c = row / (KW * KH);",
      "let pair = o * IN_C + c;",
      "var value = 0.0;",
      "if (PAIR_ON[pair] == 1u) { value = params[PAIR_BASE[pair] + (u + KH * v) * PAIR_STRIDE[pair]]; }",
      "dense[index] = value;",
    ].join("\n");
    return sections(
      storageDeclarations(EXPAND_BINDINGS),
      geometryConstants(config.geometry),
      entryPoint(expandLaunch(config).local, body),
    );
  },
};
