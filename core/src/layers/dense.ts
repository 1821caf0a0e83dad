/**
 * A fully connected layer (seed 004 eq. 17-19 and Table 4; seed 000 eq. 3-4): z = W y + b with
 * W in R^{nOut x nIn}.
 *
 * Parameters: [vec(W); b] (seed 001; vec(W) alone with `bias: false`), vec stacking the columns of W, so W[i][j] lives at i + nOut * j. Column-major
 * storage also makes every inner loop below run over contiguous memory.
 *
 * Backward (Table 4): the delta for the layer below is W^T dy (eq. 34-35 before the phi' factor, which belongs to
 * the activation layer), the weight gradient is dy x^T (eq. 40) and the bias gradient is dy (eq. 41), summed over
 * the batch.
 */
import type { SeededRandom } from "../data/random";
import type { FloatArray, Shape } from "../tensor";
import { formatShape } from "../tensor";
import {
  LayerConfigError,
  fillUniform,
  requireBatch,
  requirePositiveInteger,
  type Layer,
  type ParameterGroup,
} from "./layer";

export interface DenseAttrs {
  /** nOut, the number of output units. */
  readonly units: number;
  /** false: z = W y without b (e.g. eq. 55, a linear combination of RBF units). Default true. */
  readonly bias?: boolean;
}

export class DenseLayer implements Layer {
  readonly kind = "dense";
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount: number;
  readonly parameterGroups: readonly ParameterGroup[];
  readonly hasBias: boolean;

  constructor(
    readonly name: string,
    inputShape: Shape,
    attrs: DenseAttrs,
  ) {
    if (inputShape.length !== 1) {
      throw new LayerConfigError(
        name,
        `a dense layer takes a flat input [n]; got ${formatShape(inputShape)}: put a flatten layer before it`,
      );
    }
    requirePositiveInteger(name, "units", attrs.units);
    this.inputShape = [inputShape[0]];
    this.outputShape = [attrs.units];
    this.inputSize = inputShape[0];
    this.outputSize = attrs.units;
    const weights = this.inputSize * this.outputSize;
    this.hasBias = attrs.bias ?? true;
    this.parameterCount = weights + (this.hasBias ? this.outputSize : 0);
    this.parameterGroups = this.hasBias
      ? [
          { name: "W", offset: 0, length: weights },
          { name: "b", offset: weights, length: this.outputSize },
        ]
      : [{ name: "W", offset: 0, length: weights }];
  }

  forward(params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    requireBatch(this, "input", x, batch, this.inputShape);
    requireBatch(this, "output", y, batch, this.outputShape);
    const nIn = this.inputSize;
    const nOut = this.outputSize;
    const biasOffset = nIn * nOut;
    for (let n = 0; n < batch; n++) {
      const yBase = n * nOut;
      for (let i = 0; i < nOut; i++) y[yBase + i] = this.hasBias ? params[biasOffset + i] : 0;
      for (let j = 0; j < nIn; j++) {
        const xj = x[n * nIn + j];
        if (xj === 0) continue;
        const column = j * nOut;
        for (let i = 0; i < nOut; i++) y[yBase + i] += params[column + i] * xj;
      }
    }
  }

  backward(
    params: FloatArray,
    x: FloatArray,
    _y: FloatArray,
    dy: FloatArray,
    dx: FloatArray | null,
    grad: FloatArray,
    batch: number,
  ): void {
    const nIn = this.inputSize;
    const nOut = this.outputSize;
    const biasOffset = nIn * nOut;
    grad.fill(0, 0, this.parameterCount);
    for (let n = 0; n < batch; n++) {
      const dyBase = n * nOut;
      for (let j = 0; j < nIn; j++) {
        const xj = x[n * nIn + j];
        const column = j * nOut;
        let sum = 0;
        for (let i = 0; i < nOut; i++) {
          const d = dy[dyBase + i];
          sum += params[column + i] * d;
          grad[column + i] += d * xj;
        }
        if (dx) dx[n * nIn + j] = sum;
      }
      if (this.hasBias) for (let i = 0; i < nOut; i++) grad[biasOffset + i] += dy[dyBase + i];
    }
  }

  /** d(W x + b) = dW x + W dx + db. */
  forwardTangent(
    params: FloatArray,
    x: FloatArray,
    _y: FloatArray,
    dParams: FloatArray,
    dx: FloatArray | null,
    dyOut: FloatArray,
    batch: number,
  ): void {
    const nIn = this.inputSize;
    const nOut = this.outputSize;
    const biasOffset = nIn * nOut;
    for (let n = 0; n < batch; n++) {
      const yBase = n * nOut;
      for (let i = 0; i < nOut; i++) dyOut[yBase + i] = this.hasBias ? dParams[biasOffset + i] : 0;
      for (let j = 0; j < nIn; j++) {
        const xj = x[n * nIn + j];
        const dxj = dx ? dx[n * nIn + j] : 0;
        const column = j * nOut;
        for (let i = 0; i < nOut; i++)
          dyOut[yBase + i] += dParams[column + i] * xj + params[column + i] * dxj;
      }
    }
  }

  /** Glorot-uniform weights, limit sqrt(6 / (nIn + nOut)); zero biases. */
  initialize(params: FloatArray, random: SeededRandom): void {
    const weights = this.inputSize * this.outputSize;
    fillUniform(params, 0, weights, Math.sqrt(6 / (this.inputSize + this.outputSize)), random);
    params.fill(0, weights, this.parameterCount);
  }
}
