/**
 * Flatten: [C, H, W] -> [C H W].
 *
 * order "engine" (default): our NCHW order, element (c, h, w) at (c H + h) W + w; the data does not move.
 * order "document": vec(Z) of seed 000 ("z^{m,i} = vec(Z^{m,i})" for the first fully connected layer), with
 * Z in R^{d x ab} as in seed 001: element (c, h, w) at c + C (h + H w). With it, the weights of a dense layer
 * after the flatten are the document's W^m exactly, so theta matches the document's theta entry for entry.
 *
 * The layer copies with plain loops (no `subarray`), so a training step creates no view objects.
 */
import type { FloatArray, Shape } from "../tensor";
import { shapeSize } from "../tensor";
import { LayerConfigError, requireBatch, type Layer, type ParameterGroup } from "./layer";

export type FlattenOrder = "engine" | "document";

export interface FlattenAttrs {
  readonly order?: FlattenOrder;
}

export class FlattenLayer implements Layer {
  readonly kind = "flatten";
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount = 0;
  readonly parameterGroups: readonly ParameterGroup[] = [];
  readonly order: FlattenOrder;
  /** For the document order: permutation[i] = output index of input index i, within one sample. */
  private readonly permutation: Int32Array | undefined;

  constructor(
    readonly name: string,
    inputShape: Shape,
    attrs: FlattenAttrs = {},
  ) {
    this.inputShape = [...inputShape];
    this.inputSize = shapeSize(inputShape);
    this.outputSize = this.inputSize;
    this.outputShape = [this.inputSize];
    this.order = attrs.order ?? "engine";
    if (this.order !== "engine" && this.order !== "document") {
      throw new LayerConfigError(name, `order must be "engine" or "document", got '${String(this.order)}'`);
    }
    if (this.order === "document" && inputShape.length === 3) {
      const [C, H, W] = inputShape;
      this.permutation = new Int32Array(this.inputSize);
      for (let c = 0; c < C; c++) {
        for (let h = 0; h < H; h++) {
          for (let w = 0; w < W; w++) this.permutation[(c * H + h) * W + w] = c + C * (h + H * w);
        }
      }
    }
  }

  /** to = flatten(from) (forward) or its inverse (backward). */
  private move(from: FloatArray, to: FloatArray, batch: number, inverse: boolean): void {
    const size = this.inputSize;
    const permutation = this.permutation;
    if (!permutation) {
      for (let i = 0; i < batch * size; i++) to[i] = from[i];
      return;
    }
    for (let n = 0; n < batch; n++) {
      const base = n * size;
      for (let i = 0; i < size; i++) {
        if (inverse) to[base + i] = from[base + permutation[i]];
        else to[base + permutation[i]] = from[base + i];
      }
    }
  }

  forward(_params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    requireBatch(this, "input", x, batch, this.inputShape);
    requireBatch(this, "output", y, batch, this.outputShape);
    this.move(x, y, batch, false);
  }

  backward(
    _params: FloatArray,
    _x: FloatArray,
    _y: FloatArray,
    dy: FloatArray,
    dx: FloatArray | null,
    _grad: FloatArray,
    batch: number,
  ): void {
    if (dx) this.move(dy, dx, batch, true);
  }

  forwardTangent(
    _params: FloatArray,
    _x: FloatArray,
    _y: FloatArray,
    _dParams: FloatArray,
    dx: FloatArray | null,
    dyOut: FloatArray,
    batch: number,
  ): void {
    if (dx) this.move(dx, dyOut, batch, false);
    else dyOut.fill(0, 0, batch * this.outputSize);
  }

  initialize(): void {}
}
