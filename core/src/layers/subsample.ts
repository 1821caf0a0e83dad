/**
 * Vanilla sub-sampling (seed 004 section 3.4.3, eq. 101-103, Table 8): keep every K-th row and column,
 * y_c[x, y] = Y_c[x K_u, y K_v]. Its geometry is a 1 x 1 window placed every K: output size
 * floor((a - 1) / K_u) + 1 = ceil(a / K_u) by ceil(b / K_v), every kept coordinate that exists.
 * Backward (eq. 103): the delta goes back to the kept coordinates, zero elsewhere.
 */
import { poolGeometry, type PoolGeometry } from "../matrix/geometry";
import type { FloatArray, Shape } from "../tensor";
import { formatShape } from "../tensor";
import {
  LayerConfigError,
  pair,
  requirePositiveInteger,
  type Layer,
  type Pair,
  type ParameterGroup,
  requireBatch,
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
  readonly geometry: PoolGeometry;

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
    this.geometry = poolGeometry({
      channels,
      height,
      width,
      kernel: 1,
      stride: [this.factorHeight, this.factorWidth],
    });
    this.outputShape = [channels, this.geometry.outHeight, this.geometry.outWidth];
    this.inputSize = channels * height * width;
    this.outputSize = this.outputShape[0] * this.outputShape[1] * this.outputShape[2];
  }

  /** to[kept output] = from[kept input] (forward and forward mode) or the reverse (backward). */
  private route(from: FloatArray, to: FloatArray, batch: number, backward: boolean): void {
    const [channels, height, width] = this.inputShape;
    const [, outHeight, outWidth] = this.outputShape;
    for (let p = 0; p < batch * channels; p++) {
      for (let oy = 0; oy < outHeight; oy++) {
        const inRow = (p * height + oy * this.factorHeight) * width;
        const outRow = (p * outHeight + oy) * outWidth;
        for (let ox = 0; ox < outWidth; ox++) {
          const i = inRow + ox * this.factorWidth;
          if (backward) to[i] = from[outRow + ox];
          else to[outRow + ox] = from[i];
        }
      }
    }
  }

  forward(_params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    requireBatch(this, "input", x, batch, this.inputShape);
    requireBatch(this, "output", y, batch, this.outputShape);
    this.route(x, y, batch, false);
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
    this.route(dy, dx, batch, true);
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
    if (dx) this.route(dx, dyOut, batch, false);
    else dyOut.fill(0, 0, batch * this.outputSize);
  }

  initialize(): void {}
}
