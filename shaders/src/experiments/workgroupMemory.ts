/**
 * Seed 004 section 9: does staging the input in workgroup (local) memory pay off, and from which filter size? For
 * each filter size the direct and the tiled convolution forward run on the same layer and launch shape; the rows
 * carry both times, the speed-up and the modelled global-memory accesses of each (section 10.1.2).
 */
import { GpuDevice } from "../device/gpu";
import { conv2dForwardOperator } from "../tuner/convOperator";
import { LaunchParams } from "../tuner/operator";
import { createTimer, measure } from "../tuner/timing";

export interface WorkgroupMemoryRow {
  readonly filter: number;
  readonly directMs: number;
  readonly tiledMs: number;
  /** directMs / tiledMs: above 1 when workgroup memory helps. */
  readonly speedup: number;
  readonly directAccesses: number;
  readonly tiledAccesses: number;
  /** Both results agreed with the CPU reference to 1e-4 max(1, max |reference|). */
  readonly checked: boolean;
}

export interface WorkgroupMemoryOptions {
  readonly filters?: readonly number[];
  readonly size?: number;
  readonly inChannels?: number;
  readonly outChannels?: number;
  readonly workgroup?: number;
  readonly warmup?: number;
  readonly runs?: number;
}

export async function workgroupMemoryExperiment(
  gpu: GpuDevice,
  options: WorkgroupMemoryOptions = {},
): Promise<WorkgroupMemoryRow[]> {
  const { filters = [1, 3, 5, 7, 9], size = 64, inChannels = 4, outChannels = 8, workgroup = 16 } = options;
  const { warmup = 2, runs = 5 } = options;
  const timer = createTimer(gpu);
  const rows: WorkgroupMemoryRow[] = [];
  for (const filter of filters) {
    const operator = conv2dForwardOperator(
      [inChannels, size, size],
      { filters: outChannels, kernel: filter },
      1,
    );
    const direct: LaunchParams = {
      method: "direct",
      workgroupX: workgroup,
      workgroupY: workgroup,
      outputsPerInvocation: 1,
    };
    const tiled: LaunchParams = { method: "tiled", workgroupX: workgroup, workgroupY: workgroup };
    for (const params of [direct, tiled]) {
      const reason = operator.infeasible(params, gpu.limits);
      if (reason !== undefined) throw new Error(`filter ${filter}: ${reason}`);
    }
    const prepared = operator.prepare(gpu);
    try {
      let checked = true;
      const times: number[] = [];
      for (const params of [direct, tiled]) {
        const dispatches = prepared.dispatches(params);
        prepared.clearOutput();
        gpu.submit(dispatches);
        const output = await prepared.readOutput();
        let largest = 1;
        let worst = 0;
        prepared.reference.forEach((value, i) => {
          largest = Math.max(largest, Math.abs(value));
          worst = Math.max(worst, Math.abs(output[i] - value));
        });
        checked &&= worst <= 1e-4 * largest;
        times.push((await measure(timer, dispatches, warmup, runs)).medianMs);
      }
      rows.push({
        filter,
        directMs: times[0],
        tiledMs: times[1],
        speedup: times[0] / times[1],
        directAccesses: operator.globalAccesses(direct),
        tiledAccesses: operator.globalAccesses(tiled),
        checked,
      });
    } finally {
      prepared.dispose();
    }
  }
  return rows;
}
