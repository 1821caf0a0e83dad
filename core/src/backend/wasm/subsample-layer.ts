/**
 * LeCun's weighted sub-sampling (layers/weighted-subsample.ts, seed 004 eq. 87 and 92-97) with the one-to-one table
 * of LeNet-5's S2 and S4, on the average-pooling kernels: with S_i the window sums and K = K_u K_v,
 *
 *   Z_i = alpha_i S_i + b_i                  (eq. 87; S_i = K avgpool(Y_i))
 *   dr/dY_i = spread(alpha_i dy_i)           (eq. 92-93; spread = K times avgpool's adjoint)
 *   dr/dalpha_i = sum S_i dy_i,  dr/db_i = sum dy_i   (eq. 96-97)
 *
 * Other tables stay on the reference (see `supportsWeightedSubsample`).
 */
import type { WeightedSubsampleLayer } from "../../layers/weighted-subsample";
import type { FloatArray } from "../../tensor";
import { AcceleratedLayer } from "./accelerated";
import type { WasmOperations } from "./operations";

/** True for the one-to-one table (D_i = {i}), where alpha_i is parameter i whatever the sharing. */
export function supportsWeightedSubsample(layer: WeightedSubsampleLayer): boolean {
  return (
    layer.outChannels === layer.geometry.channels &&
    layer.connections.every((inputs, i) => inputs.length === 1 && inputs[0] === i)
  );
}

export class WasmWeightedSubsampleLayer extends AcceleratedLayer<WeightedSubsampleLayer> {
  /** avgpool(x), then the scaled delta: scratch in the shared memory, grown to the largest batch seen. */
  private scratch: Float32Array | undefined;

  constructor(
    layer: WeightedSubsampleLayer,
    private readonly backend: WasmOperations,
  ) {
    super(layer);
  }

  forward(params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void {
    const [p, input, output] = this.float32(
      [params, this.parameterCount],
      [x, batch * this.inputSize],
      [y, batch * this.outputSize],
    );
    const g = this.layer.geometry;
    this.backend.averagePoolForward(g, batch, input, output);
    const area = g.kernelHeight * g.kernelWidth;
    this.eachPlane(batch, (i, start, end) => {
      const scale = p[i] * area;
      const bias = p[this.layer.alphaCount + i];
      for (let k = start; k < end; k++) output[k] = output[k] * scale + bias;
    });
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
    const [p, input, delta, g] = this.float32(
      [params, this.parameterCount],
      [x, batch * this.inputSize],
      [dy, batch * this.outputSize],
      [grad, this.parameterCount],
    );
    const geometry = this.layer.geometry;
    const area = geometry.kernelHeight * geometry.kernelWidth;
    const length = batch * this.outputSize;
    const scratch = this.scratchFor(length);
    const means = scratch.subarray(0, length);
    this.backend.averagePoolForward(geometry, batch, input, means);
    const alphaCount = this.layer.alphaCount;
    g.fill(0, 0, this.parameterCount);
    this.eachPlane(batch, (i, start, end) => {
      let alphaSum = 0;
      let biasSum = 0;
      for (let k = start; k < end; k++) {
        alphaSum += means[k] * delta[k];
        biasSum += delta[k];
      }
      g[i] += alphaSum * area;
      g[alphaCount + i] += biasSum;
    });
    if (!dx) return;
    const [target] = this.float32([dx, batch * this.inputSize]);
    const scaled = scratch.subarray(length, 2 * length);
    this.eachPlane(batch, (i, start, end) => {
      const scale = p[i] * area;
      for (let k = start; k < end; k++) scaled[k] = delta[k] * scale;
    });
    this.backend.averagePoolBackward(geometry, batch, scaled, target);
  }

  /** Calls visit(map i, start, end) for every output plane of the batch. */
  private eachPlane(batch: number, visit: (i: number, start: number, end: number) => void): void {
    const plane = this.layer.geometry.outHeight * this.layer.geometry.outWidth;
    const maps = this.layer.outChannels;
    for (let n = 0; n < batch; n++) {
      for (let i = 0; i < maps; i++) {
        const start = (n * maps + i) * plane;
        visit(i, start, start + plane);
      }
    }
  }

  private scratchFor(length: number): Float32Array {
    if (!this.scratch || this.scratch.length < 2 * length)
      this.scratch = this.backend.allocate(2 * length, this);
    return this.scratch;
  }
}
