/**
 * Flatten: [C, H, W] -> [C H W], keeping our NCHW order (element (c, h, w) goes to (c H + h) W + w). The data does
 * not move; the layer copies it so that every layer owns its output buffer (a loop, not `subarray`, so that a
 * training step creates no view objects).
 * The documents' vec(Z^{m,i}) (seed 000) orders the same numbers differently; see toDocumentVec in tensor.ts.
 */
import type { FloatArray, Shape } from "../tensor";
import { shapeSize } from "../tensor";
import type { Layer, ParameterGroup } from "./layer";

export class FlattenLayer implements Layer {
  readonly kind = "flatten";
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount = 0;
  readonly parameterGroups: readonly ParameterGroup[] = [];

  constructor(
    readonly name: string,
    inputShape: Shape,
  ) {
    this.inputShape = [...inputShape];
    this.inputSize = shapeSize(inputShape);
    this.outputSize = this.inputSize;
    this.outputShape = [this.inputSize];
  }

  forward(_params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    copy(x, y, batch * this.inputSize);
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
    if (dx) copy(dy, dx, batch * this.inputSize);
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
    if (dx) copy(dx, dyOut, batch * this.inputSize);
    else dyOut.fill(0, 0, batch * this.outputSize);
  }

  initialize(): void {}
}

function copy(from: FloatArray, to: FloatArray, length: number): void {
  for (let i = 0; i < length; i++) to[i] = from[i];
}
