export * from "./connections";
export * from "./conv-explicit";
export * from "./conv-im2col";
export * from "./explicit";
export * from "./gemm";
export * from "./geometry";
export * from "./im2col";
export * from "./sparse";
