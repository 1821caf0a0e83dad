/** The CPU backends on the one backend suite: the reference path and WebAssembly with one and two threads. */
import { createWasmBackend, referenceBackend } from "@deltalab/core";
import { describeBackendSuite } from "../helpers/backend-suite";

describeBackendSuite("reference", () => referenceBackend);
describeBackendSuite("wasm, 1 thread", () => createWasmBackend({ threads: 1 }));
describeBackendSuite("wasm, 2 threads", () => createWasmBackend({ threads: 2 }));
// Both committed kernel builds: the default above is the fastest one the engine runs (relaxed SIMD here).
describeBackendSuite("wasm, plain SIMD build, 2 threads", () =>
  createWasmBackend({ threads: 2, variant: "simd" }),
);
