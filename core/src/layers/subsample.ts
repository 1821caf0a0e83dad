/**
 * Vanilla sub-sampling (seed 004 section 3.4.3, eq. 101-103, Table 8): keep every K-th row and column,
 * y_c[x, y] = Y_c[x K_u, y K_v]. Output size ceil(a / K_u) x ceil(b / K_v): every kept coordinate that exists.
 * Backward (eq. 103): the delta goes back to the kept coordinates, zero elsewhere.
 */
import type { FloatArray, Shape } from "../tensor";
import { formatShape } from "../tensor";
import {
  LayerConfigError,
  pair,
  requirePositiveInteger,
  type Layer,
  type Pair,
  type ParameterGroup,
} from "./layer";

export interface SubsampleAttrs {
  /** The factors K_u, K_v. */
  readonly factor: Pair;
}

export class SubsampleLayer implements Layer {
  readonly kind = "subsample";
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount = 0;
  readonly parameterGroups: readonly ParameterGroup[] = [];
  readonly factorHeight: number;
  readonly factorWidth: number;

  constructor(
    readonly name: string,
    inputShape: Shape,
    attrs: SubsampleAttrs,
  ) {
    if (inputShape.length !== 3) {
      throw new LayerConfigError(name, `sub-sampling takes images [C, H, W]; got ${formatShape(inputShape)}`);
    }
    [this.factorHeight, this.factorWidth] = pair(attrs.factor);
    requirePositiveInteger(name, "factor", this.factorHeight);
    requirePositiveInteger(name, "factor", this.factorWidth);
    const [channels, height, width] = inputShape;
    this.inputShape = [channels, height, width];
    this.outputShape = [channels, Math.ceil(height / this.factorHeight), Math.ceil(width / this.factorWidth)];
    this.inputSize = channels * height * width;
    this.outputSize = this.outputShape[0] * this.outputShape[1] * this.outputShape[2];
  }

  /** Calls visit(inputIndex, outputIndex) for every kept coordinate. */
  private each(batch: number, visit: (inputIndex: number, outputIndex: number) => void): void {
    const [channels, height, width] = this.inputShape;
    const [, outHeight, outWidth] = this.outputShape;
    for (let p = 0; p < batch * channels; p++) {
      for (let oy = 0; oy < outHeight; oy++) {
        for (let ox = 0; ox < outWidth; ox++) {
          visit(
            (p * height + oy * this.factorHeight) * width + ox * this.factorWidth,
            (p * outHeight + oy) * outWidth + ox,
          );
        }
      }
    }
  }

  forward(_params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    this.each(batch, (i, o) => (y[o] = x[i]));
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
    if (!dx) return;
    dx.fill(0, 0, batch * this.inputSize);
    this.each(batch, (i, o) => (dx[i] = dy[o]));
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
    if (dx) this.each(batch, (i, o) => (dyOut[o] = dx[i]));
    else dyOut.fill(0, 0, batch * this.outputSize);
  }

  initialize(): void {}
}
