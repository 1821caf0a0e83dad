/**
 * Values as Jupyter display bundles. An object with a `[Symbol.for("Jupyter.display")]()` method returning a
 * mime bundle displays as that bundle (Deno's convention); JSON mime types (`application/json`, `...+json`) stay
 * JSON objects; anything else is shown as Node's REPL shows it, in `text/plain`.
 */
import { inspect } from "node:util";

/** A mime bundle: mime type -> data. JSON types hold objects, text types strings, images base64 strings. */
export type MimeBundle = Record<string, unknown>;

export interface DisplayOptions {
  /** Names a display so that later calls with `update` replace it in place (update_display_data). */
  displayId?: string;
  update?: boolean;
  metadata?: Record<string, unknown>;
}

/** Where cells and commands show things (the protocol layer routes it to the running request). */
export interface Outputs {
  display(bundle: MimeBundle, options?: DisplayOptions): void;
  clear(wait?: boolean): void;
  stream(name: "stdout" | "stderr", text: string): void;
}

export const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

interface Displayable {
  [JUPYTER_DISPLAY](): unknown;
}

export function isDisplayable(value: unknown): value is Displayable {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as Partial<Displayable>)[JUPYTER_DISPLAY] === "function"
  );
}

export function isJsonMimeType(mime: string): boolean {
  return mime === "application/json" || mime.endsWith("+json");
}

/** Plain text as the Node REPL prints it. */
export function plainText(value: unknown): string {
  return inspect(value, { depth: 4, maxArrayLength: 50, breakLength: 100 });
}

/** Checks a bundle returned by user code and fills `text/plain` when it is missing. */
export function normalizeBundle(bundle: unknown): MimeBundle {
  if (bundle === null || typeof bundle !== "object" || Array.isArray(bundle)) {
    throw new TypeError(`a display bundle must be an object of mime type -> data, got ${plainText(bundle)}`);
  }
  const result: MimeBundle = {};
  for (const [mime, data] of Object.entries(bundle)) {
    if (!/^[\w.+-]+\/[\w.+-]+$/.test(mime)) throw new TypeError(`${JSON.stringify(mime)} is not a mime type`);
    if (isJsonMimeType(mime)) {
      result[mime] = typeof data === "string" ? JSON.parse(data) : data;
    } else if (data instanceof Uint8Array) {
      result[mime] = Buffer.from(data).toString("base64");
    } else if (typeof data === "string") {
      result[mime] = data;
    } else {
      throw new TypeError(`the data for ${mime} must be a string or bytes, got ${typeof data}`);
    }
  }
  if (!("text/plain" in result)) result["text/plain"] = Object.keys(result).join(", ");
  return result;
}

/** The bundle that shows `value`: its own bundle when it has one, otherwise plain text. */
export async function bundleOf(value: unknown): Promise<MimeBundle> {
  if (isDisplayable(value)) return normalizeBundle(await value[JUPYTER_DISPLAY]());
  return { "text/plain": plainText(value) };
}
