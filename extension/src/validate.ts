import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import type { JsonSchema } from "@deltalab/core/payloads";

/** The outcome of reading a payload: the typed value, or one sentence saying what is wrong with it. */
export type PayloadResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** How to read one mime type's payload: its name in messages, its schema and its cross-field checks. */
export interface PayloadSpec<T> {
  name: string;
  schema: JsonSchema;
  problems(payload: T): string[];
}

const ajv = new Ajv({ allErrors: false, allowUnionTypes: true, strict: true });
const compiled = new Map<JsonSchema, ValidateFunction>();

function validatorFor(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/**
 * Reads a payload given as an object or as a JSON string (a kernel may send either), checks it against the
 * schema and then against the constraints the schema cannot state.
 */
export function readPayload<T>(data: unknown, spec: PayloadSpec<T>): PayloadResult<T> {
  let value = data;
  if (typeof data === "string") {
    try {
      value = JSON.parse(data);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, error: `The ${spec.name} payload is a string but not valid JSON (${reason}).` };
    }
  }
  if (value === undefined || value === null) {
    return { ok: false, error: `The ${spec.name} payload is empty; expected a JSON object.` };
  }
  const validate = validatorFor(spec.schema);
  if (!validate(value)) {
    return {
      ok: false,
      error: `The ${spec.name} payload is invalid: ${describeError(validate.errors?.[0])}.`,
    };
  }
  const typed = value as T;
  const problems = spec.problems(typed);
  if (problems.length > 0) {
    return { ok: false, error: `The ${spec.name} payload is inconsistent: ${problems.join("; ")}.` };
  }
  return { ok: true, value: typed };
}

/** One ajv error as a sentence that names the place in the payload and what was expected there. */
export function describeError(error: ErrorObject | undefined): string {
  if (!error) return "it does not match the schema";
  const where = error.instancePath === "" ? "the payload" : error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return `${where} lacks the required property "${String(params.missingProperty)}"`;
    case "additionalProperties":
      return `${where} has an unknown property "${String(params.additionalProperty)}"`;
    case "enum":
      return `${where} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return `${where} ${error.message ?? "does not match the schema"}`;
  }
}
