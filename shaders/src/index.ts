/**
 * @deltalab/shaders: WGSL compute shaders for the layers of @deltalab/core on WebGPU (Dawn), the device layer they
 * run on, training with tensors resident on the device, and an auto-tuner (seed 004 sections 9-10).
 */
export const VERSION = "0.1.0";

// Device layer and programs.
export * from "./device/errors";
export * from "./device/open";
export * from "./device/gpu";
export * from "./program";
export * from "./wgsl";

// Kernels (typed config -> WGSL source).
export * from "./kernels/gemm";
export * from "./kernels/gemmVec4";
export * from "./kernels/reduce";
export * from "./kernels/activation";
export * from "./kernels/conv2dGeometry";
export * from "./kernels/conv2dForward";
export * from "./kernels/conv2dBackward";
export * from "./kernels/conv2dBlocked";
export * from "./kernels/conv2dBackwardBlocked";
export * from "./kernels/im2col";
export * from "./kernels/pool";
export * from "./kernels/softmaxCrossEntropy";
export * from "./kernels/sgd";

// Layer operations, core layers on the device, training.
export * from "./ops/dense";
export * from "./ops/conv2d";
export * from "./ops/pool";
export * from "./train/layers";
export * from "./train/gpuModel";
export * from "./train/layerLaunches";
export * from "./train/stepOperators";
export * from "./train/trainOnDevice";

// WebGPU as a core backend: registers "webgpu" with @deltalab/core on import.
export * from "./backend/webgpuBackend";

// Auto-tuner.
export * from "./tuner/accessModel";
export * from "./tuner/operator";
export { seededValues } from "./tuner/shared";
export * from "./tuner/matmulOperator";
export * from "./tuner/convOperator";
export * from "./tuner/convBackwardOperators";
export * from "./tuner/activationOperator";
export * from "./tuner/timing";
export * from "./tuner/cache";
export * from "./tuner/tune";
export * from "./tuner/launches";
export * from "./tuner/poolOperator";

// Experiments of seed 004 section 9.
export * from "./experiments/launches";
export * from "./experiments/workgroupMemory";

// Loss landscapes on the device.
export * from "./landscape/planeKernels";
export * from "./landscape/planeData";
export * from "./landscape/planeEvaluator";
