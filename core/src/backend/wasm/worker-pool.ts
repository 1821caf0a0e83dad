/**
 * Worker threads over one shared memory. A call runs as `threads` shares: the calling thread runs share 0 and each
 * worker one other; every kernel takes (..., thread, threads) last and picks its share itself, so a dispatch moves
 * no data, only up to 24 numbers through a small control block:
 *
 *   the caller writes the function and arguments, zeroes DONE, bumps GENERATION and notifies; each worker wakes
 *   (Atomics.wait on GENERATION), runs its share and adds one to DONE; the caller runs share 0 and waits until DONE
 *   reaches threads - 1.
 *
 * Every worker takes part in every call, so no worker can lag a generation behind. A worker spins for half a
 * millisecond after each call before it sleeps in Atomics.wait, and the caller up to 2 ms for the shares: a model's
 * calls come tens of microseconds apart and many last well under a millisecond, while waking a sleeping thread on a
 * virtual machine costs about as long (sleeping at once made LeNet-5's 2-thread step 7.3 ms instead of 4.9, and
 * spread it over 6.4-9.7 ms instead of 4.7-5.8; node bench/run.mjs, 2 cores). The calling thread blocks, so the
 * public operations stay synchronous; workers are unref'd, so they never keep a process alive.
 */
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { KernelExports, KernelFunctions } from "./kernels";
import type { WasmMemory, WasmModule } from "./webassembly";
import { WORKER_SOURCE } from "./worker-source";

const GENERATION = 0;
const DONE = 1;
const FUNCTION = 2;
const FAILED = 3;
const THREADS = 4;
const READY = 5;
const ARGUMENT_COUNT = 6;
const MAX_ARGUMENTS = 24;
/** How long a worker spins for the next call before it sleeps, and the caller for the workers' shares. */
const WORKER_SPIN_MS = 0.5;
const CALLER_SPIN_MS = 2;
const STARTUP_TIMEOUT_MS = 30000;

/** The kernels a pool dispatches, by their export names. */
export const DISPATCHED = [
  "sgemmShare",
  "convForward",
  "convForwardDirect",
  "convForwardMaps",
  "convWinograd",
  "convWinogradFilter",
  "convBackwardInput",
  "convBackwardFilter",
  "convBackwardFilterDirect",
  "convBackwardFilterMaps",
  "maxPoolForward",
  "maxPoolBackward",
  "averagePoolForward",
  "averagePoolBackward",
  "activationForward",
  "activationBackward",
] as const;
export type DispatchedKernel = (typeof DISPATCHED)[number];

/** A dispatched kernel's arguments without the (thread, threads) that the pool appends. */
export type ShareArguments<K extends DispatchedKernel> = KernelFunctions[K] extends (
  ...args: [...infer Leading extends number[], thread: number, threads: number]
) => void
  ? Leading
  : never;

export class WorkerPool {
  private readonly state: Int32Array;
  private readonly args: Float64Array;
  private readonly workers: Worker[] = [];
  private generation = 0;
  private closed = false;

  constructor(
    module: WasmModule,
    memory: WasmMemory,
    private readonly kernels: KernelExports,
    readonly threads: number,
  ) {
    const control = new SharedArrayBuffer(64 + 8 * MAX_ARGUMENTS);
    this.state = new Int32Array(control, 0, 16);
    this.args = new Float64Array(control, 64, MAX_ARGUMENTS);
    this.state[THREADS] = threads;
    for (let index = 1; index < threads; index++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module, memory, control, index, names: DISPATCHED, spinMs: WORKER_SPIN_MS },
      });
      worker.unref();
      this.workers.push(worker);
    }
    this.waitFor(READY, threads - 1, STARTUP_TIMEOUT_MS, "start");
  }

  /** Runs `name(...args, thread, threads)` for every thread; returns when all shares are done. */
  run<K extends DispatchedKernel>(name: K, args: ShareArguments<K>): void {
    if (this.closed) throw new Error("the WebAssembly backend has been disposed");
    if (args.length > MAX_ARGUMENTS) throw new RangeError(`${name}: more than ${MAX_ARGUMENTS} arguments`);
    // The arguments were checked against the kernel's declaration by ShareArguments.
    const kernel = this.kernels[name] as (...values: number[]) => void;
    if (this.threads === 1) {
      kernel(...args, 0, 1);
      return;
    }
    this.args.set(args);
    this.state[ARGUMENT_COUNT] = args.length;
    this.state[FUNCTION] = DISPATCHED.indexOf(name);
    this.state[FAILED] = 0;
    Atomics.store(this.state, DONE, 0);
    this.generation = (this.generation + 1) | 0;
    Atomics.store(this.state, GENERATION, this.generation);
    Atomics.notify(this.state, GENERATION);
    let failure: unknown;
    try {
      kernel(...args, 0, this.threads);
    } catch (error) {
      failure = error;
    }
    this.waitFor(DONE, this.threads - 1, Infinity, name);
    if (failure !== undefined) throw failure;
    const failed = Atomics.load(this.state, FAILED);
    if (failed !== 0) throw new Error(`${name}: the kernel failed on worker thread ${failed - 1}`);
  }

  /** Stops the workers (idempotent). */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.state[FUNCTION] = -1;
    Atomics.add(this.state, GENERATION, 1);
    Atomics.notify(this.state, GENERATION);
    for (const worker of this.workers) void worker.terminate();
  }

  private waitFor(slot: number, target: number, timeoutMs: number, what: string): void {
    const deadline = Date.now() + timeoutMs;
    const spinEnd = performance.now() + CALLER_SPIN_MS;
    for (let k = 0; Atomics.load(this.state, slot) < target; k++) {
      if ((k & 255) === 0 && performance.now() > spinEnd) break;
    }
    for (;;) {
      const value = Atomics.load(this.state, slot);
      if (value >= target) return;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `WebAssembly worker threads did not ${what}: ${value} of ${target} within ${timeoutMs} ms`,
        );
      }
      Atomics.wait(this.state, slot, value, Math.min(left, 1000));
    }
  }
}
