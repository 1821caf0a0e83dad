/**
 * The display payloads of deltalab: one TypeScript type and one JSON Schema per mime type, shared by the kernel
 * (which emits them) and the JupyterLab extension (which renders them). This entry point imports nothing else
 * from the engine, so the extension can depend on it alone.
 */
export type { JsonSchema, JsonSchemaType } from "./schema";
export * from "./lossSurface";
export * from "./comm";
export * from "./tuningTable";
export * from "./training";
export * from "./steps";
export * from "./profiles";
