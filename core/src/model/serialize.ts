/**
 * Saving and loading models: the architecture (the expanded ModelSpec) plus theta, in one JSON document with a
 * format name and version and a checksum over the weights. A file of another format, a newer version, an
 * architecture that does not build, a parameter count that does not match the architecture or weights that do not
 * match their checksum are refused with a message saying which.
 *
 * Weights are JSON numbers: JavaScript prints the shortest decimal that reads back to the same double, so a
 * Float64 model round-trips exactly (and a Float32 model too, its values being doubles as well).
 */
import { Sequential, type ModelSpec } from "./sequential";

export const MODEL_FORMAT = "deltalab-model";
export const MODEL_FORMAT_VERSION = 1;

export interface SavedModel {
  readonly format: typeof MODEL_FORMAT;
  readonly version: number;
  readonly spec: ModelSpec;
  readonly parameterCount: number;
  /** FNV-1a (32 bit) over the little-endian Float64 bytes of theta, as 8 hex digits. */
  readonly checksum: string;
  readonly parameters: number[];
}

/** FNV-1a over the Float64 bytes of the values. */
export function weightsChecksum(values: ArrayLike<number>): string {
  const bytes = new Uint8Array(Float64Array.from(values).buffer);
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i];
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

export function toSavedModel(model: Sequential): SavedModel {
  const parameters = Array.from(model.getParameters());
  return {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    spec: model.spec,
    parameterCount: model.parameterCount,
    checksum: weightsChecksum(parameters),
    parameters,
  };
}

/** The model as a JSON string. */
export function saveModel(model: Sequential): string {
  return JSON.stringify(toSavedModel(model));
}

/** Rebuilds a model from `saveModel` output (a string or the parsed object). */
export function loadModel(saved: string | unknown): Sequential {
  let document: unknown = saved;
  if (typeof saved === "string") {
    try {
      document = JSON.parse(saved);
    } catch (error) {
      throw new Error(`not a ${MODEL_FORMAT} file: the text is not valid JSON (${(error as Error).message})`);
    }
  }
  if (document === null || typeof document !== "object") {
    throw new Error(`not a ${MODEL_FORMAT} file: expected a JSON object`);
  }
  const file = document as Partial<SavedModel>;
  if (file.format !== MODEL_FORMAT) {
    throw new Error(`not a ${MODEL_FORMAT} file: its format field is ${JSON.stringify(file.format)}`);
  }
  if (file.version !== MODEL_FORMAT_VERSION) {
    throw new Error(
      `${MODEL_FORMAT} version ${JSON.stringify(file.version)} is not supported; this build reads version ${MODEL_FORMAT_VERSION}`,
    );
  }
  if (!file.spec || typeof file.spec !== "object")
    throw new Error(`damaged ${MODEL_FORMAT} file: no architecture`);
  let model: Sequential;
  try {
    model = new Sequential(file.spec);
  } catch (error) {
    throw new Error(
      `damaged ${MODEL_FORMAT} file: its architecture does not build: ${(error as Error).message}`,
    );
  }
  const parameters = file.parameters;
  if (!Array.isArray(parameters)) throw new Error(`damaged ${MODEL_FORMAT} file: no parameter array`);
  if (file.parameterCount !== model.parameterCount || parameters.length !== model.parameterCount) {
    throw new Error(
      `damaged ${MODEL_FORMAT} file: the architecture has ${model.parameterCount} parameters, the file records ` +
        `${String(file.parameterCount)} and holds ${parameters.length}`,
    );
  }
  const bad = parameters.findIndex((value) => typeof value !== "number" || !Number.isFinite(value));
  if (bad >= 0)
    throw new Error(`damaged ${MODEL_FORMAT} file: parameter ${bad} is ${JSON.stringify(parameters[bad])}`);
  const checksum = weightsChecksum(parameters);
  if (checksum !== file.checksum) {
    throw new Error(
      `damaged ${MODEL_FORMAT} file: the weights' checksum is ${checksum}, the file records ${String(file.checksum)}`,
    );
  }
  model.setParameters(parameters);
  return model;
}
