/**
 * The launch every device run uses: for an operator at its shape, the best launch the tuning cache holds for this
 * adapter (`tuned`, what %tune wrote), else the launch shipped for the adapter's class (`shipped`, a committed table
 * chosen from measurements, shippedLaunches.json), else the operator's own default (`default`, the tuner's stated
 * heuristic). Each answer says which of the three it is, so that a run can report the launches it used.
 *
 * A cached or shipped launch is used only where the adapter can run it and the caller accepts it (for example, a
 * dense layer's product takes no vec4 launch whose layout its bias does not allow); a shipped one also only where it
 * lies in the operator's search space for the shape (a block of more output maps than the layer has is not).
 */
import type { LaunchSource } from "@deltalab/core/payloads";
import type { GpuDevice } from "../device/gpu";
import { AdapterDescription, isSoftwareAdapter } from "../device/open";
import { stableJson } from "../program";
import { TuningCache, defaultCachePath } from "./cache";
import type { LaunchParams, TunableOperator } from "./operator";
import shippedTable from "./shippedLaunches.json";

/** Software renderers on the CPU (Mesa llvmpipe) and hardware GPUs tune differently. */
export type AdapterClass = "software" | "hardware";

export function adapterClass(adapter: AdapterDescription): AdapterClass {
  return isSoftwareAdapter(adapter) ? "software" : "hardware";
}

/** Per adapter class, per operator name: the shipped launch. */
export type ShippedLaunches = Readonly<Record<AdapterClass, Readonly<Record<string, LaunchParams>>>>;

/** The committed table (shippedLaunches.json), without its notes on where each figure comes from. */
export const SHIPPED_LAUNCHES: ShippedLaunches = {
  software: launchesOf(shippedTable.classes.software.operators),
  hardware: launchesOf(shippedTable.classes.hardware.operators),
};

function launchesOf(operators: Record<string, { params: LaunchParams }>): Record<string, LaunchParams> {
  return Object.fromEntries(Object.entries(operators).map(([name, entry]) => [name, entry.params]));
}

/** What the resolver reads from a tuning cache (TuningCache has it; tests give a fake). */
export interface LaunchCache {
  best(
    adapter: AdapterDescription,
    operator: string,
    shape: Readonly<Record<string, number>>,
  ): LaunchParams | undefined;
}

/** An operator's launch and where it came from. */
export interface ResolvedLaunch {
  readonly operator: string;
  readonly shape: Readonly<Record<string, number>>;
  readonly params: LaunchParams;
  readonly source: LaunchSource;
}

export interface ResolveOptions {
  /** False for a launch the caller cannot build (it then falls to the next source); the default accepts all. */
  readonly accept?: (params: LaunchParams) => boolean;
}

export class LaunchResolver {
  /** Why the tuning cache could not be read, when it could not (the resolver then works without it). */
  readonly cacheProblem: string | undefined;
  private readonly cache: LaunchCache | undefined;

  constructor(
    readonly adapter: AdapterDescription,
    readonly limits: GPUSupportedLimits,
    cache: LaunchCache | undefined,
    private readonly shippedTable: ShippedLaunches = SHIPPED_LAUNCHES,
    cacheProblem?: string,
  ) {
    this.cache = cache;
    this.cacheProblem = cacheProblem;
  }

  /**
   * The resolver for a device with the tuning cache at `path` (default: where %tune writes it), read now. A cache
   * that cannot be read is left out, with the reason in `cacheProblem`: a run goes on with the shipped launches.
   */
  static forDevice(gpu: GpuDevice, path: string = defaultCachePath()): LaunchResolver {
    try {
      return new LaunchResolver(gpu.adapter, gpu.limits, TuningCache.open(path));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return new LaunchResolver(gpu.adapter, gpu.limits, undefined, SHIPPED_LAUNCHES, reason);
    }
  }

  get adapterClass(): AdapterClass {
    return adapterClass(this.adapter);
  }

  /** The tuning cache's launch of `operator` at its shape, when it has a usable one. */
  tuned(operator: TunableOperator, options: ResolveOptions = {}): ResolvedLaunch | undefined {
    const { name, shape } = operator;
    const params = this.cache?.best(this.adapter, name, shape);
    if (!this.usable(operator, params, options)) return undefined;
    return { operator: name, shape, params, source: "tuned" };
  }

  /** The launch shipped for this adapter's class, where there is one the operator can take. */
  shipped(operator: TunableOperator, options: ResolveOptions = {}): ResolvedLaunch | undefined {
    const params = this.shippedTable[this.adapterClass][operator.name];
    if (!this.usable(operator, params, options) || !inSpace(operator, params)) return undefined;
    return { operator: operator.name, shape: operator.shape, params, source: "shipped" };
  }

  /** The launch of `operator` at its shape: tuned, else shipped, else the operator's default. */
  resolve(operator: TunableOperator, options: ResolveOptions = {}): ResolvedLaunch {
    const chosen = this.tuned(operator, options) ?? this.shipped(operator, options);
    if (chosen !== undefined) return chosen;
    return {
      operator: operator.name,
      shape: operator.shape,
      params: operator.defaultParams,
      source: "default",
    };
  }

  private usable(
    operator: TunableOperator,
    params: LaunchParams | undefined,
    options: ResolveOptions,
  ): params is LaunchParams {
    return (
      params !== undefined &&
      operator.infeasible(params, this.limits) === undefined &&
      (options.accept?.(params) ?? true)
    );
  }
}

function inSpace(operator: TunableOperator, params: LaunchParams): boolean {
  const key = stableJson(params);
  return operator.space().some((point) => stableJson(point) === key);
}
