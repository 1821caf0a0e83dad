// @vitest-environment jsdom
import {
  LOSS_SURFACE_MIME_TYPE_V1,
  PROFILES_MIME_TYPE_V1,
  STEPS_MIME_TYPE_V1,
  TRAINING_MIME_TYPE_V1,
  TUNING_TABLE_MIME_TYPE_V1,
} from "@deltalab/core/payloads";
import { describe, expect, it } from "vitest";
import "./domPolyfills";
import extensions from "../../../extension/src/index";

describe("the deltalab mime extension", () => {
  it("registers one renderer per payload mime type, each safe for untrusted outputs", () => {
    const registered = extensions.map((e) => [e.rendererFactory.mimeTypes, e.rendererFactory.safe]);
    expect(registered).toEqual([
      [[LOSS_SURFACE_MIME_TYPE_V1], true],
      [[TUNING_TABLE_MIME_TYPE_V1], true],
      [[TRAINING_MIME_TYPE_V1], true],
      [[STEPS_MIME_TYPE_V1], true],
      [[PROFILES_MIME_TYPE_V1], true],
    ]);
  });
});
