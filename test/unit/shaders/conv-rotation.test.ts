import { describe, it } from "vitest";
import { Conv2dLayer, conv2dInputDeltaByRotation } from "@deltalab/core";
import { runLayer } from "@deltalab/shaders";
import { expectClose, randomArray, rng, testDevice } from "./support";

describe("convolution input delta against eq. 74 computed literally", () => {
  it("equals the padded (and, for stride > 1, dilated) delta correlated with the rot180 kernels", async () => {
    const gpu = await testDevice();
    const layers = [
      new Conv2dLayer("a", [3, 9, 8], {
        filters: 4,
        kernel: [3, 2],
        connections: [[0], [0, 1], [1, 2], [2]],
      }),
      new Conv2dLayer("b", [2, 11, 10], { filters: 3, kernel: 4, stride: [2, 3], padding: 1 }),
      new Conv2dLayer("c", [2, 7, 7], { filters: 2, kernel: 3, padding: 2, sharing: "map" }),
    ];
    for (const [i, layer] of layers.entries()) {
      const batch = 2;
      const next = rng(50 + i);
      const params = randomArray(layer.parameterCount, next);
      const x = randomArray(batch * layer.inputSize, next);
      const dy = randomArray(batch * layer.outputSize, next);
      const { dx } = await runLayer(gpu, layer, params, x, dy, batch);
      expectClose(dx, conv2dInputDeltaByRotation(layer, params, dy, batch), 1e-5, 1e-4);
    }
  });
});
