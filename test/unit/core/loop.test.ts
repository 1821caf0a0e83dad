import { describe, expect, it } from "vitest";
import {
  minimizeStochastic,
  runLoop,
  runLoopAsync,
  sgd,
  stochasticLoop,
  transformStepper,
  type BatchStepper,
  type LoopOptions,
  type StochasticObjective,
} from "@deltalab/core";

/** mulberry32 and Fisher-Yates written out here, independent of core's SeededRandom. */
function expectedOrders(count: number, seed: number, epochs: number): number[][] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = Array.from({ length: count }, (_, i) => i);
  const orders: number[][] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    orders.push([...order]);
  }
  return orders;
}

function chunks(order: number[], size: number, drop: boolean): number[][] {
  const out: number[][] = [];
  for (let start = 0; start < order.length; start += size) {
    const batch = order.slice(start, start + size);
    if (batch.length === size || !drop) out.push(batch);
  }
  return out;
}

/** A stepper that records the batches it is asked for and counts steps; its loss is `loss(step)`. */
function recorder(loss: (step: number) => number = () => 1, applied: (step: number) => boolean = () => true) {
  const batches: number[][] = [];
  let steps = 0;
  const stepper: BatchStepper = {
    evaluate: (samples) => {
      batches.push(Array.from(samples));
      return loss(steps);
    },
    apply: () => {
      if (!applied(steps)) return false;
      steps++;
      return true;
    },
  };
  return { stepper, batches, steps: () => steps };
}

/** The same stepper, answering through promises as a device does. */
function asynchronous(stepper: BatchStepper): BatchStepper {
  return {
    evaluate: (samples) => Promise.resolve(stepper.evaluate(samples)),
    apply: () => Promise.resolve(stepper.apply()),
  };
}

describe("the stochastic training loop", () => {
  it("cuts each epoch's seeded shuffle into batches, keeping the partial batch by default", () => {
    const { stepper, batches } = recorder();
    runLoop(10, stepper, { epochs: 3, batchSize: 4, seed: 9 });
    expect(batches).toEqual(expectedOrders(10, 9, 3).flatMap((order) => chunks(order, 4, false)));
  });

  it("drops the partial batch when asked, and shuffles with seed 0 when no seed is given", () => {
    const { stepper, batches } = recorder();
    const result = runLoop(10, stepper, { epochs: 2, batchSize: 4, partialBatch: "drop" });
    expect(batches).toEqual(expectedOrders(10, 0, 2).flatMap((order) => chunks(order, 4, true)));
    expect(result).toMatchObject({ steps: 4, stopped: false, diverged: false, reason: "ran 2 epochs" });
  });

  it("visits the samples in data order without shuffling", () => {
    const { stepper, batches } = recorder();
    runLoop(5, stepper, { epochs: 2, batchSize: 2, shuffle: false });
    expect(batches).toEqual([[0, 1], [2, 3], [4], [0, 1], [2, 3], [4]]);
  });

  it("gives the same batches, progress and result through the synchronous and the asynchronous driver", async () => {
    const options: LoopOptions = { epochs: 3, batchSize: 3, seed: 5, now: () => 0 };
    const sync = recorder((k) => 1 / (k + 1));
    const seenSync: unknown[] = [];
    const resultSync = runLoop(11, sync.stepper, {
      ...options,
      onBatch: (p) => void seenSync.push({ ...p }),
    });
    const async = recorder((k) => 1 / (k + 1));
    const seenAsync: unknown[] = [];
    const resultAsync = await runLoopAsync(11, asynchronous(async.stepper), {
      ...options,
      yieldEveryMs: 0,
      onBatch: (p) => void seenAsync.push({ ...p }),
    });
    expect(async.batches).toEqual(sync.batches);
    expect(seenAsync).toEqual(seenSync);
    expect(resultAsync).toEqual(resultSync);
  });

  it("refuses a stepper that returns promises in the synchronous driver", () => {
    expect(() => runLoop(4, asynchronous(recorder().stepper), { epochs: 1, batchSize: 2 })).toThrow(
      /runLoopAsync/,
    );
  });

  it("reports the mean batch loss of each epoch", () => {
    const { stepper } = recorder((k) => k);
    const result = runLoop(6, stepper, { epochs: 2, batchSize: 2, now: () => 0 });
    expect(result.epochs).toEqual([
      { epoch: 0, meanLoss: 1, elapsedMs: 0 },
      { epoch: 1, meanLoss: 4, elapsedMs: 0 },
    ]);
  });
});

