/**
 * A sequential model: layers applied one after the other, with shapes inferred and checked when the model is built.
 *
 * Parameters live in one flat array in theta order (seed 001): theta = [vec(W^1); b^1; ...; vec(W^L); b^L], each
 * layer's slice in the order its doc comment states. Layers see their slice through a view made once at build time,
 * so packing theta is one copy (a conversion for Float32 models) and training allocates nothing per step.
 */
import { referenceBackend, type Backend } from "../backend/backend";
import { resolveBackend, type BackendChoice } from "../backend/select";
import { SeededRandom } from "../data/random";
import { createLayer, type LayerSpec } from "../layers";
import { LayerConfigError, ShapeMismatchError, type Layer } from "../layers/layer";
import {
  allocate,
  formatShape,
  isValidShape,
  shapeSize,
  type DType,
  type FloatArray,
  type Shape,
} from "../tensor";
import { Workspace } from "./workspace";

export interface ModelSpec {
  /** The shape of one sample: [C, H, W] or [D]. */
  readonly inputShape: Shape;
  readonly layers: readonly LayerSpec[];
  /** Float32 (default) for speed, Float64 for derivations and gradient checks. */
  readonly dtype?: DType;
}

/** A parameter group's place in theta. */
export interface ParameterSlot {
  readonly layer: string;
  readonly group: string;
  readonly offset: number;
  readonly length: number;
}

/** A layer of a built model with the spec it came from (activation shorthands expanded, names filled in). */
export interface BuiltLayer {
  readonly spec: LayerSpec;
  readonly layer: Layer;
  /** Offset of the layer's slice in theta. */
  readonly offset: number;
}

/** Expands `activation` on dense, conv2d and weighted-subsample specs into separate activation layers and names all. */
function expandSpecs(specs: readonly LayerSpec[]): LayerSpec[] {
  const expanded: LayerSpec[] = [];
  const counts = new Map<string, number>();
  const given = new Set(specs.map((spec) => spec?.name).filter((name) => typeof name === "string"));
  const autoName = (type: string) => {
    let name: string;
    do {
      const count = counts.get(type) ?? 0;
      counts.set(type, count + 1);
      name = `${type}_${count}`;
    } while (given.has(name));
    return name;
  };
  for (const spec of specs) {
    if (spec === null || typeof spec !== "object" || typeof spec.type !== "string") {
      throw new LayerConfigError(`#${expanded.length}`, `a layer spec must be an object with a 'type'`);
    }
    const name = spec.name ?? autoName(spec.type);
    if (
      (spec.type === "dense" || spec.type === "conv2d" || spec.type === "weighted-subsample") &&
      spec.activation
    ) {
      const { activation, ...rest } = spec;
      expanded.push({ ...rest, name });
      expanded.push({ type: "activation", activation, name: `${name}_${activation}` });
    } else {
      expanded.push({ ...spec, name });
    }
  }
  return expanded;
}

export class Sequential {
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly dtype: DType;
  readonly layers: readonly BuiltLayer[];
  readonly parameterCount: number;
  /** theta in the model's dtype. */
  readonly parameters: FloatArray;
  /** The spec this model was built from, with shorthands expanded (what `saveModel` writes). */
  readonly spec: ModelSpec;
  private readonly views: FloatArray[];
  private readonly workspaces = new Map<number, Workspace>();
  private currentBackend: Backend = referenceBackend;
  /** What forward and backward run: the layers, or their versions on the backend (../backend/backend.ts). */
  private runners: readonly Layer[];

