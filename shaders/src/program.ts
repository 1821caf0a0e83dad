/**
 * A shader program is a typed config and pure functions of that config: the WGSL source, the storage
 * bindings it declares and the launch geometry. Its cache key is computed from the config, never written by
 * hand (STYLE point 4).
 */

/** Three extents, x fastest. */
export type Extent3 = readonly [number, number, number];

/** How one storage binding is declared: its name in the WGSL source and whether the shader writes it. */
export interface BindingSpec {
  readonly name: string;
  readonly access: "read" | "read_write";
  /** The array element type; f32 unless the program reads four floats at a time or an index table. */
  readonly element?: "f32" | "vec4<f32>" | "u32";
}

/** Launch geometry: the number of invocations in each dimension and the workgroup size. */
export interface Launch {
  readonly global: Extent3;
  readonly local: Extent3;
}

export interface Program<C> {
  /** A stable identifier of the program family, e.g. "conv2d.forward.direct". */
  readonly name: string;
  readonly bindings: (config: C) => readonly BindingSpec[];
  readonly source: (config: C) => string;
  readonly launch: (config: C) => Launch;
  /**
   * Read-only index tables computed from the config (e.g. a connection table), bound by name. The device uploads
   * each once per program key and keeps it, so callers never pass them.
   */
  readonly tables?: (config: C) => Readonly<Record<string, Uint32Array>>;
}

/** JSON with object keys sorted at every level, so that equal configs give equal strings. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new Error(`a shader config holds the non-finite number ${value}; configs must be plain JSON`);
  }
  return JSON.stringify(value);
}

/** The cache key of a program instance: its name and the stable JSON of its config. */
export function programKey<C>(program: Program<C>, config: C): string {
  return `${program.name}:${stableJson(config)}`;
}

/** Number of workgroups per dimension for a launch: ceil(global / local). */
export function workgroupCounts(launch: Launch): Extent3 {
  const [gx, gy, gz] = launch.global;
  const [lx, ly, lz] = launch.local;
  return [Math.ceil(gx / lx), Math.ceil(gy / ly), Math.ceil(gz / lz)];
}
