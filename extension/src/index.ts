import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import lossSurface from "./lossSurface";
import profiles from "./profiles";
import steps from "./steps";
import training from "./training";
import tuningTable from "./tuningTable";

/** The deltalab mime renderers, one per payload mime type. */
const extensions: IRenderMime.IExtension[] = [lossSurface, tuningTable, training, steps, profiles];

export default extensions;
