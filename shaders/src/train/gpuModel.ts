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
import {
  ActivationLayer,
  AveragePoolLayer,
  Conv2dLayer,
  DenseLayer,
  FlattenLayer,
  MaxPoolLayer,
  SoftmaxLayer,
  SubsampleLayer,
  WeightedSubsampleLayer,
  type Layer,
  type Sequential,
} from "@deltalab/core";
import { Dispatch, GpuBuffer, GpuDevice, dispatchOf } from "../device/gpu";
import { activationBackwardProgram, activationConfig, activationForwardProgram } from "../kernels/activation";
import { conv2dGeometry } from "../kernels/conv2dGeometry";
import { PoolConfig } from "../kernels/pool";
import { sgdProgram } from "../kernels/sgd";
import { softmaxCrossEntropyProgram } from "../kernels/softmaxCrossEntropy";
import { ConvForwardMethod, DEFAULT_CONV_FORWARD, convBackward, convForward } from "../ops/conv2d";
import { denseBackward, denseForward } from "../ops/dense";
import { poolBackward, poolConfig, poolForward, subsampleConfig } from "../ops/pool";

/** The buffers one layer reads and writes. */
interface LayerBuffers {
  readonly x: GpuBuffer;
  readonly y: GpuBuffer;
  readonly dx: GpuBuffer | undefined;
  readonly dy: GpuBuffer;
  readonly params: GpuBuffer | undefined;
  readonly grad: GpuBuffer | undefined;
}

/** A layer's forward and backward dispatches, built once. */
interface CompiledLayer {
  readonly forward: Dispatch[];
  readonly backward: Dispatch[];
}

function compileLayer(
  layer: Layer,
  batch: number,
  b: LayerBuffers,
  convMethod: ConvForwardMethod,
): CompiledLayer {
  const { x, y, dx, dy } = b;
  if (layer instanceof Conv2dLayer) {
    const g = conv2dGeometry(layer, batch);
    const params = b.params as GpuBuffer;
    const grad = b.grad as GpuBuffer;
    if (convMethod.method === "im2col")
      throw new Error("the training step runs the direct or tiled convolution");
    return {
      forward: convForward(g, { x, params, y }, convMethod),
      backward: convBackward(g, { x, params, dy, grad, ...(dx ? { dx } : {}) }),
    };
  }
  if (layer instanceof DenseLayer) {
    const shape = { batch, inputs: layer.inputSize, outputs: layer.outputSize };
    const params = b.params as GpuBuffer;
    const grad = b.grad as GpuBuffer;
    return {
      forward: denseForward(shape, { x, params, z: y }),
      backward: denseBackward(shape, { x, params, dz: dy, grad, ...(dx ? { dx } : {}) }),
    };
  }
  if (layer instanceof ActivationLayer) {
    const config = activationConfig(layer.kind, batch * layer.inputSize, layer.slope);
    return {
      forward: [dispatchOf(activationForwardProgram, config, { z: x, y })],
      backward: dx ? [dispatchOf(activationBackwardProgram, config, { z: x, y, dy, dz: dx })] : [],
    };
  }
  const pool = poolConfigOf(layer, batch);
  if (pool !== undefined) {
    const extra = pool.kind === "weighted" ? { params: b.params, grad: b.grad } : {};
    return {
      forward: poolForward(pool, { x, y, ...extra }),
      backward: poolBackward(pool, { x, dy, ...extra, ...(dx ? { dx } : {}) }),
    };
  }
  throw new Error(
    `layer '${layer.name}' (${layer.kind}) has no device implementation; supported: conv2d, dense, activations, ` +
      "max-pool, average-pool, weighted-subsample, subsample, flatten, and softmax as the last layer",
  );
}

function poolConfigOf(layer: Layer, batch: number): PoolConfig | undefined {
  if (layer instanceof MaxPoolLayer) return poolConfig("max", layer.geometry, batch);
  if (layer instanceof AveragePoolLayer) return poolConfig("average", layer.geometry, batch);
  if (layer instanceof WeightedSubsampleLayer) return poolConfig("weighted", layer.geometry, batch);
  if (layer instanceof SubsampleLayer) {
    return subsampleConfig(layer.inputShape, layer.factorHeight, layer.factorWidth, batch);
  }
  return undefined;
}

export interface GpuModelOptions {
  /** The convolution forward method and launch (default: the direct kernel, 8 x 8). */
  readonly convolution?: ConvForwardMethod;
}

export class GpuModel {
  /** activations[l] is layer l's input, activations[l + 1] its output; flatten shares its input's buffer. */
  readonly activations: GpuBuffer[];
  /** deltas[l] = dr/d activations[l] (deltas[last] is dr/dz of the softmax input). */
  readonly deltas: GpuBuffer[];
  readonly params: (GpuBuffer | undefined)[];
  readonly grads: (GpuBuffer | undefined)[];
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
    this.grads = layers.map((layer) =>
      layer.parameterCount > 0 ? gpu.alloc(layer.parameterCount) : undefined,
    );
    this.targets = gpu.alloc(batch * model.outputSize);
    this.losses = gpu.alloc(batch);
    this.rate = gpu.alloc(1);
    const convolution = options.convolution ?? DEFAULT_CONV_FORWARD;
    this.compiled = layers.slice(0, last).map((layer, l) =>
      layer instanceof FlattenLayer
        ? { forward: [], backward: [] }
        : compileLayer(
            layer,
            batch,
            {
              x: this.activations[l],
              y: this.activations[l + 1],
              dx: l > 0 ? this.deltas[l] : undefined,
              dy: this.deltas[l + 1],
              params: this.params[l],
              grad: this.grads[l],
            },
            convolution,
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
      if (params === undefined || grad === undefined) return [];
      const sgd = { length: layer.parameterCount, workgroupSize: 64 };
      return [dispatchOf(sgdProgram, sgd, { params, grad, rate: this.rate })];
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

  /**
   * One step of gradient descent on f_B: forward, loss, backward and theta <- theta - eta grad f_B in one
   * submission. Returns f_B before the step (the only read-back).
   */
  async step(inputs: Float32Array, targets: Float32Array, learningRate: number): Promise<number> {
    if (!Number.isFinite(learningRate)) throw new Error(`learning rate must be finite, got ${learningRate}`);
    this.upload(inputs, targets);
    this.gpu.write(this.rate, Float32Array.of(learningRate));
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
      this.targets,
      this.losses,
      this.rate,
    ]);
    for (const buffer of buffers) if (buffer !== undefined) this.gpu.free(buffer);
  }
}
