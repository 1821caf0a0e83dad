/** Argument checks and sizes shared by the WebAssembly backend's operations. */
import type { ConvGeometry } from "../../matrix/geometry";

/** The activations with WebAssembly kernels. */
export type WasmActivation = "relu" | "leaky-relu" | "tanh" | "lecun-tanh";

const ACTIVATION_CODES: Record<WasmActivation, number> = {
  relu: 0,
  "leaky-relu": 1,
  tanh: 2,
  "lecun-tanh": 3,
};

export function isWasmActivation(name: string): name is WasmActivation {
  return Object.prototype.hasOwnProperty.call(ACTIVATION_CODES, name);
}

export function activationCode(kind: WasmActivation): number {
  if (!isWasmActivation(kind)) {
    throw new RangeError(
      `no WebAssembly kernel for the activation '${String(kind)}'; expected ${Object.keys(ACTIVATION_CODES).join(", ")}`,
    );
  }
  return ACTIVATION_CODES[kind];
}

export function requireBatchSize(where: string, batch: number): void {
  if (!Number.isInteger(batch) || batch < 1) {
    throw new RangeError(`${where}: batch must be a positive integer, got ${batch}`);
  }
}

export function convSizes(g: ConvGeometry, batch: number) {
  return {
    input: batch * g.inChannels * g.height * g.width,
    output: batch * g.outChannels * g.outHeight * g.outWidth,
    weights: g.patchSize * g.outChannels,
  };
}

export function stored(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

export function checkLeading(where: string, name: string, ld: number, cols: number): void {
  if (!Number.isInteger(ld) || ld < Math.max(1, cols)) {
    throw new RangeError(`${where}: ${name} must be an integer >= ${Math.max(1, cols)}, got ${ld}`);
  }
}

export function requireOutput(where: string, name: string, array: Float32Array, length: number): void {
  if (!(array instanceof Float32Array) || array.length < length) {
    throw new RangeError(`${where}: ${name} must be a Float32Array of at least ${length} values`);
  }
}
