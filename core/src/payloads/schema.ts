/**
 * The subset of JSON Schema (draft-07) that the payload schemas use, typed so that a schema literal is checked
 * by the compiler. Validators (ajv in the front end) accept these objects as they are.
 */
export interface JsonSchema {
  $id?: string;
  $schema?: string;
  title?: string;
  description?: string;
  type?: "object" | "array" | "string" | "number" | "integer" | "boolean" | "null" | JsonSchemaType[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema | JsonSchema[];
  minItems?: number;
  maxItems?: number;
  enum?: readonly (string | number | boolean)[];
  const?: string | number | boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  definitions?: Record<string, JsonSchema>;
  $ref?: string;
}

export type JsonSchemaType = "object" | "array" | "string" | "number" | "integer" | "boolean" | "null";

/** Schema of a finite JSON number array of at least `minItems` entries. */
export function numberArray(description: string, minItems = 0): JsonSchema {
  return { type: "array", description, items: { type: "number" }, minItems };
}

/** Schema of a short label string (rendered as text, never as HTML). */
export function label(description: string): JsonSchema {
  return { type: "string", description, maxLength: 400 };
}
