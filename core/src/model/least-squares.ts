/**
 * A model with the MSE loss as a least-squares objective (objective.ts), for Gauss-Newton and Levenberg-Marquardt
 * (seed 004 section 4, eq. 106-115):
 *
 *   r(theta) = (y_i(theta) - t_i) / sqrt(l), stacked over samples i = 1..l (m = l * outputs residuals),
 *   f(theta) = 1/2 ||r||^2 + theta^T theta / (2C) = (1/l) sum_i 1/2 ||y_i - t_i||^2 + theta^T theta / (2C),
 *
 * which is exactly the ModelObjective's f for the MSE loss. Residuals are per output rather than the per-sample
 * norm ||t_i - y_i|| of eq. 110: that norm has no derivative where the residual vanishes, and per-output residuals
 * make J^T J the usual Gauss-Newton matrix.
 *
 * - J v (m values) by forward mode: every layer's `forwardTangent` (the R-operator), one forward sweep.
 * - J^T u (n values) by back-propagation with u / sqrt(l) as the output delta (eq. 111-113).
 * - J row by row: one backward pass per residual (m passes of one sample each).
 */
import type { LeastSquaresObjective } from "../objective";
import { allocate, type FloatArray } from "../tensor";
import { ShapeMismatchError } from "../layers/layer";
import type { SupervisedData } from "./data";
import { ModelObjective, gather, type ModelObjectiveOptions } from "./objective";
import type { Sequential } from "./sequential";

export class LeastSquaresModelObjective extends ModelObjective implements LeastSquaresObjective {
  readonly residualCount: number;
  private readonly scale: number;
  private direction: FloatArray | undefined;

  constructor(model: Sequential, data: SupervisedData, options: Omit<ModelObjectiveOptions, "loss"> = {}) {
    super(model, data, { ...options, loss: "mse" });
    this.residualCount = data.count * model.outputSize;
    this.scale = 1 / Math.sqrt(data.count);
  }

  residuals(theta: Float64Array, r: Float64Array): void {
    this.check(theta, r, this.residualCount, "residuals");
    this.eachChunk(theta, (start, size, ws) => {
      const outSize = this.model.outputSize;
      const y = ws.output;
      for (let k = 0; k < size * outSize; k++) r[start * outSize + k] = (y[k] - ws.targets[k]) * this.scale;
    });
  }

  jacobianTimes(theta: Float64Array, v: Float64Array, out: Float64Array): void {
    this.check(theta, out, this.residualCount, "J v");
    if (v.length !== this.dim) throw new ShapeMismatchError("J v", `v of length ${this.dim}`, `${v.length}`);
    const direction = (this.direction ??= allocate(this.model.dtype, this.dim));
    direction.set(v);
    this.eachChunk(theta, (start, size, ws) => {
      const outSize = this.model.outputSize;
      const tangent = this.model.forwardTangent(ws, direction, size);
      for (let k = 0; k < size * outSize; k++) out[start * outSize + k] = tangent[k] * this.scale;
    });
  }

  jacobianTransposeTimes(theta: Float64Array, u: Float64Array, out: Float64Array): void {
    this.check(theta, out, this.dim, "J^T u");
    if (u.length !== this.residualCount) {
      throw new ShapeMismatchError("J^T u", `u of length ${this.residualCount}`, `${u.length}`);
    }
    out.fill(0);
    this.eachChunk(theta, (start, size, ws) => {
      const outSize = this.model.outputSize;
      const delta = ws.outputDelta;
      for (let k = 0; k < size * outSize; k++) delta[k] = u[start * outSize + k] * this.scale;
      this.model.backward(ws, size);
      const gradient = ws.gradient;
      for (let j = 0; j < this.dim; j++) out[j] += gradient[j];
    });
  }

  jacobian(theta: Float64Array, J: Float64Array): void {
    this.check(theta, J, this.residualCount * this.dim, "jacobian");
    const model = this.model;
    this.atTheta(theta, () => {
      const ws = model.workspace(1);
      const outSize = model.outputSize;
      const n = this.dim;
      for (let i = 0; i < this.data.count; i++) {
        gather(model, ws, this.data, null, i, 1);
        model.forward(ws, 1);
        for (let k = 0; k < outSize; k++) {
          ws.outputDelta.fill(0, 0, outSize);
          ws.outputDelta[k] = this.scale;
          model.backward(ws, 1);
          const row = (i * outSize + k) * n;
          for (let j = 0; j < n; j++) J[row + j] = ws.gradient[j];
        }
      }
    });
  }

  /** Runs the forward pass at theta over the data chunk by chunk. */
  private eachChunk(
    theta: Float64Array,
    visit: (start: number, size: number, ws: ReturnType<Sequential["workspace"]>) => void,
  ): void {
    const model = this.model;
    this.atTheta(theta, () => {
      const ws = model.workspace(this.chunkSize);
      for (let start = 0; start < this.data.count; start += this.chunkSize) {
        const size = Math.min(this.chunkSize, this.data.count - start);
        gather(model, ws, this.data, null, start, size);
        model.forward(ws, size);
        visit(start, size, ws);
      }
    });
  }

  private check(theta: Float64Array, out: Float64Array, length: number, what: string): void {
    if (theta.length !== this.dim)
      throw new ShapeMismatchError(what, `theta of length ${this.dim}`, `${theta.length}`);
    if (out.length !== length)
      throw new ShapeMismatchError(what, `an output of length ${length}`, `${out.length}`);
  }
}

/** The objective of a model on data: a least-squares one for the MSE loss, a plain one otherwise. */
export function modelObjective(
  model: Sequential,
  data: SupervisedData,
  options: ModelObjectiveOptions,
): ModelObjective | LeastSquaresModelObjective {
  return options.loss === "mse"
    ? new LeastSquaresModelObjective(model, data, options)
    : new ModelObjective(model, data, options);
}
