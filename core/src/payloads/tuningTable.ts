import { JsonSchema, label } from "./schema";

/** Mime type of an auto-tuning result table (payload version 1). */
export const TUNING_TABLE_MIME_TYPE_V1 = "application/vnd.deltalab.tuning-table.v1+json";

export interface TuningDevice {
  /** Adapter description, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"; plain text. */
  name: string;
  vendor?: string;
  architecture?: string;
  /** The limits that bound the search, e.g. maxComputeInvocationsPerWorkgroup: 1024. */
  limits: Record<string, number>;
}

/** A launch parameter's value: a workgroup size, a tile size, a flag. */
export type LaunchValue = number | string | boolean;

export interface TuningCandidate {
  /** Unique within the table, e.g. the shader key. */
  id: string;
  /** The launch parameters (the shader config's fields), in the order the columns should show them. */
  params: Record<string, LaunchValue>;
  /** Median wall time of the timed runs, ms. */
  medianMs: number;
  /** Interquartile range (q3 - q1) of the timed runs, ms. */
  spreadMs: number;
  /** Number of timed runs. */
  samples: number;
  gflops: number;
  /** Achieved global-memory bandwidth, from the modelled accesses below. */
  gbps: number;
  /** Modelled global-memory accesses (loads + stores, in elements) of one launch. */
  globalAccesses: number;
  /**
   * Result checked against the CPU reference: largest absolute error (null when not finite) and the tolerance
   * it was held to.
   */
  check: { passed: boolean; maxAbsError: number | null; tolerance: number };
}

export interface TuningTablePayload {
  device: TuningDevice;
  /** The operator tuned, e.g. "matmul" or "conv2d-forward"; plain text. */
  operator: string;
  /** The problem shape, e.g. { M: 1024, N: 1024, K: 1024 }. */
  shape: Record<string, number>;
  /** `id` of the configuration the heuristic picks with no cache entry: speed-ups are relative to it. */
  defaultId: string;
  candidates: TuningCandidate[];
  /** The two launch parameters the time heat map is drawn over, e.g. ["workgroupX", "workgroupY"]. */
  heatmapParams?: [string, string];
}

const launchValue: JsonSchema = { type: ["number", "string", "boolean"] };

export const TUNING_TABLE_SCHEMA_V1: JsonSchema = {
  $id: "https://deltalab.dev/schemas/tuning-table.v1.json",
  title: "deltalab tuning table, v1",
  type: "object",
  required: ["device", "operator", "shape", "defaultId", "candidates"],
  additionalProperties: false,
  properties: {
    device: {
      type: "object",
      required: ["name", "limits"],
      additionalProperties: false,
      properties: {
        name: label("adapter description"),
        vendor: label("adapter vendor"),
        architecture: label("adapter architecture"),
        limits: { type: "object", additionalProperties: { type: "number" } },
      },
    },
    operator: label("operator tuned"),
    shape: { type: "object", additionalProperties: { type: "number" } },
    defaultId: { type: "string", minLength: 1 },
    candidates: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: [
          "id",
          "params",
          "medianMs",
          "spreadMs",
          "samples",
          "gflops",
          "gbps",
          "globalAccesses",
          "check",
        ],
        additionalProperties: false,
        properties: {
          id: { type: "string", minLength: 1, maxLength: 400 },
          params: { type: "object", additionalProperties: launchValue },
          medianMs: { type: "number", exclusiveMinimum: 0 },
          spreadMs: { type: "number", minimum: 0 },
          samples: { type: "integer", minimum: 1 },
          gflops: { type: "number", minimum: 0 },
          gbps: { type: "number", minimum: 0 },
          globalAccesses: { type: "number", minimum: 0 },
          check: {
            type: "object",
            required: ["passed", "maxAbsError", "tolerance"],
            additionalProperties: false,
            properties: {
              passed: { type: "boolean" },
              maxAbsError: { type: ["number", "null"] },
              tolerance: { type: "number", minimum: 0 },
            },
          },
        },
      },
    },
    heatmapParams: { type: "array", items: { type: "string" }, minItems: 2, maxItems: 2 },
  },
};

/** The constraints the schema cannot state. Returns one sentence per problem (empty when consistent). */
export function tuningTableProblems(payload: TuningTablePayload): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const candidate of payload.candidates) {
    if (ids.has(candidate.id)) problems.push(`candidate id "${candidate.id}" appears more than once`);
    ids.add(candidate.id);
  }
  if (!ids.has(payload.defaultId)) problems.push(`defaultId "${payload.defaultId}" names no candidate`);
  if (payload.heatmapParams) {
    for (const name of payload.heatmapParams) {
      const missing = payload.candidates.filter((c) => typeof c.params[name] !== "number").length;
      if (missing > 0) {
        problems.push(`heatmapParams names "${name}", which ${missing} candidate(s) lack as a number`);
      }
    }
  }
  return problems;
}
