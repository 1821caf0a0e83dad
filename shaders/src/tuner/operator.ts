/**
 * What the auto-tuner needs to know about an operator: its search space (the launch fields of its shader configs),
 * the default the heuristic picks, the modelled global-memory accesses and flops of a configuration, and how to
 * run a configuration on prepared inputs and check it against the CPU reference.
 */
import type { LaunchValue } from "@deltalab/core/payloads";
import { Dispatch, GpuDevice } from "../device/gpu";

/** One point of a search space: the values of the config's launch fields. */
export type LaunchParams = Readonly<Record<string, LaunchValue>>;

/** Inputs uploaded once per tuning run, with the reference output computed on the CPU. */
export interface PreparedOperator {
  /** The dispatches of one launch of `params`, reading the prepared inputs and writing the output buffer. */
  dispatches(params: LaunchParams): Dispatch[];
  /** Clears the output, so that a configuration that writes nothing cannot pass the check. */
  clearOutput(): void;
  readOutput(): Promise<Float32Array>;
  readonly reference: Float32Array;
  dispose(): void;
}

export interface TunableOperator {
  /** e.g. "conv2d-forward", "matmul", "activation-forward". */
  readonly name: string;
  /** The problem shape, e.g. { M: 64, N: 64, K: 64 }. */
  readonly shape: Readonly<Record<string, number>>;
  /** The whole search space before pruning. */
  space(): LaunchParams[];
  /** Why `params` cannot run on a device with these limits, or undefined when it can. */
  infeasible(params: LaunchParams, limits: GPUSupportedLimits): string | undefined;
  /** The configuration the stated heuristic picks when the cache has no entry. */
  readonly defaultParams: LaunchParams;
  /** Modelled global-memory accesses of one launch, in elements (loads + stores). */
  globalAccesses(params: LaunchParams): number;
  /** Floating-point operations of one launch. */
  readonly flops: number;
  /** The two launch fields the heat map is drawn over. */
  readonly heatmapParams?: readonly [string, string];
  prepare(device: GpuDevice): PreparedOperator;
}

/** Reads a numeric launch field, naming it when it is missing or of the wrong type. */
export function numberParam(params: LaunchParams, name: string): number {
  const value = params[name];
  if (typeof value !== "number")
    throw new Error(`launch parameter "${name}" must be a number, got ${String(value)}`);
  return value;
}

/** Every combination of the given field values (the cartesian product), in a stable order. */
export function product(fields: Readonly<Record<string, readonly LaunchValue[]>>): LaunchParams[] {
  let points: Record<string, LaunchValue>[] = [{}];
  for (const [name, values] of Object.entries(fields)) {
    points = points.flatMap((point) => values.map((value) => ({ ...point, [name]: value })));
  }
  return points;
}

/** The common workgroup limits: invocations, per-dimension sizes and workgroup memory. */
export function workgroupProblem(
  limits: GPUSupportedLimits,
  x: number,
  y: number,
  workgroupBytes: number,
): string | undefined {
  if (x * y > limits.maxComputeInvocationsPerWorkgroup) {
    return `${x * y} invocations exceed maxComputeInvocationsPerWorkgroup (${limits.maxComputeInvocationsPerWorkgroup})`;
  }
  if (x > limits.maxComputeWorkgroupSizeX) return `x = ${x} exceeds maxComputeWorkgroupSizeX`;
  if (y > limits.maxComputeWorkgroupSizeY) return `y = ${y} exceeds maxComputeWorkgroupSizeY`;
  if (workgroupBytes > limits.maxComputeWorkgroupStorageSize) {
    return `${workgroupBytes} bytes of workgroup memory exceed maxComputeWorkgroupStorageSize (${limits.maxComputeWorkgroupStorageSize})`;
  }
  return undefined;
}
