/** The element-wise activation as a tunable operator (workgroup size, vec4 access). */
import { activation, type ActivationName } from "@deltalab/core";
import { dispatchOf } from "../device/gpu";
import { ActivationConfig, activationForwardProgram } from "../kernels/activation";
import { LaunchParams, TunableOperator, numberParam, product, workgroupProblem } from "./operator";
import { prepared, seededValues } from "./shared";

/** y = phi(z) over `length` elements. */
export function activationOperator(name: ActivationName, length: number, seed = 1): TunableOperator {
  const config = (params: LaunchParams): ActivationConfig => ({
    activation: name,
    slope: 0.01,
    length,
    workgroupSize: numberParam(params, "workgroupSize"),
    vec4: params.vec4 === true,
  });
  const phi = activation(name, 0.01);
  return {
    name: "activation-forward",
    shape: { length },
    space: () =>
      product({ workgroupSize: [32, 64, 128, 256], vec4: length % 4 === 0 ? [false, true] : [false] }),
    infeasible: (params, limits) => workgroupProblem(limits, numberParam(params, "workgroupSize"), 1, 0),
    defaultParams: { workgroupSize: 64, vec4: length % 4 === 0 },
    globalAccesses: () => 2 * length,
    flops: length,
    prepare: (device) => {
      const z = seededValues(length, seed);
      const reference = z.map((v) => phi.value(v));
      return prepared(device, { z }, "y", reference, (buffers, params) => [
        dispatchOf(activationForwardProgram, config(params), { z: buffers.z, y: buffers.y }),
      ]);
    },
  };
}