  /**
   * `backend`: where forward and backward run; default "auto", the fastest available (WebAssembly for Float32
   * models where the engine runs it); see {@link Sequential.useBackend}.
   */
  constructor(spec: ModelSpec, backend: BackendChoice = "auto") {
    const dtype = spec.dtype ?? "float32";
    if (dtype !== "float32" && dtype !== "float64") {
      throw new RangeError(`model dtype must be "float32" or "float64", got '${String(dtype)}'`);
    }
    if (!Array.isArray(spec.inputShape) || !isValidShape(spec.inputShape)) {
      throw new RangeError(
        `model input shape must be positive integers, got ${JSON.stringify(spec.inputShape)}`,
      );
    }
    if (spec.inputShape.length !== 1 && spec.inputShape.length !== 3) {
      throw new RangeError(`model input shape must be [C, H, W] or [D], got ${formatShape(spec.inputShape)}`);
    }
    if (!Array.isArray(spec.layers) || spec.layers.length === 0) {
      throw new RangeError("a model needs at least one layer");
    }
    const specs = expandSpecs(spec.layers);
    const names = new Set<string>();
    let shape: Shape = [...spec.inputShape];
    let offset = 0;
    const layers: BuiltLayer[] = [];
    for (const layerSpec of specs) {
      const name = layerSpec.name as string;
      if (names.has(name))
        throw new LayerConfigError(name, "two layers have this name; names must be unique");
      names.add(name);
      const layer = createLayer(layerSpec, shape, name);
      layers.push({ spec: layerSpec, layer, offset });
      offset += layer.parameterCount;
      shape = layer.outputShape;
    }
    this.dtype = dtype;
    this.layers = layers;
    this.inputShape = [...spec.inputShape];
    this.outputShape = shape;
    this.inputSize = shapeSize(this.inputShape);
    this.outputSize = shapeSize(shape);
    this.parameterCount = offset;
    this.parameters = allocate(dtype, offset);
    this.views = layers.map(({ layer, offset }) =>
      this.parameters.subarray(offset, offset + layer.parameterCount),
    );
    this.spec = { inputShape: this.inputShape, layers: specs, dtype };
    this.runners = layers.map(({ layer }) => layer);
    this.useBackend(backend);
  }

  /**
   * Runs forward and backward on a backend: "reference" (the layers' own code), "wasm" (WebAssembly SIMD on worker
   * threads, for Float32 models; layers it has no kernel for stay on the reference), "auto" (wasm where the engine
   * runs it), or a Backend object such as `createWasmBackend({ threads: 1 })`. Forward mode stays on the reference.
   */
  useBackend(choice: BackendChoice): this {
    const backend = resolveBackend(choice, this.dtype);
    this.runners = this.layers.map(({ layer }) => backend.accelerate(layer, this.dtype));
    this.currentBackend = backend;
    this.workspaces.clear();
    return this;
  }

  /** The backend forward and backward run on. */
  get backend(): Backend {
    return this.currentBackend;
  }

  /** Draws initial parameters from a seeded generator (the same seed gives the same theta). */
  initialize(seed: number): this {
    const random = new SeededRandom(seed);
    this.layers.forEach(({ layer }, l) => layer.initialize(this.views[l], random));
    return this;
  }

  /** theta as Float64 (pack). */
  getParameters(out = new Float64Array(this.parameterCount)): Float64Array {
    if (out.length !== this.parameterCount) {
      throw new ShapeMismatchError("getParameters", `${this.parameterCount} entries`, `${out.length}`);
    }
    out.set(this.parameters);
    return out;
  }

  /** Sets theta (unpack); values are converted to the model's dtype. */
  setParameters(theta: ArrayLike<number>): void {
    if (theta.length !== this.parameterCount) {
      throw new ShapeMismatchError(
        "setParameters",
        `theta of length ${this.parameterCount}`,
        `${theta.length}`,
      );
    }
    this.parameters.set(theta);
  }

  /** Where each parameter group sits in theta, in theta's order. */
  parameterTable(): ParameterSlot[] {
    const slots: ParameterSlot[] = [];
    for (const { layer, offset } of this.layers) {
      for (const group of layer.parameterGroups) {
        slots.push({
          layer: layer.name,
          group: group.name,
          offset: offset + group.offset,
          length: group.length,
        });
      }
    }
    return slots;
  }

  /** Splits theta into its named groups (unpack for reading): one copy per group. */
  unpack(theta: ArrayLike<number>): (ParameterSlot & { values: Float64Array })[] {
    if (theta.length !== this.parameterCount) {
      throw new ShapeMismatchError("unpack", `theta of length ${this.parameterCount}`, `${theta.length}`);
    }
    return this.parameterTable().map((slot) => ({
      ...slot,
      values: Float64Array.from({ length: slot.length }, (_, k) => theta[slot.offset + k]),
    }));
  }

  /** The view of layer l's slice of theta. */
  layerParameters(l: number): FloatArray {
    return this.views[l];
  }

  /** Buffers for a batch size, made once per size and reused. */
  workspace(batch: number): Workspace {
    let ws = this.workspaces.get(batch);
    if (!ws) {
      if (!Number.isInteger(batch) || batch < 1)
        throw new RangeError(`batch size must be a positive integer, got ${batch}`);
      ws = new Workspace(this, batch);
      this.workspaces.set(batch, ws);
    }
    return ws;
  }

  /** Runs the layers on ws.input (batch samples); returns ws.output. */
  forward(ws: Workspace, batch = ws.capacity): FloatArray {
    this.checkBatch(ws, batch);
    for (let l = 0; l < this.layers.length; l++) {
      this.runners[l].forward(this.views[l], ws.activations[l], ws.activations[l + 1], batch);
    }
    return ws.output;
  }

