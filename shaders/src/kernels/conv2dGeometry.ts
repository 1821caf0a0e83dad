/**
 * The shape of a convolution layer as the shaders see it (seed 004 eq. 60-62, Table 5; seed 000 padding):
 * sizes, stride, padding, the connection table D_o and where each kernel omega_{oc} lives in the layer's
 * parameter vector. Parameters follow @deltalab/core's Conv2dLayer exactly: omega_{oc}[u, v] is at
 * base + (u + kh v) stride, and the bias b_o at weightCount + o, so the same parameter buffer serves both.
 */
import type { Conv2dLayer, ConvGeometry } from "@deltalab/core";
import { BindingSpec } from "../program";
import { u32Constants } from "../wgsl";

/** One distinct kernel: the output map it produces, where it lives, and the input maps it is applied to. */
export interface ConvKernelSlot {
  readonly output: number;
  readonly base: number;
  readonly stride: number;
  /** One input for a kernel per connection; all of D_o for a kernel shared by the map (Remark 2). */
  readonly inputs: readonly number[];
}

/** A core convolution's geometry (@deltalab/core matrix/geometry.ts) for a batch, with its kernels' places. */
export interface Conv2dGeometry extends ConvGeometry {
  readonly batch: number;
  /** Kernels sorted by output map. */
  readonly kernels: readonly ConvKernelSlot[];
  /** Offset of the biases in the parameter vector. */
  readonly weightCount: number;
}

/** What the shaders read of @deltalab/core's Conv2dLayer: its geometry and where its kernels are. */
export type ConvLayerLike = Pick<
  Conv2dLayer,
  "geometry" | "sharing" | "connections" | "weightCount" | "weightIndex"
>;

/** The geometry of a core convolution layer for a batch of `batch` samples. */
export function conv2dGeometry(layer: ConvLayerLike, batch: number): Conv2dGeometry {
  if (!Number.isInteger(batch) || batch < 1)
    throw new Error(`batch must be a positive integer, got ${batch}`);
  const kh = layer.geometry.kernelHeight;
  const kw = layer.geometry.kernelWidth;
  const strideOf = (o: number, c: number, base: number): number => {
    if (kh > 1) return layer.weightIndex(o, c, 1, 0) - base;
    if (kw > 1) return layer.weightIndex(o, c, 0, 1) - base;
    return 1;
  };
  const kernels: ConvKernelSlot[] = [];
  layer.connections.forEach((inputs, o) => {
    if (layer.sharing === "map") {
      const base = layer.weightIndex(o, inputs[0], 0, 0);
      kernels.push({ output: o, base, stride: strideOf(o, inputs[0], base), inputs: [...inputs] });
      return;
    }
    for (const c of inputs) {
      const base = layer.weightIndex(o, c, 0, 0);
      kernels.push({ output: o, base, stride: strideOf(o, c, base), inputs: [c] });
    }
  });
  return { ...layer.geometry, batch, kernels, weightCount: layer.weightCount };
}

/** Sizes and strides as WGSL constants. */
export function geometryConstants(g: Conv2dGeometry): string {
  return u32Constants({
    BATCH: g.batch,
    IN_C: g.inChannels,
    IN_H: g.height,
    IN_W: g.width,
    OUT_C: g.outChannels,
    OUT_H: g.outHeight,
    OUT_W: g.outWidth,
    KH: g.kernelHeight,
    KW: g.kernelWidth,
    SH: g.strideHeight,
    SW: g.strideWidth,
    PH: g.padHeight,
    PW: g.padWidth,
    BIAS_OFFSET: g.weightCount,
    KERNELS: g.kernels.length,
  });
}

/** Storage declarations for the named index tables (read-only u32 arrays). */
export function tableBindings(names: readonly string[]): BindingSpec[] {
  return names.map((name) => ({ name, access: "read", element: "u32" }));
}

/**
 * The connection table D_o as index tables, in the order of the forward sum of eq. 60: for output map o,
 * entries FWD_START[o] .. FWD_START[o + 1] - 1 give an input map FWD_INPUT and its kernel FWD_BASE, FWD_STRIDE.
 */
export function forwardTable(g: Conv2dGeometry): Record<string, Uint32Array> {
  const start = [0];
  const input: number[] = [];
  const base: number[] = [];
  const stride: number[] = [];
  for (let o = 0; o < g.outChannels; o++) {
    for (const k of g.kernels.filter((slot) => slot.output === o)) {
      for (const c of k.inputs) {
        input.push(c);
        base.push(k.base);
        stride.push(k.stride);
      }
    }
    start.push(input.length);
  }
  return {
    FWD_START: Uint32Array.from(start),
    FWD_INPUT: Uint32Array.from(input),
    FWD_BASE: Uint32Array.from(base),
    FWD_STRIDE: Uint32Array.from(stride),
  };
}

/**
 * The reverse table C_c (eq. 74: the output maps fed by input map c): entries REV_START[c] .. REV_START[c + 1] - 1
 * give an output map REV_OUTPUT and the kernel REV_BASE, REV_STRIDE of that connection.
 */
export function reverseTable(g: Conv2dGeometry): Record<string, Uint32Array> {
  const start = [0];
  const output: number[] = [];
  const base: number[] = [];
  const stride: number[] = [];
  for (let c = 0; c < g.inChannels; c++) {
    for (const k of g.kernels) {
      if (!k.inputs.includes(c)) continue;
      output.push(k.output);
      base.push(k.base);
      stride.push(k.stride);
    }
    start.push(output.length);
  }
  return {
    REV_START: Uint32Array.from(start),
    REV_OUTPUT: Uint32Array.from(output),
    REV_BASE: Uint32Array.from(base),
    REV_STRIDE: Uint32Array.from(stride),
  };
}

/** The distinct kernels (eq. 79 per connection, eq. 80 per shared kernel) with their input lists. */
export function kernelTable(g: Conv2dGeometry): Record<string, Uint32Array> {
  const inputStart = [0];
  const inputs: number[] = [];
  for (const k of g.kernels) {
    inputs.push(...k.inputs);
    inputStart.push(inputs.length);
  }
  return {
    K_OUTPUT: Uint32Array.from(g.kernels, (k) => k.output),
    K_BASE: Uint32Array.from(g.kernels, (k) => k.base),
    K_STRIDE: Uint32Array.from(g.kernels, (k) => k.stride),
    K_INPUT_START: Uint32Array.from(inputStart),
    K_INPUT: Uint32Array.from(inputs),
  };
}

/** The number of multiply-adds of one forward pass: batch x sum_o |D_o| x outH x outW x kh x kw. */
export function forwardMultiplyAdds(g: Conv2dGeometry): number {
  const connections = g.kernels.reduce((sum, k) => sum + k.inputs.length, 0);
  return g.batch * connections * g.outHeight * g.outWidth * g.kernelHeight * g.kernelWidth;
}
