/**
 * The WebAssembly backend: the operations of operations.ts (SIMD kernels on worker threads over one shared memory)
 * as a model's backend (../backend.ts). For each layer of a Float32 model it hands back the accelerated layer that
 * computes the same thing, and it keeps the model's Float32 workspaces in its shared memory, so the kernels read
 * activations and write deltas in place.
 *
 *   const backend = createWasmBackend({ threads: 2 });
 *   lenet5({ backend });
 *   backend.dispose();
 *
 * It runs convolutions (any connection table or kernel sharing; a kernel that covers its whole unpadded input, as
 * LeNet-5's C5, as a dense layer), dense layers, max and average pooling, LeCun's weighted sub-sampling with a
 * one-to-one table, and the ReLU, leaky ReLU, tanh and LeCun tanh activations; other layers stay on the reference.
 */
import { ActivationLayer } from "../../layers/activation";
import { AveragePoolLayer } from "../../layers/average-pool";
import { Conv2dLayer } from "../../layers/conv2d";
import { DenseLayer } from "../../layers/dense";
import { MaxPoolLayer } from "../../layers/max-pool";
import { WeightedSubsampleLayer } from "../../layers/weighted-subsample";
import type { Layer } from "../../layers/layer";
import type { DType, FloatArray } from "../../tensor";
import type { Backend } from "../backend";
import { isWasmActivation } from "./arguments";
import { WasmConv2dLayer } from "./conv-layer";
import { WasmActivationLayer, WasmDenseLayer, WasmPoolLayer } from "./layers";
import { WasmOperations, type WasmBackendOptions } from "./operations";
import { supportsWeightedSubsample, WasmWeightedSubsampleLayer } from "./subsample-layer";

export type { WasmBackendOptions } from "./operations";

export class WasmBackend extends WasmOperations implements Backend {
  readonly name = "wasm";

  /** The WebAssembly version of a Float32 layer where there is one (see ../backend.ts). */
  accelerate(layer: Layer, dtype: DType): Layer {
    if (dtype !== "float32") return layer;
    if (layer instanceof Conv2dLayer) return new WasmConv2dLayer(layer, this);
    if (layer instanceof DenseLayer) return new WasmDenseLayer(layer, this);
    if (layer instanceof WeightedSubsampleLayer && supportsWeightedSubsample(layer)) {
      return new WasmWeightedSubsampleLayer(layer, this);
    }
    if (layer instanceof MaxPoolLayer || layer instanceof AveragePoolLayer)
      return new WasmPoolLayer(layer, this);
    if (layer instanceof ActivationLayer && isWasmActivation(layer.kind)) {
      return new WasmActivationLayer(layer, layer.kind, this);
    }
    return layer;
  }

  /** Float32 workspaces live in the shared memory, so layers on this backend run on them without copies. */
  workspaceBuffer(dtype: DType, length: number, owner: object): FloatArray {
    return dtype === "float32" ? this.allocate(length, owner) : new Float64Array(length);
  }
}

/** A Float32 backend on worker threads; see {@link WasmBackend}. */
export function createWasmBackend(options: WasmBackendOptions = {}): WasmBackend {
  return new WasmBackend(options);
}
