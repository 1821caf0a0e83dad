/**
 * The program each worker thread runs (evaluated from source, so the same text serves the TypeScript sources under
 * test and the compiled package). A worker instantiates the kernels over the shared memory, then loops: wait for the
 * generation counter to move, run its share of the posted call, count itself done. Slots of the control block are
 * those of worker-pool.ts.
 */
export const WORKER_SOURCE = `
"use strict";
const { workerData } = require("node:worker_threads");
const { performance } = require("node:perf_hooks");
const { module, memory, control, index, names, spinMs } = workerData;
const GENERATION = 0, DONE = 1, FUNCTION = 2, FAILED = 3, THREADS = 4, READY = 5, ARGUMENT_COUNT = 6;
const state = new Int32Array(control, 0, 16);
const args = new Float64Array(control, 64, 24);
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
Atomics.add(state, READY, 1);
Atomics.notify(state, READY);
let seen = 0;
for (;;) {
  // Spin a while before sleeping: a model's next call usually comes within tens of microseconds, and waking a
  // sleeping thread costs about as much on a virtual machine.
  const spinEnd = performance.now() + spinMs;
  for (let k = 0; Atomics.load(state, GENERATION) === seen; k++) {
    if ((k & 255) === 0 && performance.now() > spinEnd) break;
  }
  // Sleep until the generation moves past the one run last. A wake-up alone says nothing: the notify of a call can
  // come late, after this worker saw the new generation while spinning and ran the call (the main thread stored the
  // generation and was preempted before notifying), and running it again added a product twice.
  while (Atomics.load(state, GENERATION) === seen) Atomics.wait(state, GENERATION, seen);
  seen = Atomics.load(state, GENERATION);
  const fn = state[FUNCTION];
  if (fn < 0) break;
  const threads = state[THREADS];
  try {
    const list = Array.from(args.subarray(0, state[ARGUMENT_COUNT]));
    kernels[names[fn]](...list, index, threads);
  } catch {
    Atomics.store(state, FAILED, index + 1);
  }
  if (Atomics.add(state, DONE, 1) + 1 === threads - 1) Atomics.notify(state, DONE);
}
`;
