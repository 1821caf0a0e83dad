/**
 * A model on data as an optimizer sees it (objective.ts), seed 001:
 *
 *   f(theta) = theta^T theta / (2C) + (1/l) sum_{i=1..l} xi_i(theta),   xi_i = r(t_i, y_i(theta))
 *
 * and on a minibatch B, f_B(theta) = theta^T theta / (2C) + (1/|B|) sum_{i in B} xi_i(theta).
 * C = Infinity (the default) drops the regularization term.
 */
import type { StochasticObjective } from "../objective";
import type { LossName } from "../losses";
import { ShapeMismatchError } from "../layers/layer";
import { checkData, type SupervisedData } from "./data";
import { lossAndDelta } from "./loss-pass";
import type { Sequential } from "./sequential";
import type { Workspace } from "./workspace";

export interface ModelObjectiveOptions {
  readonly loss: LossName;
  /** The regularization parameter C of seed 001; default Infinity (no regularization). */
  readonly C?: number;
  /** Samples per forward/backward pass when a full or large batch is evaluated; default 256. */
  readonly chunkSize?: number;
  /**
   * Whether each evaluation puts back the parameters the model had before it. Default false: the model is left at
   * the last theta evaluated, as training wants. An analysis of a model (a loss surface, an optimizer race) sets
   * it, so that the model it looks at keeps its parameters (at the cost of two copies of theta per evaluation).
   */
  readonly preserveParameters?: boolean;
}

/** Copies samples indices[start..start+count) into the workspace input and targets. */
export function gather(
  model: Sequential,
  ws: Workspace,
  data: SupervisedData,
  indices: ArrayLike<number> | null,
  start: number,
  count: number,
): void {
  const inSize = model.inputSize;
  const outSize = model.outputSize;
  const input = ws.input;
  const targets = ws.targets;
  for (let k = 0; k < count; k++) {
    const i = indices ? indices[start + k] : start + k;
    if (!(i >= 0 && i < data.count))
      throw new RangeError(`sample index ${i} is outside 0..${data.count - 1}`);
    const from = i * inSize;
    const to = k * inSize;
    for (let j = 0; j < inSize; j++) input[to + j] = data.inputs[from + j];
    for (let j = 0; j < outSize; j++) targets[k * outSize + j] = data.targets[i * outSize + j];
  }
}

export class ModelObjective implements StochasticObjective {
  readonly dim: number;
  readonly sampleCount: number;
  /** 1/C. */
  readonly regularization: number;
  readonly loss: LossName;
  protected readonly chunkSize: number;
  /** The model's parameters before an evaluation, when they are put back after it. */
  private readonly saved: Float64Array<ArrayBuffer> | null;

  constructor(
    readonly model: Sequential,
    readonly data: SupervisedData,
    options: ModelObjectiveOptions,
  ) {
    checkData(model, data, "objective");
    const C = options.C ?? Infinity;
    if (!(C > 0)) throw new RangeError(`the regularization parameter C must be positive, got ${C}`);
    this.loss = options.loss;
    this.regularization = 1 / C;
    this.chunkSize = Math.min(options.chunkSize ?? 256, data.count);
    if (!Number.isInteger(this.chunkSize) || this.chunkSize < 1) {
      throw new RangeError(`chunkSize must be a positive integer, got ${options.chunkSize}`);
    }
    this.dim = model.parameterCount;
    this.sampleCount = data.count;
    this.saved = options.preserveParameters ? new Float64Array(this.dim) : null;
  }

  value(theta: Float64Array): number {
    return this.compute(theta, null, this.sampleCount, null);
  }

  valueAndGradient(theta: Float64Array, g: Float64Array): number {
    return this.compute(theta, null, this.sampleCount, g);
  }

  batchValueAndGradient(theta: Float64Array, batch: Int32Array, g: Float64Array): number {
    return this.compute(theta, batch, batch.length, g);
  }

  /** f_B(theta) without the gradient. */
  batchValue(theta: Float64Array, batch: Int32Array): number {
    return this.compute(theta, batch, batch.length, null);
  }

  private compute(
    theta: Float64Array,
    indices: Int32Array | null,
    count: number,
    g: Float64Array | null,
  ): number {
    if (theta.length !== this.dim)
      throw new ShapeMismatchError("objective", `theta of length ${this.dim}`, `${theta.length}`);
    if (g && g.length !== this.dim)
      throw new ShapeMismatchError("objective", `gradient of length ${this.dim}`, `${g.length}`);
    if (count < 1) throw new RangeError("an objective needs at least one sample in the batch");
    return this.atTheta(theta, () => this.evaluate(theta, indices, count, g));
  }

  /**
   * Runs `work` with the model's parameters set to theta, then, with `preserveParameters`, puts back the ones it
   * had before.
   */
  protected atTheta<T>(theta: Float64Array, work: () => T): T {
    const model = this.model;
    if (this.saved) model.getParameters(this.saved);
    model.setParameters(theta);
    try {
      return work();
    } finally {
      if (this.saved) model.setParameters(this.saved);
    }
  }

  /** f (and g) at theta, which the model holds. */
  private evaluate(
    theta: Float64Array,
    indices: Int32Array | null,
    count: number,
    g: Float64Array | null,
  ): number {
    const model = this.model;
    const ws = model.workspace(this.chunkSize);
    if (g) g.fill(0);
    let sum = 0;
    for (let start = 0; start < count; start += this.chunkSize) {
      const size = Math.min(this.chunkSize, count - start);
      gather(model, ws, this.data, indices, start, size);
      model.forward(ws, size);
      const pass = lossAndDelta(model, ws, size, this.loss);
      sum += pass.sum;
      if (g) {
        model.backward(ws, size, pass.from);
        const gradient = ws.gradient;
        for (let j = 0; j < this.dim; j++) g[j] += gradient[j];
      }
    }
    const reg = this.regularization;
    let thetaSquared = 0;
    if (reg > 0) for (let j = 0; j < this.dim; j++) thetaSquared += theta[j] * theta[j];
    if (g) {
      const scale = 1 / count;
      for (let j = 0; j < this.dim; j++) g[j] = g[j] * scale + reg * theta[j];
    }
    return sum / count + 0.5 * reg * thetaSquared;
  }
}
