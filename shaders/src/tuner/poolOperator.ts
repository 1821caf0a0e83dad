/**
 * A pooling layer's forward pass (max, average, weighted or vanilla sub-sampling) as a tunable operator: the
 * workgroup size of its one-output-per-invocation kernel, checked against the core layer's forward. The backward
 * pass of the layer takes the same launch.
 */
import type { Layer } from "@deltalab/core";
import { dispatchOf } from "../device/gpu";
import { PoolConfig, poolForwardProgram } from "../kernels/pool";
import { TunableOperator, numberParam, product, workgroupProblem } from "./operator";
import { prepared, seededValues } from "./shared";

export const DEFAULT_POOL_WORKGROUP = 64;

/** The forward pass of `layer` with the pooling config (any workgroup size) its device kernel uses. */
export function poolForwardOperatorOf(layer: Layer, config: PoolConfig, seed = 1): TunableOperator {
  const { kind: _kind, workgroupSize: _workgroupSize, ...geometry } = config;
  const outputs = config.batch * config.channels * config.outHeight * config.outWidth;
  return {
    // The kind is in the name: a max-pooling and an average-pooling layer of one shape are tuned apart.
    name: `pool-forward-${config.kind}`,
    shape: { ...geometry },
    space: () => product({ workgroupSize: [32, 64, 128, 256] }),
    infeasible: (params, limits) => workgroupProblem(limits, numberParam(params, "workgroupSize"), 1, 0),
    defaultParams: { workgroupSize: DEFAULT_POOL_WORKGROUP },
    globalAccesses: () => outputs * (config.kernelHeight * config.kernelWidth + 1),
    flops: outputs * config.kernelHeight * config.kernelWidth,
    prepare: (device) => {
      const x = seededValues(config.batch * layer.inputSize, seed);
      const params = seededValues(Math.max(1, layer.parameterCount), seed + 1);
      const reference = new Float32Array(config.batch * layer.outputSize);
      layer.forward(params, x, reference, config.batch);
      const inputs: Record<string, Float32Array> = config.kind === "weighted" ? { x, params } : { x };
      return prepared(device, inputs, "y", reference, (buffers, launch) => [
        dispatchOf(
          poolForwardProgram,
          { ...config, workgroupSize: numberParam(launch, "workgroupSize") },
          buffers,
        ),
      ]);
    },
  };
}
