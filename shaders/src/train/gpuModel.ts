/**
 * A @deltalab/core Sequential model compiled to device programs for one batch size, with every tensor resident on
 * the device: parameters (and, for training, gradients) per layer, activations (and deltas) per layer boundary.
 * Each layer's dispatches come from the device kernel registered for its kind (layers.ts); the last layer must be
 * the softmax, fused with the cross-entropy loss (seed 004 eq. 25, 27).
 *
 * A training step uploads the batch, runs forward, the fused softmax cross-entropy, backward (each layer's input
 * delta and parameter gradient in one call, seed 004 eq. 7-8) and the gradient step as one submission, and reads
 * back only the per-sample losses. Compiled with `training: false` the model holds the forward pass only: the
 * loss-surface evaluator (landscape/planeEvaluator.ts) runs that same forward pass.
 *
 * The loss is the batch mean f_B = (1/B) sum_i r_i (seed 001 without regularization), so the gradient is the
 * core's summed gradient divided by B. This is core's DeviceModel (core/src/backend/device.ts).
 */
import type { DeviceModel, Sequential } from "@deltalab/core";
import { Dispatch, GpuBuffer, GpuDevice, dispatchOf } from "../device/gpu";
import { sgdProgram } from "../kernels/sgd";
import { softmaxCrossEntropyProgram } from "../kernels/softmaxCrossEntropy";
import type { LayerLaunch } from "./layerLaunches";
import { CompiledLayer, LayerOptions, checkDeviceLayers, compileLayer, withResolver } from "./layers";

export interface GpuModelOptions extends LayerOptions {
  /** false: the forward pass and per-sample losses only, no deltas, gradients or updates. Default true. */
  readonly training?: boolean;
}

const NO_LAYER: CompiledLayer = { forward: [], backward: [], scratch: [] };

export class GpuModel implements DeviceModel {
  readonly training: boolean;
  /** activations[l] is layer l's input, activations[l + 1] its output; flatten shares its input's buffer. */
  readonly activations: GpuBuffer[];
  /** deltas[l] = dr/d activations[l] (deltas[last] is dr/dz of the softmax input); training only. */
  readonly deltas: GpuBuffer[];
  /** Each layer's slice of theta (undefined for a layer without parameters). */
  readonly params: (GpuBuffer | undefined)[];
  /** Each layer's slice of the gradient of f_B; training only. */
  readonly grads: (GpuBuffer | undefined)[];
  /** Delta x of the previous step per layer (eq. 121), zero after compile and `resetMomentum`; training only. */
  readonly velocities: (GpuBuffer | undefined)[];
  readonly targets: GpuBuffer;
  /** Per-sample losses of the last pass: r_i, divided by the batch size when training. */
  readonly sampleLosses: GpuBuffer;
  /** The forward dispatches of each layer but the softmax (empty for flatten). */
  readonly layerForward: readonly Dispatch[][];
  /** The fused softmax cross-entropy, writing the per-sample losses (and dr/dz when training). */
  readonly lossDispatch: Dispatch;
  private readonly rate: GpuBuffer;
  private readonly compiled: CompiledLayer[];
  private readonly updates: Dispatch[];
  /** Every buffer the model allocated (scratch buffers of its layers included), freed by `dispose`. */
  private readonly owned: GpuBuffer[] = [];

