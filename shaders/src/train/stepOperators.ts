/**
 * The tunable operators a training step of a model's layers runs at a batch size, in the layers' order, as a compiled
 * model resolves them (layerLaunches.ts): what to tune (and cache) so that every tunable launch of the step is a
 * tuned one.
 */
import { ActivationLayer, Conv2dLayer, DenseLayer, type Layer } from "@deltalab/core";
import { activationOperator } from "../tuner/activationOperator";
import { conv2dFilterGradientOperatorOf, conv2dInputDeltaOperatorOf } from "../tuner/convBackwardOperators";
import { conv2dForwardOperatorOf } from "../tuner/convOperator";
import { matmulOperator } from "../tuner/matmulOperator";
import type { TunableOperator } from "../tuner/operator";
import { poolForwardOperatorOf } from "../tuner/poolOperator";
import { devicePoolConfig } from "./layers";

/** `training` false: the forward operators only. The first layer computes no input delta. */
export function stepOperators(layers: readonly Layer[], batch: number, training = true): TunableOperator[] {
  return layers.flatMap((layer, l): TunableOperator[] => {
    if (layer instanceof Conv2dLayer) {
      return [
        conv2dForwardOperatorOf(layer, batch),
        ...(training && l > 0 ? [conv2dInputDeltaOperatorOf(layer, batch)] : []),
        ...(training ? [conv2dFilterGradientOperatorOf(layer, batch)] : []),
      ];
    }
    if (layer instanceof DenseLayer) return [matmulOperator(batch, layer.outputSize, layer.inputSize)];
    if (layer instanceof ActivationLayer) return [activationOperator(layer.kind, batch * layer.inputSize)];
    const pool = devicePoolConfig(layer, batch);
    return pool === undefined ? [] : [poolForwardOperatorOf(layer, pool)];
  });
}
