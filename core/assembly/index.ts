/** The kernels the loader (core/src/backend/wasm) calls; every address is a byte offset in the shared memory. */
export { GEMM_WORK_FLOATS, sgemmShare } from "./gemm";
export {
  convBackwardFilter,
  convBackwardInput,
  convForward,
  convPartialOffset,
  convWorkFloats,
} from "./conv";
export { addInto, gather, scatterAdd } from "./simd";
export { averagePoolBackward, averagePoolForward, maxPoolBackward, maxPoolForward } from "./pool";
export { activationBackward, activationForward, staticDataEnd } from "./activation";
export { convForwardDirect, directWorkFloats } from "./direct";
export { convBackwardFilterDirect, directFilterPartialOffset, directFilterWorkFloats } from "./direct-filter";
export {
  convWinograd,
  convWinogradFilter,
  winogradFilterPartialOffset,
  winogradFilterWorkFloats,
  winogradWorkFloats,
} from "./winograd";
export { convBackwardFilterMaps, mapsFilterPartialOffset, mapsFilterWorkFloats } from "./maps-filter";
export { convForwardMaps, mapsForwardWorkFloats } from "./maps-forward";
