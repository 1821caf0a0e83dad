/**
 * Preallocated buffers for one batch size: the input and every layer's output (activations), the deltas dr/d(those),
 * tangents for forward mode, a target buffer and the gradient. Made once per batch size, so a training step
 * allocates nothing.
 */
import type { Backend } from "../backend/backend";
import type { Layer } from "../layers/layer";
import { allocate, type DType, type FloatArray } from "../tensor";

/**
 * What a workspace reads of its model (sequential.ts's Sequential), declared here so that the two files do not
 * import each other.
 */
export interface WorkspaceModel {
  readonly inputSize: number;
  readonly outputSize: number;
  readonly parameterCount: number;
  readonly dtype: DType;
  readonly backend: Backend;
  readonly layers: readonly { readonly layer: Layer; readonly offset: number }[];
}

export class Workspace {
  /** activations[0] is the input, activations[l + 1] the output of layer l. */
  readonly activations: FloatArray[];
  /** deltas[l] = dr/d activations[l]. */
  readonly deltas: FloatArray[];
  /** tangents[l]: the forward-mode derivative of activations[l]; allocated on first use. */
  private tangentBuffers: FloatArray[] | undefined;
  readonly targets: Float64Array;
  readonly gradient: FloatArray;
  readonly gradientViews: FloatArray[];

  constructor(
    readonly model: WorkspaceModel,
    readonly capacity: number,
  ) {
    const sizes = [model.inputSize, ...model.layers.map(({ layer }) => layer.outputSize)];
    // In the backend's memory where it has its own (no copies between its kernels and these buffers).
    const buffer = (length: number) =>
      model.backend.workspaceBuffer?.(model.dtype, length, this) ?? allocate(model.dtype, length);
    this.activations = sizes.map((size) => buffer(size * capacity));
    this.deltas = sizes.map((size) => buffer(size * capacity));
    this.targets = new Float64Array(model.outputSize * capacity);
    this.gradient = allocate(model.dtype, model.parameterCount);
    this.gradientViews = model.layers.map(({ layer, offset }) =>
      this.gradient.subarray(offset, offset + layer.parameterCount),
    );
  }

  get input(): FloatArray {
    return this.activations[0];
  }

  get output(): FloatArray {
    return this.activations[this.activations.length - 1];
  }

  /** dr/d output. */
  get outputDelta(): FloatArray {
    return this.deltas[this.deltas.length - 1];
  }

  get tangents(): FloatArray[] {
    if (!this.tangentBuffers) {
      this.tangentBuffers = this.activations.map((buffer) => allocate(this.model.dtype, buffer.length));
    }
    return this.tangentBuffers;
  }
}
