/**
 * A CPU plane evaluator for a model objective (model/objective.ts, seed 001) that does not run the first layer at
 * every grid point. A convolution or dense first layer is affine in its parameters (seed 004 eq. 60-61: Z is a sum
 * of the input maps correlated with the kernels, plus b), and on the plane the parameters move affinely, so for every
 * sample
 *
 *   Z(c + a d1 + b d2) = Z(c) + a Z_0(d1) + b Z_0(d2),   Z_0(d) = W_d * x + b_d,
 *
 * the layer applied with the slices of c, d1 and d2 as its parameters. The three responses are computed over the
 * data when an `evaluate` call brings new first-layer slices (once per plane); each point then combines them and runs
 * the rest of the model (a copy of its layers after the first, on the model's backend) from there. The values equal
 * `objective.value` up to the rounding of the model's dtype.
 *
 * Whether it pays depends on the layers' backend: the combination is a plain loop over the first layer's output
 * (6 x 28 x 28 values per image for LeNet-5). For LeNet-5 on 1,000 Fashion-MNIST images (a 2-core machine) it took
 * 0.62 s per point against 0.84 s on the reference layers, but 79 ms against 63 ms on the WebAssembly backend, whose
 * threaded convolution costs less than the loop (scripts/lenet5-surface.mjs).
 */
import type { ModelObjective } from "../model/objective";
import { lossValue } from "../model/loss-pass";
import { Sequential } from "../model/sequential";
import type { FloatArray } from "../tensor";
import { cpuEvaluator, type PlaneBasis, type PlaneEvaluator } from "./grid";
import { requireVector } from "./vectors";

export interface ModelPlaneEvaluatorOptions {
  /** The most values the three first-layer responses may hold together (default 48 million); above it, no split. */
  readonly maxResponseValues?: number;
  /** Samples per forward pass (default 256). */
  readonly chunkSize?: number;
}

/**
 * The evaluator for `objective`: the first-layer split above when the model starts with a convolution or dense layer
 * and the responses fit in `maxResponseValues`, else `cpuEvaluator(objective)`.
 */
export function modelPlaneEvaluator(
  objective: ModelObjective,
  options: ModelPlaneEvaluatorOptions = {},
): PlaneEvaluator {
  const { model, data } = objective;
  const first = model.layers[0]?.layer;
  const limit = options.maxResponseValues ?? 48e6;
  const split =
    first !== undefined &&
    (first.kind === "conv2d" || first.kind === "dense") &&
    model.layers.length > 1 &&
    model.spec.layers.length === model.layers.length &&
    3 * data.count * first.outputSize <= limit;
  if (!split) return cpuEvaluator(objective);
  const chunkSize = Math.min(options.chunkSize ?? 256, data.count);
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`chunkSize must be a positive integer, got ${options.chunkSize}`);
  }
  const dtype = model.dtype;
  const floats = (n: number): FloatArray => (dtype === "float32" ? new Float32Array(n) : new Float64Array(n));
  const tail = new Sequential(
    { inputShape: first.outputShape, dtype, layers: model.spec.layers.slice(1) },
    model.backend,
  );
  const headCount = first.parameterCount;
  const responses = [0, 1, 2].map(() => floats(data.count * first.outputSize));
  const tailTheta = new Float64Array(tail.parameterCount);
  const reg = objective.regularization;
  // The first layer alone, on the model's backend, for its responses.
  const head = new Sequential(
    { inputShape: model.spec.inputShape, dtype, layers: model.spec.layers.slice(0, 1) },
    model.backend,
  );
  /** The first layer's slices of the center, d1 and d2 the responses were computed for. */
  let respondedTo: Float64Array | undefined;

  /** Z_0(v) for v = center, d1, d2 over all samples, unless the first layer's slices are unchanged. */
  const computeResponses = (plane: PlaneBasis) => {
    const slices = new Float64Array(3 * headCount);
    [plane.center, plane.d1, plane.d2].forEach((v, k) => slices.set(v.subarray(0, headCount), k * headCount));
    if (respondedTo !== undefined && respondedTo.every((value, i) => value === slices[i])) return;
    const ws = head.workspace(chunkSize);
    for (let k = 0; k < 3; k++) {
      head.setParameters(slices.subarray(k * headCount, (k + 1) * headCount));
      for (let start = 0; start < data.count; start += chunkSize) {
        const size = Math.min(chunkSize, data.count - start);
        const inputs = size * head.inputSize;
        const input = ws.input;
        for (let j = 0, from = start * head.inputSize; j < inputs; j++, from++) input[j] = data.inputs[from];
        head.forward(ws, size);
        const output = ws.activations[1].subarray(0, size * first.outputSize);
        responses[k].set(output, start * first.outputSize);
      }
    }
    respondedTo = slices;
  };

  return {
    evaluate(plane, alpha, beta, out) {
      const { center, d1, d2 } = plane;
      requireVector("the plane's center", center, objective.dim);
      requireVector("d1", d1, objective.dim);
      requireVector("d2", d2, objective.dim);
      if (beta.length !== alpha.length || out.length !== alpha.length) {
        throw new RangeError(
          `alpha, beta and out must have one length; got ${alpha.length}, ${beta.length}, ${out.length}`,
        );
      }
      computeResponses(plane);
      const ws = tail.workspace(chunkSize);
      const [rc, r1, r2] = responses;
      const width = first.outputSize;
      for (let k = 0; k < alpha.length; k++) {
        const a = alpha[k];
        const b = beta[k];
        let thetaSquared = 0;
        for (let i = 0; i < center.length; i++) {
          const t = center[i] + a * d1[i] + b * d2[i];
          thetaSquared += t * t;
          if (i >= headCount) tailTheta[i - headCount] = t;
        }
        tail.setParameters(tailTheta);
        let sum = 0;
        for (let start = 0; start < data.count; start += chunkSize) {
          const size = Math.min(chunkSize, data.count - start);
          const classes = tail.outputSize;
          for (let j = 0; j < size * classes; j++) ws.targets[j] = data.targets[start * classes + j];
          const input = ws.input;
          for (let j = 0, from = start * width; j < size * width; j++, from++) {
            input[j] = rc[from] + a * r1[from] + b * r2[from];
          }
          tail.forward(ws, size);
          sum += lossValue(tail, ws, size, objective.loss);
        }
        out[k] = sum / data.count + (reg > 0 ? 0.5 * reg * thetaSquared : 0);
      }
    },
  };
}
