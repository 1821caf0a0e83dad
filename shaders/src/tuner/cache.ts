/**
 * The tuning cache: a JSON file keyed by adapter, then by operator and shape, holding every measured candidate and
 * the best one. It is rewritten (atomically, through a temporary file and a rename) after every candidate, so an
 * interrupted run resumes where it stopped. Default path: $DELTALAB_TUNING_CACHE, else
 * ~/.cache/deltalab/tuning.json (under $XDG_CACHE_HOME when set).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { TuningCandidate } from "@deltalab/core/payloads";
import type { AdapterDescription } from "../device/open";
import { stableJson } from "../program";
import type { LaunchParams } from "./operator";

export const TUNING_CACHE_FORMAT = "deltalab-tuning-cache";
export const TUNING_CACHE_VERSION = 1;

export interface TuningCacheEntry {
  readonly operator: string;
  readonly shape: Readonly<Record<string, number>>;
  /** Measured candidates by id. */
  readonly candidates: Record<string, TuningCandidate>;
  /** The fastest candidate that passed its check, once a run has finished. */
  best?: { readonly id: string; readonly params: LaunchParams };
}

interface TuningCacheFile {
  readonly format: typeof TUNING_CACHE_FORMAT;
  readonly version: number;
  readonly adapters: Record<
    string,
    { readonly adapter: AdapterDescription; entries: Record<string, TuningCacheEntry> }
  >;
}

export function defaultCachePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DELTALAB_TUNING_CACHE) return env.DELTALAB_TUNING_CACHE;
  const base = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "deltalab", "tuning.json");
}

/** The adapter's identity in the cache: backend, vendor, architecture, device and description. */
export function adapterKey(adapter: AdapterDescription): string {
  const { backend, vendor, architecture, device, description } = adapter;
  return stableJson({ backend, vendor, architecture, device, description });
}

export function entryKey(operator: string, shape: Readonly<Record<string, number>>): string {
  return `${operator}:${stableJson(shape)}`;
}

export class TuningCache {
  private constructor(
    readonly path: string,
    private readonly data: TuningCacheFile,
  ) {}

  /** Opens the cache file; a missing file is an empty cache, a damaged or foreign one an error naming the path. */
  static open(path: string = defaultCachePath()): TuningCache {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        return new TuningCache(path, {
          format: TUNING_CACHE_FORMAT,
          version: TUNING_CACHE_VERSION,
          adapters: {},
        });
      }
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new Error(`tuning cache ${path} is not valid JSON (${String(error)}); delete it to start afresh`);
    }
    const file = parsed as Partial<TuningCacheFile>;
    if (
      file?.format !== TUNING_CACHE_FORMAT ||
      file.version !== TUNING_CACHE_VERSION ||
      typeof file.adapters !== "object"
    ) {
      throw new Error(
        `tuning cache ${path} is not a ${TUNING_CACHE_FORMAT} file of version ${TUNING_CACHE_VERSION}; delete it to start afresh`,
      );
    }
    return new TuningCache(path, file as TuningCacheFile);
  }

  /** The entry for (adapter, operator, shape), created empty when absent. */
  entry(
    adapter: AdapterDescription,
    operator: string,
    shape: Readonly<Record<string, number>>,
  ): TuningCacheEntry {
    const key = adapterKey(adapter);
    const perAdapter = (this.data.adapters[key] ??= { adapter, entries: {} });
    return (perAdapter.entries[entryKey(operator, shape)] ??= {
      operator,
      shape: { ...shape },
      candidates: {},
    });
  }

  /** The cached best launch for (adapter, operator, shape), if a run has finished. */
  best(
    adapter: AdapterDescription,
    operator: string,
    shape: Readonly<Record<string, number>>,
  ): LaunchParams | undefined {
    const perAdapter = this.data.adapters[adapterKey(adapter)];
    return perAdapter?.entries[entryKey(operator, shape)]?.best?.params;
  }

  save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.data, null, 1));
    renameSync(temporary, this.path);
  }
}
