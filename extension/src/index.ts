import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import training from "./training";
import tuningTable from "./tuningTable";

/** The deltalab mime renderers, one per payload mime type. */
const extensions: IRenderMime.IExtension[] = [tuningTable, training];

export default extensions;
