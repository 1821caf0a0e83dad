import {
  bfgs,
  classificationData,
  computeGrid,
  lossSurfacePayload,
  ModelObjective,
  modelThetaGroups,
  pcaPlane,
  projectPath,
  randomFilterNormalizedPlane,
  runMethod,
  sequential,
  xorDataset,
} from "@deltalab/core";
import { LOSS_SURFACE_SCHEMA_V1 } from "@deltalab/core/payloads";
import Ajv from "ajv";
import { describe, expect, it } from "vitest";

/** A 2-3-2 tanh network on noisy XOR, trained by BFGS with every iterate recorded. */
function trainedXor() {
  const { inputs, labels } = xorDataset({ copies: 8, noise: 0.1, seed: 1 });
  const model = sequential({
    inputShape: [2],
    dtype: "float64",
    layers: [
      { type: "dense", units: 3, activation: "tanh", name: "H" },
      { type: "dense", units: 2, name: "O" },
      { type: "softmax" },
    ],
  }).initialize(5);
  const objective = new ModelObjective(model, classificationData(inputs, labels, 2), {
    loss: "cross-entropy",
  });
  const run = runMethod(objective, model.getParameters(), bfgs(), { maxIterations: 40 });
  return { model, objective, run };
}

const validate = new Ajv({ allowUnionTypes: true, strict: true }).compile(LOSS_SURFACE_SCHEMA_V1);

describe("landscapes of a trained network", () => {
  it("puts the end of a BFGS path at the origin of its PCA plane, where the surface is the path's last loss", async () => {
    const { objective, run } = trainedXor();
    expect(run.trajectory.length).toBeGreaterThan(3);
    const plane = pcaPlane(run.trajectory);
    const grid = await computeGrid(objective, plane, {
      x: { min: -2, max: 2, count: 5 },
      y: { min: -2, max: 2, count: 5 },
    });
    const path = projectPath(plane, run.trajectory, { optimizer: "bfgs", objective });
    const last = path.x.length - 1;
    expect(path.x[last]).toBe(0);
    expect(path.y[last]).toBe(0);
    expect(path.distance[last]).toBe(0);
    expect(grid.loss[2][2]).toBeCloseTo(run.f, 12);
    expect(path.loss[last]).toBe(run.f);

    const payload = lossSurfacePayload(plane, grid, [path]);
    expect(validate(JSON.parse(JSON.stringify(payload))), JSON.stringify(validate.errors)).toBe(true);
    const explained =
      (payload.directions.x.explainedVariance ?? 0) + (payload.directions.y.explainedVariance ?? 0);
    expect(explained).toBeGreaterThan(0);
    expect(explained).toBeLessThanOrEqual(1 + 1e-12);
  });

  it("flags a path that leaves the plane, with its surface height differing from its true loss", () => {
    const { objective, run } = trainedXor();
    const plane = pcaPlane(run.trajectory);
    const path = projectPath(plane, run.trajectory, { optimizer: "bfgs", objective });
    const farthest = path.distance.indexOf(Math.max(...path.distance));
    expect(path.inPlane).toBe(false);
    expect(path.distance[farthest]).toBeGreaterThan(1e-6);
    expect(path.surfaceLoss?.[farthest]).not.toBeCloseTo(path.loss[farthest], 6);
  });

  it("draws a filter-normalized random plane of the network as a schema-valid payload", async () => {
    const { model, objective, run } = trainedXor();
    const plane = randomFilterNormalizedPlane(run.x, { seed: 3, groups: modelThetaGroups(model) });
    const grid = await computeGrid(objective, plane, {
      x: { min: -1, max: 1, count: 4 },
      y: { min: -1, max: 1, count: 3 },
    });
    const path = projectPath(plane, run.trajectory, { optimizer: "bfgs" });
    const payload = lossSurfacePayload(plane, grid, [path], { title: "XOR, 2-3-2" });
    expect(validate(JSON.parse(JSON.stringify(payload))), JSON.stringify(validate.errors)).toBe(true);
    expect(payload.directions.kind).toBe("random-filter-normalized");
    expect(payload.grid.loss.flat().every((v) => v !== null && v > 0)).toBe(true);
  });
});
