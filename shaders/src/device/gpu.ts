import { BindingSpec, Extent3, Launch, Program, programKey, workgroupCounts } from "../program";
import { WebGpuUnavailableError } from "./errors";
import { AdapterDescription, AdapterRequest, openDevice, requestFromEnvironment } from "./open";

// Numeric values of GPUBufferUsage and GPUMapMode from the WebGPU specification; Node has no such globals.
const USAGE_MAP_READ = 0x0001;
const USAGE_COPY_SRC = 0x0004;
const USAGE_COPY_DST = 0x0008;
const USAGE_STORAGE = 0x0080;
const MAP_MODE_READ = 0x0001;

/** A Float32 array resident on the device. */
export interface GpuBuffer {
  readonly buffer: GPUBuffer;
  readonly length: number;
}

/** One program launch, ready to encode: key, geometry, source, bindings and a buffer for each binding. */
export interface Dispatch {
  readonly key: string;
  readonly launch: Launch;
  readonly source: () => string;
  readonly bindings: readonly BindingSpec[];
  readonly buffers: Readonly<Record<string, GpuBuffer>>;
  readonly tables: () => Readonly<Record<string, Uint32Array>>;
}

/** Binds a program instance to its buffers. */
export function dispatchOf<C>(
  program: Program<C>,
  config: C,
  buffers: Readonly<Record<string, GpuBuffer>>,
): Dispatch {
  return {
    key: programKey(program, config),
    launch: program.launch(config),
    source: () => program.source(config),
    bindings: program.bindings(config),
    buffers,
    tables: () => program.tables?.(config) ?? {},
  };
}

/**
 * The device layer in the manner of tinygrad: an allocator (alloc, write, read, free) and a program runner
 * (source, global size, local size). Compiled pipelines are cached by the program key.
 */
export class GpuDevice {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly tableBuffers = new Map<string, Map<string, GPUBuffer>>();
  private readonly errors: string[] = [];

  constructor(
    /** Held so that the Dawn instance outlives the device. */
    readonly gpu: GPU,
    readonly device: GPUDevice,
    readonly adapter: AdapterDescription,
  ) {
    device.addEventListener("uncapturederror", (event) => {
      this.errors.push((event as GPUUncapturedErrorEvent).error.message);
    });
  }

  /** Throws the validation errors reported since the last check (a shader that did not compile, a bad bind). */
  throwPendingErrors(): void {
    if (this.errors.length === 0) return;
    const messages = this.errors.splice(0, this.errors.length);
    throw new Error(`WebGPU reported ${messages.length} error(s):\n${messages.join("\n")}`);
  }

  /** Opens a device as `openDevice` does; throws `WebGpuUnavailableError` when there is none. */
  static async open(request: AdapterRequest = requestFromEnvironment()): Promise<GpuDevice> {
    const opened = await openDevice(request);
    return new GpuDevice(opened.gpu, opened.device, opened.adapter);
  }

  /**
   * A device, or undefined (with the reason passed to `onUnavailable`) when no adapter exists, so that callers fall
   * back to the CPU layers of @deltalab/core. Other errors propagate.
   */
  static async openOrUndefined(
    request: AdapterRequest = requestFromEnvironment(),
    onUnavailable: (error: WebGpuUnavailableError) => void = () => {},
  ): Promise<GpuDevice | undefined> {
    try {
      return await GpuDevice.open(request);
    } catch (error) {
      if (!(error instanceof WebGpuUnavailableError)) throw error;
      onUnavailable(error);
      return undefined;
    }
  }

