export const VERSION = "0.1.0";
export * from "./program";
export * from "./device/errors";
export * from "./device/open";
export * from "./device/gpu";
export * from "./kernels/gemm";
