/**
 * Command results display themselves: each is an object with a `[Symbol.for("Jupyter.display")]()` method
 * returning its mime bundle — the deltalab mime type (a JSON object) where the result has a payload type, a
 * `text/html` fallback and `text/plain` — so a result shows the same whether it came from `%name` or from
 * calling the command's function in a cell.
 */
import { JUPYTER_DISPLAY, type MimeBundle } from "../execution/display";

export interface Displayed {
  [JUPYTER_DISPLAY](): MimeBundle;
}

/** Adds the display method to a result object (non-enumerable, so the object prints as its data). */
export function displayable<T extends object>(result: T, bundle: (result: T) => MimeBundle): T & Displayed {
  Object.defineProperty(result, JUPYTER_DISPLAY, { value: () => bundle(result), enumerable: false });
  return result as T & Displayed;
}
