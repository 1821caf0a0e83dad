/**
 * The layer contract, after seed 004 section 3: a layer computes Y = phi(Z(Y_prev, Omega)) (eq. 1) and, in one
 * backward call, both the delta for the layer below (eq. 7) and the gradient of its parameters (eq. 8), in the shape
 * of llm.c's `matmul_backward(dinp, dweight, dbias, dout, inp, weight)`.
 *
 * Layers keep no state between calls that could change a result: everything a backward call needs is its input x
 * and output y from the forward call (the lowered convolution keeps only scratch buffers), so one layer object
 * serves any batch size. Arrays hold `batch` samples back to back in the
 * NCHW layout of tensor.ts; they may be longer than needed (buffers preallocated for a larger batch).
 *
 * Deltas. Our deltas are derivatives of the loss with respect to a layer's output (dr/dY) and input (dr/dY_prev).
 * The document's delta (eq. 6-7) is taken with respect to the combinator output Z, after multiplying by phi'(Z).
 * Here an activation is a layer of its own, so the document's delta is what an activation layer hands down.
 */
import { formatShape, shapeSize, type FloatArray, type Shape } from "../tensor";
import type { SeededRandom } from "../data/random";

/** A named slice of a layer's parameters, e.g. "W" (the document's vec(W)) or "b". */
export interface ParameterGroup {
  readonly name: string;
  /** Offset in the layer's parameter slice. */
  readonly offset: number;
  readonly length: number;
}

export interface Layer {
  /** The layer type, e.g. "conv2d". */
  readonly kind: string;
  /** A name unique in its model, e.g. "C1"; used in every error message. */
  readonly name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly inputSize: number;
  readonly outputSize: number;
  /** The length of the layer's slice of theta: [vec(W); b] in the document's order (seed 001). */
  readonly parameterCount: number;
  readonly parameterGroups: readonly ParameterGroup[];

  /** y = layer(x) for samples 0..batch-1. `params` is this layer's slice of the parameters. */
  forward(params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void;

  /**
   * Given dy = dr/dy, writes dx = dr/dx (skipped when `dx` is null, for the first layer) and overwrites `grad`
   * (this layer's slice of the gradient) with dr/dtheta summed over the batch. x and y are the forward call's.
   */
  backward(
    params: FloatArray,
    x: FloatArray,
    y: FloatArray,
    dy: FloatArray,
    dx: FloatArray | null,
    grad: FloatArray,
    batch: number,
  ): void;

  /**
   * Forward mode (the R-operator): the directional derivative of y along a direction (dParams, dx) of parameters and
   * input; `dx` null means the input does not move. Writes `dyOut`. Used for Jacobian-vector products.
   */
  forwardTangent(
    params: FloatArray,
    x: FloatArray,
    y: FloatArray,
    dParams: FloatArray,
    dx: FloatArray | null,
    dyOut: FloatArray,
    batch: number,
  ): void;

  /** Draws initial parameters into `params` (this layer's slice). */
  initialize(params: FloatArray, random: SeededRandom): void;
}

/** A configuration that cannot work (caught when a model is built, never in the middle of training). */
export class LayerConfigError extends Error {
  constructor(layerName: string, message: string) {
    super(`layer '${layerName}': ${message}`);
    this.name = "LayerConfigError";
  }
}

/** Data whose shape does not match what a layer or model expects. */
export class ShapeMismatchError extends Error {
  constructor(where: string, expected: string, actual: string) {
    super(`${where}: expected ${expected}, got ${actual}`);
    this.name = "ShapeMismatchError";
  }
}

/** Checks that a positive integer option is one, naming the layer and the option. */
export function requirePositiveInteger(layerName: string, option: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new LayerConfigError(layerName, `${option} must be a positive integer, got ${value}`);
  }
}

/** Checks that a non-negative integer option is one. */
export function requireNonNegativeInteger(layerName: string, option: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new LayerConfigError(layerName, `${option} must be a non-negative integer, got ${value}`);
  }
}

/** A number or a [height, width] pair, as layer options accept for kernel sizes, strides and padding. */
export type Pair = number | readonly [number, number];

export function pair(value: Pair): [number, number] {
  return typeof value === "number" ? [value, value] : [value[0], value[1]];
}

/** Uniform draws in [-limit, limit]. */
export function fillUniform(
  array: FloatArray,
  offset: number,
  length: number,
  limit: number,
  random: SeededRandom,
) {
  for (let i = offset; i < offset + length; i++) array[i] = (2 * random.next() - 1) * limit;
}

/**
 * Checks that `array` holds `batch` samples of `shape` (it may be longer, as preallocated buffers are), naming the
 * layer, the argument and both sizes.
 */
export function requireBatch(
  layer: { readonly name: string },
  argument: string,
  array: ArrayLike<number>,
  batch: number,
  shape: Shape,
): void {
  const needed = batch * shapeSize(shape);
  if (array.length < needed) {
    throw new ShapeMismatchError(
      `layer '${layer.name}': ${argument}`,
      `${batch} samples of shape ${formatShape(shape)} (${needed} values)`,
      `${array.length} values`,
    );
  }
}