describe("the loop's stop convention: a callback returning false stops", () => {
  it("onBatch: after the step it was called for", () => {
    const run = recorder();
    const result = runLoop(8, run.stepper, { epochs: 3, batchSize: 2, onBatch: (p) => p.step !== 5 });
    expect(result).toMatchObject({ steps: 5, stopped: true, diverged: false });
    expect(run.steps()).toBe(5);
    expect(result.epochs.length).toBe(1);
    expect(result.reason).toBe("stopped after step 5 (epoch 2, batch 1)");
  });

  it("beforeStep: without the step it was called for", () => {
    const run = recorder();
    const result = runLoop(8, run.stepper, { epochs: 3, batchSize: 2, beforeStep: (p) => p.step !== 3 });
    expect(result).toMatchObject({ steps: 2, stopped: true });
    expect(run.steps()).toBe(2);
    expect(run.batches.length).toBe(3);
  });

  it("onEpoch: after the epoch, which is kept", () => {
    const result = runLoop(8, recorder().stepper, { epochs: 3, batchSize: 2, onEpoch: () => false });
    expect(result).toMatchObject({ steps: 4, stopped: true, reason: "stopped after epoch 1" });
    expect(result.epochs.length).toBe(1);
  });

  it("an undefined or true return goes on", () => {
    const result = runLoop(8, recorder().stepper, {
      epochs: 2,
      batchSize: 2,
      onBatch: () => true,
      beforeStep: () => undefined,
      onEpoch: () => {},
    });
    expect(result).toMatchObject({ steps: 8, stopped: false });
  });

  it("an aborted signal stops before the first step or after the step during which it was aborted", async () => {
    const aborted = new AbortController();
    aborted.abort();
    const before = recorder();
    expect(runLoop(8, before.stepper, { epochs: 1, batchSize: 2, signal: aborted.signal })).toMatchObject({
      steps: 0,
      stopped: true,
    });
    expect(before.batches).toEqual([]);
    const controller = new AbortController();
    const result = await runLoopAsync(8, asynchronous(recorder().stepper), {
      epochs: 4,
      batchSize: 2,
      signal: controller.signal,
      onBatch: (p) => void (p.step === 3 && controller.abort()),
    });
    expect(result).toMatchObject({ steps: 3, stopped: true });
  });
});

describe("the loop's divergence rule", () => {
  it("a non-finite batch loss ends the run diverged before its step, naming the step", () => {
    const run = recorder((k) => (k === 4 ? Number.POSITIVE_INFINITY : 1));
    const result = runLoop(6, run.stepper, { epochs: 3, batchSize: 2 });
    expect(result).toMatchObject({ steps: 4, stopped: false, diverged: true });
    expect(result.reason).toBe("the batch loss was Infinity at step 5 (epoch 2, batch 2)");
    expect(run.steps()).toBe(4);
  });

  it("a step the stepper refuses ends the run diverged", () => {
    const result = runLoop(6, recorder(undefined, (k) => k < 2).stepper, { epochs: 3, batchSize: 2 });
    expect(result).toMatchObject({ steps: 2, diverged: true });
    expect(result.reason).toBe("the step or the new parameters were not finite at step 3 (epoch 1, batch 3)");
  });

  it("the host stepper's run stops at the first loss that overflows, theta at that finite iterate", () => {
    // f(theta) = theta^2 / 2 on every batch: g = theta, so sgd with step 3 maps theta to -2 theta, theta_k = (-2)^k
    // exactly, and f(theta_k) = 2^(2k - 1) first overflows at k = 513, where theta is still finite.
    const theta = Float64Array.of(1);
    const stepper = transformStepper(theta, sgd({ step: 3 }), (x, _samples, g) => {
      g[0] = x[0];
      return 0.5 * x[0] * x[0];
    });
    const result = runLoop(1, stepper, { epochs: 2000, batchSize: 1 });
    expect(result).toMatchObject({ diverged: true, steps: 513 });
    expect(theta[0]).toBe((-2) ** 513);
    expect(result.reason).toMatch(/^the batch loss was Infinity at step 514 /);
  });

  it("the host stepper refuses a step that would leave theta non-finite, keeping theta", () => {
    // The same map theta -> -2 theta with a loss that never overflows: 2^1024 is the first theta out of range.
    const theta = Float64Array.of(1);
    const stepper = transformStepper(theta, sgd({ step: 3 }), (x, _samples, g) => {
      g[0] = x[0];
      return 0;
    });
    const result = runLoop(1, stepper, { epochs: 2000, batchSize: 1 });
    expect(result).toMatchObject({ diverged: true, steps: 1023 });
    expect(theta[0]).toBe((-2) ** 1023);
    expect(result.reason).toMatch(/^the step or the new parameters were not finite at step 1024 /);
  });

  it("minimizeStochastic stops where its callback returns false", () => {
    const objective: StochasticObjective = {
      dim: 1,
      sampleCount: 4,
      value: (x) => 0.5 * x[0] * x[0],
      valueAndGradient: (x, g) => {
        g[0] = x[0];
        return 0.5 * x[0] * x[0];
      },
      batchValueAndGradient: (x, _batch, g) => {
        g[0] = x[0];
        return 0.5 * x[0] * x[0];
      },
    };
    const r = minimizeStochastic(objective, Float64Array.of(1), sgd({ step: 0.5 }), {
      epochs: 10,
      batchSize: 2,
      callback: ({ epoch }) => epoch < 3,
    });
    expect(r.reason).toBe("stopped by callback");
    // Two halving steps per epoch, three epochs.
    expect(r.iterations).toBe(6);
    expect(r.x[0]).toBe(0.5 ** 6);
  });
});

describe("the loop as a generator", () => {
  it("yields every batch's progress, and a promise for the driver to settle", () => {
    const loop = stochasticLoop(4, asynchronous(recorder().stepper), { epochs: 1, batchSize: 2 });
    const first = loop.next();
    expect(first.done).toBe(false);
    expect(!first.done && first.value.kind).toBe("wait");
  });
});
