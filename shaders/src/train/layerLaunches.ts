/**
 * The launches of a layer's device kernels, from the launch resolver (tuner/launches.ts): each tunable operation
 * of the layer (the convolution's forward pass, input delta and filter gradient; the dense layer's forward product;
 * an activation; a pooling layer) as the tuner's operator at the layer's shape, so that a %tune of that operator
 * and shape reaches the run. The answer keeps where each launch came from, for the training payload.
 *
 * Not tuned, so on fixed launches: the dense layer's backward products (transposed operands, which the matmul
 * operator does not tune), the bias sums, im2col's helpers, the fused loss and the update.
 */
import type { Conv2dLayer, Layer } from "@deltalab/core";
import type { PoolConfig } from "../kernels/pool";
import { poolForwardOperatorOf } from "../tuner/poolOperator";
import type { TrainingLaunch } from "@deltalab/core/payloads";
import { DEFAULT_ACTIVATION_TUNING } from "../kernels/activation";
import { gemmParams, matmulOperator } from "../tuner/matmulOperator";
import { ConvBackwardMethod, ConvForwardMethod } from "../ops/conv2d";
import { DenseForwardTuning, DenseShape, denseForwardProblem } from "../ops/dense";
import { activationOperator } from "../tuner/activationOperator";
import {
  conv2dFilterGradientOperatorOf,
  conv2dInputDeltaOperatorOf,
  filterGradientMethod,
  inputDeltaMethod,
} from "../tuner/convBackwardOperators";
import { conv2dForwardOperatorOf, convLaunchParams, convMethod } from "../tuner/convOperator";
import { LaunchResolver, ResolvedLaunch } from "../tuner/launches";

/** A launch used by one layer: the resolver's answer with the layer's name. */
export type LayerLaunch = TrainingLaunch;

function record(layer: string, resolved: ResolvedLaunch): LayerLaunch {
  return {
    layer,
    operator: resolved.operator,
    shape: { ...resolved.shape },
    launch: { ...resolved.params },
    source: resolved.source,
  };
}

/** Whether `parse` accepts the params (a cache entry written by another version may not parse). */
function parses(parse: (params: ResolvedLaunch["params"]) => unknown) {
  return (params: ResolvedLaunch["params"]) => {
    try {
      parse(params);
      return true;
    } catch {
      return false;
    }
  };
}

/**
 * The convolution's forward method (the caller's `given` one, else resolved) and its backward methods (resolved),
 * with the launches used. `backward` false resolves the forward pass only; `inputDelta` false (the first layer)
 * leaves the input delta's launch out of the record, since it is never dispatched.
 */
export function convLaunches(
  resolver: LaunchResolver,
  layer: Conv2dLayer,
  batch: number,
  given: ConvForwardMethod | undefined,
  backward: boolean,
  inputDelta = true,
): { forward: ConvForwardMethod; backward: ConvBackwardMethod | undefined; launches: LayerLaunch[] } {
  const forwardOperator = conv2dForwardOperatorOf(layer, batch);
  const forwardLaunch: ResolvedLaunch =
    given === undefined
      ? resolver.resolve(forwardOperator, { accept: parses(convMethod) })
      : {
          operator: forwardOperator.name,
          shape: forwardOperator.shape,
          params: convLaunchParams(given),
          source: "given",
        };
  const launches = [record(layer.name, forwardLaunch)];
  const forward = given ?? convMethod(forwardLaunch.params);
  if (!backward) return { forward, backward: undefined, launches };
  const input = resolver.resolve(conv2dInputDeltaOperatorOf(layer, batch), {
    accept: parses(inputDeltaMethod),
  });
  const filter = resolver.resolve(conv2dFilterGradientOperatorOf(layer, batch), {
    accept: parses(filterGradientMethod),
  });
  launches.push(...(inputDelta ? [record(layer.name, input)] : []), record(layer.name, filter));
  return {
    forward,
    backward: { input: inputDeltaMethod(input.params), filter: filterGradientMethod(filter.params) },
    launches,
  };
}

/** The dense layer's forward product Z = X W^T + 1 b^T as the matmul operator (M = batch, N = outputs, K = inputs). */
export function denseLaunch(
  resolver: LaunchResolver,
  name: string,
  shape: DenseShape,
): { forward: DenseForwardTuning; launches: LayerLaunch[] } {
  const tuning = (params: ResolvedLaunch["params"]): DenseForwardTuning => ({
    ...gemmParams(params),
    vec4: params.vec4 === true,
  });
  const accept = (params: ResolvedLaunch["params"]) =>
    parses(gemmParams)(params) && denseForwardProblem(shape, tuning(params)) === undefined;
  const resolved = resolver.resolve(matmulOperator(shape.batch, shape.outputs, shape.inputs), { accept });
  return { forward: tuning(resolved.params), launches: [record(name, resolved)] };
}

/** An element-wise activation over `length` values (forward and backward share the launch). */
export function activationLaunch(
  resolver: LaunchResolver,
  name: string,
  activation: Parameters<typeof activationOperator>[0],
  length: number,
): { workgroupSize: number; vec4: boolean; launches: LayerLaunch[] } {
  const accept = (params: ResolvedLaunch["params"]) =>
    typeof params.workgroupSize === "number" && (params.vec4 !== true || length % 4 === 0);
  const resolved = resolver.resolve(activationOperator(activation, length), { accept });
  const workgroupSize = resolved.params.workgroupSize;
  return {
    workgroupSize:
      typeof workgroupSize === "number" ? workgroupSize : DEFAULT_ACTIVATION_TUNING.workgroupSize,
    vec4: resolved.params.vec4 === true,
    launches: [record(name, resolved)],
  };
}

/**
 * A per-layer convolution choice that takes the tuning cache's launch where it has one for the layer at `batch`,
 * else `fallback`'s (a default measured for one use, such as the surface evaluator's).
 */
export function tunedOr(
  resolver: LaunchResolver,
  batch: number,
  fallback: (layer: Conv2dLayer) => ConvForwardMethod,
): (layer: Conv2dLayer) => ConvForwardMethod {
  return (layer) => {
    const tuned = resolver.tuned(conv2dForwardOperatorOf(layer, batch), { accept: parses(convMethod) });
    return tuned === undefined ? fallback(layer) : convMethod(tuned.params);
  };
}

/** A pooling layer's launch (its forward and backward kernels take the same workgroup size). */
export function poolLaunch(
  resolver: LaunchResolver,
  layer: Layer,
  config: PoolConfig,
): { config: PoolConfig; launches: LayerLaunch[] } {
  const accept = (params: ResolvedLaunch["params"]) => typeof params.workgroupSize === "number";
  const resolved = resolver.resolve(poolForwardOperatorOf(layer, config), { accept });
  return {
    config: { ...config, workgroupSize: Number(resolved.params.workgroupSize) },
    launches: [record(layer.name, resolved)],
  };
}
