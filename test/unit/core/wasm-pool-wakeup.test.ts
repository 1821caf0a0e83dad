// The worker pool's protocol against a late wake-up: a notify that arrives after the call it announced has run
// (the main thread stored the new generation, was preempted, and notified later) must not run that call again.
import { describe, expect, it } from "vitest";
import { createWasmBackend } from "@deltalab/core";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the WebAssembly worker pool", () => {
  it("runs each call once even when a worker is woken again for a generation it has run", async () => {
    const backend = createWasmBackend({ threads: 2 });
    try {
      const owner = {};
      // C = A B with C added to (accumulate), 2 x 8: one panel of columns, all computed by the worker thread.
      const a = backend.allocate(2 * 3, owner);
      const b = backend.allocate(3 * 8, owner);
      const c = backend.allocate(2 * 8, owner);
      a.set([1, 2, 3, 4, 5, 6]);
      for (let i = 0; i < b.length; i++) b[i] = i - 7;
      backend.gemm(false, false, 2, 8, 3, a, 3, b, 8, 1, c, 8);
      const once = Array.from(c);
      const expected = Array.from({ length: 16 }, (_, k) => {
        const [i, j] = [Math.floor(k / 8), k % 8];
        return a[3 * i] * b[j] + a[3 * i + 1] * b[8 + j] + a[3 * i + 2] * b[16 + j];
      });
      expect(once).toEqual(expected);
      // Let the worker go to sleep on the generation slot, then wake it as a late notify would.
      await pause(100);
      const state = (backend as unknown as { pool: { state: Int32Array } }).pool.state;
      expect(Atomics.notify(state, 0)).toBe(1);
      await pause(100);
      expect(Array.from(c)).toEqual(expected);
    } finally {
      backend.dispose();
    }
  });
});