  /** The adapter's name for people: the device string and the driver description. */
  get name(): string {
    const { device, description, vendor } = this.adapter;
    return (
      [device || vendor, description ? `(${description})` : ""].filter((p) => p.length > 0).join(" ") ||
      "unknown adapter"
    );
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** A zero-filled buffer of `length` floats. */
  alloc(length: number): GpuBuffer {
    if (!Number.isInteger(length) || length < 0) {
      throw new Error(`buffer length must be a non-negative integer, got ${length}`);
    }
    const size = Math.max(16, Math.ceil((length * 4) / 16) * 16);
    if (size > this.device.limits.maxStorageBufferBindingSize) {
      throw new Error(
        `a buffer of ${length} floats exceeds maxStorageBufferBindingSize (${this.device.limits.maxStorageBufferBindingSize} bytes)`,
      );
    }
    const buffer = this.device.createBuffer({ size, usage: USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST });
    return { buffer, length };
  }

  /** A buffer holding a copy of `data`. */
  upload(data: Float32Array): GpuBuffer {
    const target = this.alloc(data.length);
    this.write(target, data);
    return target;
  }

  write(target: GpuBuffer, data: Float32Array): void {
    if (data.length !== target.length) {
      throw new Error(`write of ${data.length} floats into a buffer of ${target.length}`);
    }
    this.device.queue.writeBuffer(target.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Copies a buffer back to the host once all submitted work is done. */
  async read(source: GpuBuffer): Promise<Float32Array> {
    const bytes = source.length * 4;
    if (bytes === 0) return new Float32Array(0);
    const staging = this.device.createBuffer({ size: bytes, usage: USAGE_MAP_READ | USAGE_COPY_DST });
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(source.buffer, 0, staging, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(MAP_MODE_READ);
    this.throwPendingErrors();
    const result = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    return result;
  }

  free(buffer: GpuBuffer): void {
    buffer.buffer.destroy();
  }

  /** Compiles (or finds in the cache) the pipeline for WGSL `source` under `key`. */
  pipeline(key: string, source: string): GPUComputePipeline {
    const cached = this.pipelines.get(key);
    if (cached !== undefined) return cached;
    const module = this.device.createShaderModule({ code: source, label: key });
    const pipeline = this.device.createComputePipeline({
      layout: "auto",
      compute: { module, entryPoint: "main" },
      label: key,
    });
    this.pipelines.set(key, pipeline);
    return pipeline;
  }

  /** Checks a launch against the device limits, naming the limit that is exceeded. */
  checkLaunch(launch: Launch, label: string): void {
    const limits = this.device.limits;
    const [lx, ly, lz] = launch.local;
    const checks: [boolean, string][] = [
      [lx * ly * lz <= limits.maxComputeInvocationsPerWorkgroup, "maxComputeInvocationsPerWorkgroup"],
      [lx <= limits.maxComputeWorkgroupSizeX, "maxComputeWorkgroupSizeX"],
      [ly <= limits.maxComputeWorkgroupSizeY, "maxComputeWorkgroupSizeY"],
      [lz <= limits.maxComputeWorkgroupSizeZ, "maxComputeWorkgroupSizeZ"],
      [
        workgroupCounts(launch).every((n) => n <= limits.maxComputeWorkgroupsPerDimension),
        "maxComputeWorkgroupsPerDimension",
      ],
    ];
    for (const [ok, limit] of checks) {
      if (!ok) {
        throw new Error(
          `${label}: launch global=${launch.global.join("x")} local=${launch.local.join("x")} exceeds ${limit}`,
        );
      }
    }
  }

  /** Records the dispatches in order into one command buffer and submits it; returns without waiting. */
  submit(dispatches: readonly Dispatch[]): void {
    const encoder = this.device.createCommandEncoder();
    for (const d of dispatches) this.encode(encoder, d);
    this.device.queue.submit([encoder.finish()]);
  }

  /** Runs one program instance (submits and returns without waiting; `read` waits). */
  run<C>(program: Program<C>, config: C, buffers: Readonly<Record<string, GpuBuffer>>): void {
    this.submit([dispatchOf(program, config, buffers)]);
  }

  /** Resolves when all submitted work has finished. */
  async idle(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
    this.throwPendingErrors();
  }

  /** The program's index tables on the device, uploaded on first use of its key. */
  private tablesFor(dispatch: Dispatch): Map<string, GPUBuffer> {
    const cached = this.tableBuffers.get(dispatch.key);
    if (cached !== undefined) return cached;
    const uploaded = new Map<string, GPUBuffer>();
    for (const [name, values] of Object.entries(dispatch.tables())) {
      const size = Math.max(16, Math.ceil((values.length * 4) / 16) * 16);
      const buffer = this.device.createBuffer({ size, usage: USAGE_STORAGE | USAGE_COPY_DST });
      this.device.queue.writeBuffer(buffer, 0, values.buffer, values.byteOffset, values.byteLength);
      uploaded.set(name, buffer);
    }
    this.tableBuffers.set(dispatch.key, uploaded);
    return uploaded;
  }

  destroy(): void {
    this.pipelines.clear();
    this.tableBuffers.clear();
    this.device.destroy();
  }

  /** Records one dispatch as its own compute pass, optionally with timestamp writes around it. */
  encode(
    encoder: GPUCommandEncoder,
    dispatch: Dispatch,
    timestampWrites?: GPUComputePassTimestampWrites,
  ): void {
    const { key, launch, bindings, buffers } = dispatch;
    this.checkLaunch(launch, key);
    const pipeline = this.pipeline(key, dispatch.source());
    const tables = this.tablesFor(dispatch);
    const entries = bindings.map((spec, binding) => ({
      binding,
      resource: { buffer: tables.get(spec.name) ?? bufferFor(buffers, spec, key).buffer },
    }));
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const pass = encoder.beginComputePass(timestampWrites === undefined ? {} : { timestampWrites });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    const [x, y, z]: Extent3 = workgroupCounts(launch);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
  }
}

function bufferFor(
  buffers: Readonly<Record<string, GpuBuffer>>,
  spec: BindingSpec,
  program: string,
): GpuBuffer {
  const buffer = buffers[spec.name];
  if (buffer === undefined) {
    throw new Error(
      `${program}: no buffer given for binding "${spec.name}" (given: ${Object.keys(buffers).join(", ")})`,
    );
  }
  return buffer;
}
