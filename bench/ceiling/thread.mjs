// One thread of the WebAssembly ceiling (bench/workloads/wasm-ceiling.mjs): instantiates peak.ts's module on the
// shared memory, then runs each task the main thread posts in the control words and counts itself done.
import { workerData } from "node:worker_threads";

const { module, memory, control, thread, regionBytes, regionBase } = workerData;
const { exports } = new globalThis.WebAssembly.Instance(module, { env: { memory } });
const words = new Int32Array(control);
const GENERATION = 0;
const DONE = 1;
const TASK = 2;
const STEPS = 3;
const region = regionBase + thread * regionBytes;
let seen = 0;
let sink = 0;
for (;;) {
  while (Atomics.load(words, GENERATION) === seen) Atomics.wait(words, GENERATION, seen);
  seen = Atomics.load(words, GENERATION);
  const task = Atomics.load(words, TASK);
  if (task === 0) break;
  if (task === 1) sink += exports.multiplyAdd(Atomics.load(words, STEPS), thread + 1);
  else if (task === 2) exports.fillOnes(region, regionBytes);
  else if (task === 3) sink += exports.readSum(region, regionBytes);
  Atomics.add(words, DONE, 1);
  Atomics.notify(words, DONE);
}
if (!Number.isFinite(sink)) throw new Error("the ceiling's sums are not finite");