  private constructor(
    readonly gpu: GpuDevice,
    readonly model: Sequential,
    readonly batch: number,
    options: GpuModelOptions,
  ) {
    this.training = options.training ?? true;
    const layers = model.layers.map(({ layer }) => layer);
    const last = layers.length - 1;
    if (layers[last]?.kind !== "softmax") {
      throw new Error(
        `the device needs a softmax last layer (trained with cross-entropy); '${layers[last]?.name}' is ${layers[last]?.kind}`,
      );
    }
    checkDeviceLayers(layers.slice(0, last), gpu.name);
    const alloc = (length: number): GpuBuffer => {
      const buffer = gpu.alloc(length);
      this.owned.push(buffer);
      return buffer;
    };
    // Every buffer allocated so far is freed when a later allocation or compilation fails.
    try {
      const training = this.training;
      const perLayer = (wanted: boolean) =>
        layers.map((layer) => (wanted && layer.parameterCount > 0 ? alloc(layer.parameterCount) : undefined));
      const shares = (l: number) => layers[l].kind === "flatten";
      this.activations = [alloc(batch * model.inputSize)];
      this.deltas = training ? [alloc(batch * model.inputSize)] : [];
      layers.forEach((layer, l) => {
        const previous = this.activations[l];
        this.activations.push(shares(l) ? previous : alloc(batch * layer.outputSize));
        if (training) this.deltas.push(shares(l) ? this.deltas[l] : alloc(batch * layer.outputSize));
      });
      this.params = perLayer(true);
      this.grads = perLayer(training);
      this.velocities = perLayer(training);
      this.targets = alloc(batch * model.outputSize);
      this.sampleLosses = alloc(batch);
      this.rate = alloc(2);
      // One resolver for the whole model: the tuning cache is read once per compile.
      const layerOptions = withResolver(gpu, options);
      this.compiled = layers.slice(0, last).map((layer, l) => {
        if (shares(l)) return NO_LAYER;
        const params = this.params[l];
        const grad = this.grads[l];
        const compiled = compileLayer(
          gpu,
          layer,
          batch,
          {
            x: this.activations[l],
            y: this.activations[l + 1],
            ...(training ? { dy: this.deltas[l + 1] } : {}),
            ...(training && l > 0 ? { dx: this.deltas[l] } : {}),
            ...(params ? { params } : {}),
            ...(grad ? { grad } : {}),
          },
          layerOptions,
        );
        this.owned.push(...compiled.scratch);
        return compiled;
      });
      this.layerForward = this.compiled.map((c) => c.forward);
      const config = { batch, classes: model.outputSize, scale: training ? 1 / batch : 1, workgroupSize: 64 };
      this.lossDispatch = dispatchOf(softmaxCrossEntropyProgram, config, {
        z: this.activations[last],
        t: this.targets,
        y: this.activations[last + 1],
        loss: this.sampleLosses,
        dz: training ? this.deltas[last] : alloc(batch * model.outputSize),
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
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  /** The launch of every tunable operation of the compiled layers, in the model's order, and where each came from. */
  launchesUsed(): LayerLaunch[] {
    return this.compiled.flatMap((c) => c.launches ?? []);
  }

  /** Compiles `model` for batches of `batch` samples and uploads its parameters. */
  static compile(gpu: GpuDevice, model: Sequential, batch: number, options: GpuModelOptions = {}): GpuModel {
    if (!Number.isInteger(batch) || batch < 1)
      throw new Error(`batch must be a positive integer, got ${batch}`);
    return new GpuModel(gpu, model, batch, options);
  }

  /** Copies the model's theta to the device. */
  uploadParameters(): void {
    this.writeParameters(this.model.getParameters());
  }

  /** Copies theta (the model's order and length) to the device. */
  writeParameters(theta: ArrayLike<number>): void {
    if (theta.length !== this.model.parameterCount) {
      throw new RangeError(`theta has ${theta.length} values; the model has ${this.model.parameterCount}`);
    }
    this.model.layers.forEach(({ offset }, l) => {
      const buffer = this.params[l];
      if (buffer === undefined) return;
      const slice = new Float32Array(buffer.length);
      for (let i = 0; i < slice.length; i++) slice[i] = theta[offset + i];
      this.gpu.write(buffer, slice);
    });
  }

  /** theta from the device, in the model's order (seed 001). */
  async readParameters(): Promise<Float64Array> {
    return this.gather(this.params);
  }

  /** theta from the device (the name trainOnDevice uses). */
  async downloadParameters(): Promise<Float64Array> {
    return this.readParameters();
  }

  /** The last step's gradient of f_B, in theta's order. */
  async downloadGradient(): Promise<Float64Array> {
    this.requireTraining("the gradient");
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

  private requireTraining(what: string): void {
    if (!this.training) throw new Error(`${what} needs a device model compiled for training`);
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

  /** The forward dispatches from layer `from` on, then the fused loss. */
  forwardDispatches(from = 0): Dispatch[] {
    return [...this.layerForward.slice(from).flat(), this.lossDispatch];
  }

  private backwardDispatches(): Dispatch[] {
    return [...this.compiled].reverse().flatMap((c) => c.backward);
  }

  /** The model's outputs (softmax probabilities) for one batch. */
  async predict(inputs: Float32Array): Promise<Float32Array> {
    this.upload(inputs, new Float32Array(this.batch * this.model.outputSize));
    this.gpu.submit(this.forwardDispatches());
    return this.gpu.read(this.activations[this.activations.length - 1]);
  }

  /** r_i(theta) for each sample of one batch (a forward pass). */
  async losses(inputs: Float32Array, targets: Float32Array): Promise<Float32Array> {
    this.upload(inputs, targets);
    this.gpu.submit(this.forwardDispatches());
    const losses = await this.gpu.read(this.sampleLosses);
    if (this.training) for (let i = 0; i < losses.length; i++) losses[i] *= this.batch;
    return losses;
  }

  /** f_B(theta) and its gradient (into `gradient`, theta's order): forward, loss and backward in one submission. */
  async valueAndGradient(
    inputs: Float32Array,
    targets: Float32Array,
    gradient: Float64Array,
  ): Promise<number> {
    this.requireTraining("the gradient");
    if (gradient.length !== this.model.parameterCount) {
      throw new RangeError(
        `gradient has ${gradient.length} values; the model has ${this.model.parameterCount}`,
      );
    }
    this.upload(inputs, targets);
    this.gpu.submit([...this.forwardDispatches(), ...this.backwardDispatches()]);
    const loss = (await this.gpu.read(this.sampleLosses)).reduce((sum, r) => sum + r, 0);
    gradient.set(await this.gather(this.grads));
    return loss;
  }

  /** Forgets the previous step, so that the next step starts without momentum. */
  resetMomentum(): void {
    for (const velocity of this.velocities) {
      if (velocity !== undefined) this.gpu.write(velocity, new Float32Array(velocity.length));
    }
  }

  /**
   * f_B(theta) with its gradient left on the device for `applyStep`: forward, loss and backward in one submission,
   * the loss the only read-back. The first half of `step`, for a loop that looks at f_B before taking the step.
   */
  async evaluate(inputs: Float32Array, targets: Float32Array): Promise<number> {
    this.requireTraining("a training step");
    this.upload(inputs, targets);
    this.gpu.submit([...this.forwardDispatches(), ...this.backwardDispatches()]);
    const losses = await this.gpu.read(this.sampleLosses);
    return losses.reduce((sum, r) => sum + r, 0);
  }

  /** The second half of `step`: eq. 121 (eq. 118 for p = 0) from the gradient the last `evaluate` left. */
  applyStep(learningRate: number, momentum = 0): void {
    this.requireTraining("a training step");
    if (!Number.isFinite(learningRate)) throw new Error(`learning rate must be finite, got ${learningRate}`);
    if (!(momentum >= 0 && momentum < 1)) throw new Error(`momentum must lie in [0, 1), got ${momentum}`);
    this.gpu.write(this.rate, Float32Array.of(learningRate, momentum));
    this.gpu.submit(this.updates);
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
    this.requireTraining("a training step");
    if (!Number.isFinite(learningRate)) throw new Error(`learning rate must be finite, got ${learningRate}`);
    if (!(momentum >= 0 && momentum < 1)) throw new Error(`momentum must lie in [0, 1), got ${momentum}`);
    this.upload(inputs, targets);
    this.gpu.write(this.rate, Float32Array.of(learningRate, momentum));
    this.gpu.submit([...this.forwardDispatches(), ...this.backwardDispatches(), ...this.updates]);
    const losses = await this.gpu.read(this.sampleLosses);
    return losses.reduce((sum, r) => sum + r, 0);
  }

  /** Frees every device buffer of the model. */
  dispose(): void {
    for (const buffer of this.owned) this.gpu.free(buffer);
    this.owned.length = 0;
  }
}
