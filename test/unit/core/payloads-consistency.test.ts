import {
  LOSS_SURFACE_MIME_TYPE_V1,
  LossSurfacePayload,
  STEPS_MIME_TYPE_V1,
  lossSurfaceProblems,
  TRAINING_MIME_TYPE_V1,
  trainingProblems,
  TUNING_TABLE_MIME_TYPE_V1,
  tuningTableProblems,
} from "@deltalab/core/payloads";
import { describe, expect, it } from "vitest";
import { surfacePayload, trainingPayload, tuningPayload } from "../extension/fixtures";

describe("payload mime types", () => {
  it("carry the vendor prefix and the version v1", () => {
    for (const mime of [
      LOSS_SURFACE_MIME_TYPE_V1,
      TUNING_TABLE_MIME_TYPE_V1,
      TRAINING_MIME_TYPE_V1,
      STEPS_MIME_TYPE_V1,
    ]) {
      expect(mime).toMatch(/^application\/vnd\.deltalab\.[a-z-]+\.v1\+json$/);
    }
  });
});

describe("lossSurfaceProblems", () => {
  it("finds nothing wrong with a consistent surface", () => {
    expect(lossSurfaceProblems(surfacePayload())).toEqual([]);
  });

  it("reports a loss grid whose rows do not match grid.y", () => {
    const payload: LossSurfacePayload = surfacePayload();
    payload.grid.loss.pop();
    expect(lossSurfaceProblems(payload)).toEqual(["grid.loss has 3 rows, expected one per grid.y value (4)"]);
  });

  it("reports a row with the wrong number of values", () => {
    const payload = surfacePayload();
    payload.grid.loss[1] = [1, 2];
    expect(lossSurfaceProblems(payload)).toEqual([
      "grid.loss[1] has 2 values, expected one per grid.x value (5)",
    ]);
  });

  it("reports a grid axis that does not increase", () => {
    const payload = surfacePayload();
    payload.grid.x = [-2, -1, -1, 1, 2];
    expect(lossSurfaceProblems(payload)).toEqual(["grid.x must be strictly increasing"]);
  });

  it("reports a trajectory whose loss column is shorter than its coordinates", () => {
    const payload = surfacePayload();
    payload.trajectories[0].loss = [14];
    expect(lossSurfaceProblems(payload)).toEqual(["trajectories[0] (sgd): loss has 1 values, x has 3"]);
  });
});

describe("tuningTableProblems", () => {
  it("reports a duplicated candidate id", () => {
    const payload = tuningPayload();
    payload.candidates[1].id = payload.candidates[0].id;
    expect(tuningTableProblems(payload)).toEqual(['candidate id "wg16x16" appears more than once']);
  });

  it("reports a heat-map parameter that some candidates lack", () => {
    const payload = tuningPayload();
    payload.heatmapParams = ["workgroupX", "tile"];
    expect(tuningTableProblems(payload)).toEqual([
      'heatmapParams names "tile", which 4 candidate(s) lack as a number',
    ]);
  });
});

describe("trainingProblems", () => {
  it("reports an accuracy column of the wrong length", () => {
    const payload = trainingPayload(5);
    payload.test!.accuracy = [0.1];
    expect(trainingProblems(payload)).toEqual(["test.accuracy has 1 values, x has 2"]);
  });
});
