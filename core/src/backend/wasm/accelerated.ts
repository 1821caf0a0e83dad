/**
 * The common part of the layers the WebAssembly backend runs: everything but forward and backward is the
 * reference layer's (shapes, parameters, initialization, forward mode).
 */
import type { Layer, ParameterGroup } from "../../layers/layer";
import type { FloatArray, Shape } from "../../tensor";

export abstract class AcceleratedLayer<L extends Layer> implements Layer {
  readonly kind: string;
  readonly name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount: number;
  readonly parameterGroups: readonly ParameterGroup[];

  constructor(protected readonly layer: L) {
    this.kind = layer.kind;
    this.name = layer.name;
    this.inputShape = layer.inputShape;
    this.outputShape = layer.outputShape;
    this.inputSize = layer.inputSize;
    this.outputSize = layer.outputSize;
    this.parameterCount = layer.parameterCount;
    this.parameterGroups = layer.parameterGroups;
  }

  abstract forward(params: FloatArray, x: FloatArray, y: FloatArray, batch: number): void;

  abstract backward(
    params: FloatArray,
    x: FloatArray,
    y: FloatArray,
    dy: FloatArray,
    dx: FloatArray | null,
    grad: FloatArray,
    batch: number,
  ): void;

  forwardTangent(...args: Parameters<Layer["forwardTangent"]>): void {
    this.layer.forwardTangent(...args);
  }

  initialize(...args: Parameters<Layer["initialize"]>): void {
    this.layer.initialize(...args);
  }

  /** The arrays as Float32Arrays (the kernels are single precision), each holding `batch` samples of its shape. */
  protected float32(...arrays: [FloatArray, number][]): Float32Array[] {
    return arrays.map(([array, length]) => {
      if (!(array instanceof Float32Array)) {
        throw new TypeError(`layer '${this.name}': the WebAssembly backend runs Float32 models only`);
      }
      if (array.length < length) {
        throw new RangeError(`layer '${this.name}': expected at least ${length} values, got ${array.length}`);
      }
      return array;
    });
  }
}