  /**
   * Back-propagates from the delta in ws.deltas[from + 1] (dr/d output of layer `from`) down to layer 0, writing every
   * layer's gradient slice into ws.gradient (layers above `from` get zero). With `inputDelta`, ws.deltas[0] receives
   * dr/d input.
   */
  backward(ws: Workspace, batch = ws.capacity, from = this.layers.length - 1, inputDelta = false): void {
    this.checkBatch(ws, batch);
    for (let l = this.layers.length - 1; l > from; l--) ws.gradientViews[l].fill(0);
    for (let l = from; l >= 0; l--) {
      const dx = l > 0 || inputDelta ? ws.deltas[l] : null;
      this.runners[l].backward(
        this.views[l],
        ws.activations[l],
        ws.activations[l + 1],
        ws.deltas[l + 1],
        dx,
        ws.gradientViews[l],
        batch,
      );
    }
  }

  /**
   * Forward mode: the directional derivative of the output along dTheta (parameters) and, optionally, dInput.
   * Needs ws.activations from a forward call on the same input; writes ws.tangents, returns the output's tangent.
   */
  forwardTangent(
    ws: Workspace,
    dTheta: FloatArray,
    batch = ws.capacity,
    dInput: FloatArray | null = null,
  ): FloatArray {
    this.checkBatch(ws, batch);
    for (let l = 0; l < this.layers.length; l++) {
      const { layer, offset } = this.layers[l];
      const dParams = dTheta.subarray(offset, offset + layer.parameterCount);
      const dx = l === 0 ? dInput : ws.tangents[l];
      layer.forwardTangent(
        this.views[l],
        ws.activations[l],
        ws.activations[l + 1],
        dParams,
        dx,
        ws.tangents[l + 1],
        batch,
      );
    }
    return ws.tangents[this.layers.length];
  }

  /** Copies `batch` samples (NCHW, inputSize each) into the workspace input. */
  setInput(ws: Workspace, inputs: ArrayLike<number>, batch = ws.capacity): void {
    const need = batch * this.inputSize;
    if (inputs.length < need) {
      throw new ShapeMismatchError(
        "model input",
        `${batch} samples of shape ${formatShape(this.inputShape)} (${need} values)`,
        `${inputs.length} values`,
      );
    }
    const input = ws.input;
    for (let i = 0; i < need; i++) input[i] = inputs[i];
  }

  /** Outputs for every sample of `inputs` (NCHW, inputSize values each), computed in chunks, in the model's dtype. */
  predict(inputs: ArrayLike<number>, chunk = 256): FloatArray {
    const count = inputs.length / this.inputSize;
    if (!Number.isInteger(count) || count < 1) {
      throw new ShapeMismatchError(
        "predict",
        `whole samples of shape ${formatShape(this.inputShape)} (${this.inputSize} values each)`,
        `${inputs.length} values`,
      );
    }
    const out = allocate(this.dtype, count * this.outputSize);
    const size = Math.max(1, Math.min(chunk, count));
    const ws = this.workspace(size);
    for (let start = 0; start < count; start += size) {
      const batch = Math.min(size, count - start);
      const input = ws.input;
      const base = start * this.inputSize;
      for (let i = 0; i < batch * this.inputSize; i++) input[i] = inputs[base + i];
      this.forward(ws, batch);
      out.set(ws.output.subarray(0, batch * this.outputSize), start * this.outputSize);
    }
    return out;
  }

  /** One line per layer: name, kind, output shape, parameter count. */
  summary(): string {
    const lines = [`input ${formatShape(this.inputShape)}`];
    for (const { layer } of this.layers) {
      lines.push(
        `${layer.name} (${layer.kind}) -> ${formatShape(layer.outputShape)}, ${layer.parameterCount} parameters`,
      );
    }
    lines.push(`total ${this.parameterCount} parameters`);
    return lines.join("\n");
  }

  private checkBatch(ws: Workspace, batch: number): void {
    if (ws.model !== this) throw new RangeError("the workspace belongs to another model");
    if (!Number.isInteger(batch) || batch < 1 || batch > ws.capacity) {
      throw new RangeError(`batch of ${batch} samples does not fit a workspace for ${ws.capacity}`);
    }
  }
}

/** Builds a model from its spec; every configuration error surfaces here, naming the layer. */
export function sequential(spec: ModelSpec, backend: BackendChoice = "auto"): Sequential {
  return new Sequential(spec, backend);
}
