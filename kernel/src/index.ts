/** @deltalab/kernel: the Jupyter kernel's building blocks, for embedding and tests. */
export { startKernel } from "./kernel";
export {
  install,
  kernelSpec,
  parseInstallArgs,
  KERNEL_NAME,
  DISPLAY_NAME,
  type InstallTarget,
} from "./install";
export { CellExecutor, type ExecutionResult } from "./execution/executor";
export type { CellError } from "./execution/errors";
export { bundleOf, type MimeBundle, type Outputs } from "./execution/display";
