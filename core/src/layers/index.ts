/** Layer specifications (plain JSON, the architecture part of a saved model) and the factory that builds them. */
import { isActivationName, type ActivationName } from "../activations";
import type { Shape } from "../tensor";
import { ActivationLayer } from "./activation";
import { AveragePoolLayer, type AveragePoolAttrs } from "./average-pool";
import { Conv2dLayer, type Conv2dAttrs } from "./conv2d";
import { DenseLayer, type DenseAttrs } from "./dense";
import { FlattenLayer, type FlattenAttrs } from "./flatten";
import { LayerConfigError, type Layer } from "./layer";
import { MaxPoolLayer, type MaxPoolAttrs } from "./max-pool";
import { RbfLayer, type RbfAttrs } from "./rbf";
import { SoftmaxLayer } from "./softmax";
import { SubsampleLayer, type SubsampleAttrs } from "./subsample";
import { WeightedSubsampleLayer, type WeightedSubsampleAttrs } from "./weighted-subsample";

interface Named {
  /** Unique in the model; default: the type and the layer's position, e.g. "conv2d_0". */
  readonly name?: string;
}

/** Layers with weights may name an activation to follow them; the builder adds it as its own layer. */
interface WithActivation {
  readonly activation?: ActivationName;
}

export type LayerSpec =
  | (Named & WithActivation & { readonly type: "dense" } & DenseAttrs)
  | (Named & WithActivation & { readonly type: "conv2d" } & Conv2dAttrs)
  | (Named & WithActivation & { readonly type: "weighted-subsample" } & WeightedSubsampleAttrs)
  | (Named & { readonly type: "rbf" } & RbfAttrs)
  | (Named & { readonly type: "max-pool" } & MaxPoolAttrs)
  | (Named & { readonly type: "average-pool" } & AveragePoolAttrs)
  | (Named & { readonly type: "subsample" } & SubsampleAttrs)
  | (Named & { readonly type: "flatten" } & FlattenAttrs)
  | (Named & { readonly type: "softmax" })
  | (Named & { readonly type: "activation"; readonly activation: ActivationName; readonly slope?: number });

export type LayerType = LayerSpec["type"];

export const LAYER_TYPES: readonly LayerType[] = [
  "dense",
  "conv2d",
  "weighted-subsample",
  "rbf",
  "max-pool",
  "average-pool",
  "subsample",
  "flatten",
  "softmax",
  "activation",
];

/** Builds one layer for the given per-sample input shape; bad options throw a LayerConfigError naming the layer. */
export function createLayer(spec: LayerSpec, inputShape: Shape, name: string): Layer {
  switch (spec.type) {
    case "dense":
      return new DenseLayer(name, inputShape, spec);
    case "conv2d":
      return new Conv2dLayer(name, inputShape, spec);
    case "weighted-subsample":
      return new WeightedSubsampleLayer(name, inputShape, spec);
    case "rbf":
      return new RbfLayer(name, inputShape, spec);
    case "max-pool":
      return new MaxPoolLayer(name, inputShape, spec);
    case "average-pool":
      return new AveragePoolLayer(name, inputShape, spec);
    case "subsample":
      return new SubsampleLayer(name, inputShape, spec);
    case "flatten":
      return new FlattenLayer(name, inputShape, spec);
    case "softmax":
      return new SoftmaxLayer(name, inputShape);
    case "activation":
      if (!isActivationName(spec.activation)) {
        throw new LayerConfigError(name, `unknown activation '${String(spec.activation)}'`);
      }
      return new ActivationLayer(name, inputShape, spec);
    default:
      throw new LayerConfigError(
        name,
        `unknown layer type '${String((spec as { type: unknown }).type)}'; known: ${LAYER_TYPES.join(", ")}`,
      );
  }
}

export { ActivationLayer, type ActivationAttrs } from "./activation";
export { AveragePoolLayer, type AveragePoolAttrs } from "./average-pool";
export { fullConnections } from "./connection-table";
export { Conv2dLayer, type Conv2dAttrs, type ConvAlgorithm, type KernelSharing } from "./conv2d";
export { conv2dInputDeltaByRotation } from "./conv2d-rotation";
export { DenseLayer, type DenseAttrs } from "./dense";
export { FlattenLayer, type FlattenAttrs, type FlattenOrder } from "./flatten";
export { LayerConfigError, ShapeMismatchError, type Layer, type Pair, type ParameterGroup } from "./layer";
export { MaxPoolLayer, type MaxPoolAttrs } from "./max-pool";
export { RbfLayer, type RbfAttrs } from "./rbf";
export { SoftmaxLayer, softmaxInto } from "./softmax";
export { SubsampleLayer, type SubsampleAttrs } from "./subsample";
export { WeightedSubsampleLayer, type WeightedSubsampleAttrs } from "./weighted-subsample";
