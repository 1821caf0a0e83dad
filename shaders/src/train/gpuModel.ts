/**
 * A @deltalab/core Sequential model compiled to device programs for one batch size, with every tensor resident on
 * the device: parameters and gradients per layer, activations and deltas per layer boundary. A training step
 * uploads the batch, runs forward, the fused softmax cross-entropy, backward (each layer's input delta and
 * parameter gradient in one call, seed 004 eq. 7-8) and the gradient step as one submission, and reads back only
 * the per-sample losses.
 *
 * The loss is the batch mean f_B = (1/B) sum_i r_i (seed 001 without regularization), so the gradient is the
 * core's summed gradient divided by B.
 */
import { FlattenLayer, SoftmaxLayer, type Sequential } from "@deltalab/core";
import { Dispatch, GpuBuffer, GpuDevice, dispatchOf } from "../device/gpu";
import { sgdProgram } from "../kernels/sgd";
import { softmaxCrossEntropyProgram } from "../kernels/softmaxCrossEntropy";
import { CompiledLayer, LayerOptions, compileLayer } from "./layers";

export type GpuModelOptions = LayerOptions;

export class GpuModel {
  /** activations[l] is layer l's input, activations[l + 1] its output; flatten shares its input's buffer. */
  readonly activations: GpuBuffer[];
  /** deltas[l] = dr/d activations[l] (deltas[last] is dr/dz of the softmax input). */
  readonly deltas: GpuBuffer[];
  readonly params: (GpuBuffer | undefined)[];
  readonly grads: (GpuBuffer | undefined)[];
  /** Delta x of the previous step per layer (eq. 121), zero after compile and `resetMomentum`. */
  readonly velocities: (GpuBuffer | undefined)[];
  readonly targets: GpuBuffer;
  readonly losses: GpuBuffer;
  private readonly rate: GpuBuffer;
  private readonly compiled: CompiledLayer[];
  private readonly lossDispatch: Dispatch;
  private readonly updates: Dispatch[];

  private constructor(
    readonly gpu: GpuDevice,
    readonly model: Sequential,
    readonly batch: number,
    options: GpuModelOptions,
  ) {
    const layers = model.layers.map(({ layer }) => layer);
    const last = layers.length - 1;
    if (!(layers[last] instanceof SoftmaxLayer)) {
      throw new Error(
        `the device training step needs a softmax last layer (trained with cross-entropy); '${layers[last].name}' is ${layers[last].kind}`,
      );
    }
    this.activations = [gpu.alloc(batch * model.inputSize)];
    this.deltas = [gpu.alloc(batch * model.inputSize)];
    for (const layer of layers) {
      const flat = layer instanceof FlattenLayer;
      this.activations.push(
        flat ? this.activations[this.activations.length - 1] : gpu.alloc(batch * layer.outputSize),
      );
      this.deltas.push(flat ? this.deltas[this.deltas.length - 1] : gpu.alloc(batch * layer.outputSize));
    }
    this.params = layers.map((layer) =>
      layer.parameterCount > 0 ? gpu.alloc(layer.parameterCount) : undefined,
    );
    const perLayer = () =>
      layers.map((layer) => (layer.parameterCount > 0 ? gpu.alloc(layer.parameterCount) : undefined));
    this.grads = perLayer();
    this.velocities = perLayer();
    this.targets = gpu.alloc(batch * model.outputSize);
    this.losses = gpu.alloc(batch);
    this.rate = gpu.alloc(2);
    this.compiled = layers.slice(0, last).map((layer, l) =>
      layer instanceof FlattenLayer
        ? { forward: [], backward: [], scratch: [] }
        : compileLayer(
            gpu,
            layer,
            batch,
            {
              x: this.activations[l],
              y: this.activations[l + 1],
              dy: this.deltas[l + 1],
              ...(l > 0 ? { dx: this.deltas[l] } : {}),
              ...(this.params[l] ? { params: this.params[l], grad: this.grads[l] } : {}),
            },
            options,
          ),
    );
    const config = { batch, classes: model.outputSize, scale: 1 / batch, workgroupSize: 64 };
    this.lossDispatch = dispatchOf(softmaxCrossEntropyProgram, config, {
      z: this.activations[last],
      t: this.targets,
      y: this.activations[last + 1],
      loss: this.losses,
      dz: this.deltas[last],
    });
    this.updates = layers.flatMap((layer, l) => {
      const params = this.params[l];
      const grad = this.grads[l];
      const velocity = this.velocities[l];
      if (params === undefined || grad === undefined || velocity === undefined) return [];
      const sgd = { length: layer.parameterCount, workgroupSize: 64 };
      return [dispatchOf(sgdProgram, sgd, { params, grad, rate: this.rate, velocity })];
    });
    this.uploadParameters();
  }

