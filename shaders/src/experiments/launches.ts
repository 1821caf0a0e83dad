/**
 * Seed 004 Figures 2-4: one kernel launch for a whole convolution layer against one launch per connection, for a
 * layer of 4 inputs and 8 outputs fully connected ("full") and 4 inputs to 4 outputs singly connected ("single").
 * As in the document, the per-connection launches do not sum their results into the output maps (the single
 * launch does), so they do slightly less work. Each per-connection launch is its own submission; times are wall
 * clock from the first submission to onSubmittedWorkDone, median of `runs` after a warm-up.
 */
import { Conv2dLayer } from "@deltalab/core";
import { Dispatch, GpuBuffer, GpuDevice, dispatchOf } from "../device/gpu";
import { convForwardDirectProgram } from "../kernels/conv2dForward";
import { Conv2dGeometry, conv2dGeometry } from "../kernels/conv2dGeometry";
import { seededValues } from "../tuner/shared";
import { summarize } from "../tuner/timing";

export type Connectivity = "full" | "single";

export interface LaunchExperimentRow {
  readonly connectivity: Connectivity;
  /** Input images are size x size. */
  readonly size: number;
  readonly launches: number;
  readonly singleLaunchMs: number;
  readonly multipleLaunchesMs: number;
  /** Largest |single - sum of per-connection results| over the output maps (a correctness check). */
  readonly maxAbsDifference: number;
}

export interface LaunchExperimentOptions {
  readonly sizes?: readonly number[];
  readonly kernel?: number;
  readonly batch?: number;
  readonly warmup?: number;
  readonly runs?: number;
}

const LAUNCH = { workgroupX: 8, workgroupY: 8, outputsPerInvocation: 1 };

/** The layer's geometry restricted to one connection (o, c), writing a single output map with bias b_o. */
function connectionGeometry(g: Conv2dGeometry, slot: number): Conv2dGeometry {
  const kernel = g.kernels[slot];
  return {
    ...g,
    outChannels: 1,
    kernels: [{ ...kernel, output: 0 }],
    weightCount: g.weightCount + kernel.output,
  };
}

async function timeSubmissions(
  gpu: GpuDevice,
  submissions: readonly Dispatch[][],
  warmup: number,
  runs: number,
) {
  const once = async () => {
    const start = performance.now();
    for (const dispatches of submissions) gpu.submit(dispatches);
    await gpu.idle();
    return performance.now() - start;
  };
  for (let i = 0; i < warmup; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once());
  return summarize(samples).medianMs;
}

async function measureLayer(
  gpu: GpuDevice,
  connectivity: Connectivity,
  size: number,
  kernel: number,
  batch: number,
  warmup: number,
  runs: number,
): Promise<LaunchExperimentRow> {
  const outputs = connectivity === "full" ? 8 : 4;
  const connections = connectivity === "full" ? undefined : [[0], [1], [2], [3]];
  const layer = new Conv2dLayer("conv", [4, size, size], { filters: outputs, kernel, connections });
  const g = conv2dGeometry(layer, batch);
  const x = gpu.upload(seededValues(batch * layer.inputSize, 1));
  const params = gpu.upload(seededValues(layer.parameterCount, 2));
  const y = gpu.alloc(batch * layer.outputSize);
  const plane = layer.outHeight * layer.outWidth;
  const perConnection: GpuBuffer[] = g.kernels.map(() => gpu.alloc(batch * plane));
  const single = [dispatchOf(convForwardDirectProgram, { geometry: g, ...LAUNCH }, { x, params, y })];
  const multiple = g.kernels.map((_, slot) => [
    dispatchOf(
      convForwardDirectProgram,
      { geometry: connectionGeometry(g, slot), ...LAUNCH },
      { x, params, y: perConnection[slot] },
    ),
  ]);
  try {
    const singleLaunchMs = await timeSubmissions(gpu, [single], warmup, runs);
    const multipleLaunchesMs = await timeSubmissions(gpu, multiple, warmup, runs);
    const maxAbsDifference = await compareSums(gpu, layer, g, y, perConnection, batch);
    return {
      connectivity,
      size,
      launches: multiple.length,
      singleLaunchMs,
      multipleLaunchesMs,
      maxAbsDifference,
    };
  } finally {
    [x, params, y, ...perConnection].forEach((b) => gpu.free(b));
  }
}

/** Output map o = sum of its connections' results minus the bias each of them added beyond the first. */
async function compareSums(
  gpu: GpuDevice,
  layer: Conv2dLayer,
  g: Conv2dGeometry,
  y: GpuBuffer,
  perConnection: readonly GpuBuffer[],
  batch: number,
): Promise<number> {
  const plane = layer.outHeight * layer.outWidth;
  const whole = await gpu.read(y);
  const parts = await Promise.all(perConnection.map((b) => gpu.read(b)));
  const params = seededValues(layer.parameterCount, 2);
  let worst = 0;
  for (let n = 0; n < batch; n++) {
    for (let o = 0; o < layer.outChannels; o++) {
      const slots = g.kernels.map((k, slot) => (k.output === o ? slot : -1)).filter((slot) => slot >= 0);
      const bias = params[layer.weightCount + o];
      for (let p = 0; p < plane; p++) {
        let sum = -(slots.length - 1) * bias;
        for (const slot of slots) sum += parts[slot][n * plane + p];
        worst = Math.max(worst, Math.abs(sum - whole[(n * layer.outChannels + o) * plane + p]));
      }
    }
  }
  return worst;
}

/** Times both layers at every size. */
export async function kernelLaunchExperiment(
  gpu: GpuDevice,
  options: LaunchExperimentOptions = {},
): Promise<LaunchExperimentRow[]> {
  const { sizes = [16, 32, 64, 128], kernel = 5, batch = 1, warmup = 2, runs = 5 } = options;
  const rows: LaunchExperimentRow[] = [];
  for (const connectivity of ["full", "single"] as const) {
    for (const size of sizes)
      rows.push(await measureLayer(gpu, connectivity, size, kernel, batch, warmup, runs));
  }
  return rows;
}
