import {
  LOSS_SURFACE_SCHEMA_V1,
  lossSurfaceProblems,
  TRAINING_SCHEMA_V1,
  trainingProblems,
  TUNING_TABLE_SCHEMA_V1,
  tuningTableProblems,
  TuningTablePayload,
} from "@deltalab/core/payloads";
import { describe, expect, it } from "vitest";
import { readPayload } from "../../../extension/src/validate";
import { surfacePayload, trainingPayload, tuningPayload } from "./fixtures";

const tuning = { name: "tuning table", schema: TUNING_TABLE_SCHEMA_V1, problems: tuningTableProblems };

describe("readPayload", () => {
  it("accepts each hand-written fixture against its schema", () => {
    const surface = { name: "loss surface", schema: LOSS_SURFACE_SCHEMA_V1, problems: lossSurfaceProblems };
    const training = { name: "training", schema: TRAINING_SCHEMA_V1, problems: trainingProblems };
    expect(readPayload(tuningPayload(), tuning).ok).toBe(true);
    expect(readPayload(surfacePayload(), surface).ok).toBe(true);
    expect(readPayload(trainingPayload(), training).ok).toBe(true);
  });

  it("accepts the payload as a JSON string and returns the parsed object", () => {
    const result = readPayload<TuningTablePayload>(JSON.stringify(tuningPayload()), tuning);
    expect(result.ok && result.value.candidates.map((c) => c.id)).toEqual([
      "wg16x16",
      "wg8x8",
      "wg32x4",
      "wg8x16",
    ]);
  });

  it("says a string that is not JSON is not JSON", () => {
    const result = readPayload("{ not json", tuning);
    expect(result.ok ? "" : result.error).toMatch(/tuning table payload is a string but not valid JSON/);
  });

  it("names a missing required property", () => {
    const { operator: _operator, ...rest } = tuningPayload();
    const result = readPayload(rest, tuning);
    expect(result.ok ? "" : result.error).toContain('lacks the required property "operator"');
  });

  it("names the place of a value of the wrong type", () => {
    const payload = tuningPayload();
    const bad = { ...payload, candidates: [{ ...payload.candidates[0], medianMs: "fast" }] };
    const result = readPayload(bad, tuning);
    expect(result.ok ? "" : result.error).toContain("/candidates/0/medianMs must be number");
  });

  it("names an unknown property", () => {
    const result = readPayload({ ...tuningPayload(), extra: 1 }, tuning);
    expect(result.ok ? "" : result.error).toContain('unknown property "extra"');
  });

  it("reports a cross-field inconsistency the schema cannot see", () => {
    const result = readPayload({ ...tuningPayload(), defaultId: "nope" }, tuning);
    expect(result.ok ? "" : result.error).toContain('defaultId "nope" names no candidate');
  });

  it("rejects a null payload with a sentence instead of throwing", () => {
    const result = readPayload(null, tuning);
    expect(result.ok ? "" : result.error).toContain("empty");
  });
});