  /** Compiles `model` for batches of `batch` samples and uploads its parameters. */
  static compile(gpu: GpuDevice, model: Sequential, batch: number, options: GpuModelOptions = {}): GpuModel {
    if (!Number.isInteger(batch) || batch < 1)
      throw new Error(`batch must be a positive integer, got ${batch}`);
    return new GpuModel(gpu, model, batch, options);
  }

  /** Copies the model's theta to the device. */
  uploadParameters(): void {
    this.model.layers.forEach((_, l) => {
      const buffer = this.params[l];
      if (buffer !== undefined) this.gpu.write(buffer, Float32Array.from(this.model.layerParameters(l)));
    });
  }

  /** theta from the device, in the model's order (seed 001). */
  async downloadParameters(): Promise<Float64Array> {
    return this.gather(this.params);
  }

  /** The last step's gradient of f_B, in theta's order. */
  async downloadGradient(): Promise<Float64Array> {
    return this.gather(this.grads);
  }

  private async gather(buffers: readonly (GpuBuffer | undefined)[]): Promise<Float64Array> {
    const out = new Float64Array(this.model.parameterCount);
    for (const [l, { offset }] of this.model.layers.entries()) {
      const buffer = buffers[l];
      if (buffer !== undefined) out.set(await this.gpu.read(buffer), offset);
    }
    return out;
  }

  private upload(inputs: Float32Array, targets?: Float32Array): void {
    const need = this.batch * this.model.inputSize;
    if (inputs.length !== need) {
      throw new Error(
        `the device model takes ${this.batch} samples (${need} values) per call, got ${inputs.length} values`,
      );
    }
    this.gpu.write(this.activations[0], inputs);
    if (targets === undefined) return;
    if (targets.length !== this.batch * this.model.outputSize) {
      throw new Error(
        `targets: expected ${this.batch * this.model.outputSize} values, got ${targets.length}`,
      );
    }
    this.gpu.write(this.targets, targets);
  }

  /** The model's outputs (softmax probabilities) for one batch. */
  async predict(inputs: Float32Array): Promise<Float32Array> {
    this.upload(inputs, new Float32Array(this.batch * this.model.outputSize));
    this.gpu.submit([...this.compiled.flatMap((c) => c.forward), this.lossDispatch]);
    return this.gpu.read(this.activations[this.activations.length - 1]);
  }

  /** Forgets the previous step, so that the next step starts without momentum. */
  resetMomentum(): void {
    for (const velocity of this.velocities) {
      if (velocity !== undefined) this.gpu.write(velocity, new Float32Array(velocity.length));
    }
  }

  /**
   * One step of gradient descent on f_B with momentum p (seed 004 eq. 121; eq. 118 for p = 0): forward, loss,
   * backward and the update in one submission. Returns f_B before the step (the only read-back).
   */
  async step(
    inputs: Float32Array,
    targets: Float32Array,
    learningRate: number,
    momentum = 0,
  ): Promise<number> {
    if (!Number.isFinite(learningRate)) throw new Error(`learning rate must be finite, got ${learningRate}`);
    if (!(momentum >= 0 && momentum < 1)) throw new Error(`momentum must lie in [0, 1), got ${momentum}`);
    this.upload(inputs, targets);
    this.gpu.write(this.rate, Float32Array.of(learningRate, momentum));
    const forward = this.compiled.flatMap((c) => c.forward);
    const backward = [...this.compiled].reverse().flatMap((c) => c.backward);
    this.gpu.submit([...forward, this.lossDispatch, ...backward, ...this.updates]);
    const losses = await this.gpu.read(this.losses);
    return losses.reduce((sum, r) => sum + r, 0);
  }

  /** Frees every device buffer of the model. */
  dispose(): void {
    const buffers = new Set([
      ...this.activations,
      ...this.deltas,
      ...this.params,
      ...this.grads,
      ...this.velocities,
      this.targets,
      this.losses,
      this.rate,
      ...this.compiled.flatMap((c) => c.scratch),
    ]);
    for (const buffer of buffers) if (buffer !== undefined) this.gpu.free(buffer);
  }
}
