import { AdapterAttempt, WebGpuUnavailableError } from "./errors";

/**
 * The graphics API Dawn runs on (its "backend" as accepted by `create(["backend=..."])`), or "auto" to try them in
 * order. Not to be confused with a compute backend of @deltalab/core ("wasm", "webgpu").
 */
export type GraphicsApiChoice = "auto" | "vulkan" | "metal" | "d3d12" | "opengl" | "opengles";

const BACKENDS: readonly GraphicsApiChoice[] = ["auto", "vulkan", "metal", "d3d12", "opengl", "opengles"];

/** Where to look for an adapter. Defaults come from DELTALAB_WEBGPU_BACKEND and DELTALAB_WEBGPU_ADAPTER. */
export interface AdapterRequest {
  readonly backend?: GraphicsApiChoice;
  /** A case-insensitive part of the adapter's name (vendor, architecture, device or description). */
  readonly adapterName?: string;
}

/** What the adapter says about itself; all strings may be empty on some backends. */
export interface AdapterDescription {
  readonly backend: string;
  readonly featureLevel: "core" | "compatibility";
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  readonly timestampQuery: boolean;
}

export interface OpenedDevice {
  /** The Dawn instance; it must stay reachable as long as the device is used, or Dawn tears it down. */
  readonly gpu: GPU;
  readonly device: GPUDevice;
  readonly adapter: AdapterDescription;
}

type CreateGpu = (options: string[]) => GPU;

interface Attempt {
  readonly backend: string;
  readonly featureLevel: "core" | "compatibility";
}

/**
 * The order tried for `auto`: a real GPU through Dawn's default backend first, then Mesa llvmpipe through the
 * OpenGL and OpenGL ES backends (which only offer the compatibility feature level).
 */
function attemptsFor(backend: GraphicsApiChoice): Attempt[] {
  switch (backend) {
    case "auto":
      return [
        { backend: "default", featureLevel: "core" },
        { backend: "opengl", featureLevel: "compatibility" },
        { backend: "opengles", featureLevel: "compatibility" },
      ];
    case "opengl":
    case "opengles":
      return [{ backend, featureLevel: "compatibility" }];
    default:
      return [{ backend, featureLevel: "core" }];
  }
}

/** Reads the backend and adapter choice from the environment, rejecting unknown backend names. */
export function requestFromEnvironment(env: NodeJS.ProcessEnv = process.env): AdapterRequest {
  const raw = (env.DELTALAB_WEBGPU_BACKEND ?? "auto").trim().toLowerCase();
  const backend = BACKENDS.find((b) => b === raw);
  if (backend === undefined) {
    throw new Error(
      `DELTALAB_WEBGPU_BACKEND=${JSON.stringify(raw)} is not a backend; expected one of ${BACKENDS.join(", ")}`,
    );
  }
  const adapterName = env.DELTALAB_WEBGPU_ADAPTER?.trim();
  return adapterName ? { backend, adapterName } : { backend };
}

async function loadCreate(): Promise<CreateGpu> {
  // The webgpu package is ESM-only; this import() stays an import() in the CommonJS build (module node16).
  const module: { create: CreateGpu } = await import("webgpu");
  return module.create;
}

function describeAdapter(adapter: GPUAdapter, attempt: Attempt): AdapterDescription {
  const info = adapter.info;
  return {
    backend: attempt.backend,
    featureLevel: attempt.featureLevel,
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    timestampQuery: adapter.features.has("timestamp-query"),
  };
}

/** Renderers that run on the CPU (Mesa's llvmpipe, lavapipe and softpipe; SwiftShader). */
const SOFTWARE_RENDERERS = /llvmpipe|lavapipe|softpipe|swiftshader/i;

/** Whether the adapter renders in software on the CPU: it works everywhere, but a CPU path is usually faster. */
export function isSoftwareAdapter(description: AdapterDescription): boolean {
  return [description.vendor, description.architecture, description.device, description.description].some(
    (part) => SOFTWARE_RENDERERS.test(part),
  );
}

function nameMatches(description: AdapterDescription, wanted: string): boolean {
  const haystack = [
    description.vendor,
    description.architecture,
    description.device,
    description.description,
  ];
  return haystack.some((part) => part.toLowerCase().includes(wanted.toLowerCase()));
}

/** Every limit the adapter offers, so that compatibility mode does not cap workgroups at 128 invocations. */
function adapterLimits(adapter: GPUAdapter): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const key in adapter.limits) {
    const value: unknown = adapter.limits[key as keyof GPUSupportedLimits];
    if (typeof value === "number") limits[key] = value;
  }
  return limits;
}

/**
 * Opens a WebGPU device through Dawn: tries the requested backend (or, for `auto`, a real GPU first and then
 * Mesa llvmpipe), requests the adapter's own limits, and throws a `WebGpuUnavailableError` listing every
 * attempt when none succeeds.
 */
export async function openDevice(request: AdapterRequest = requestFromEnvironment()): Promise<OpenedDevice> {
  // Mesa's EGL finds no display without this on a headless machine.
  process.env.EGL_PLATFORM ??= "surfaceless";
  let create: CreateGpu;
  try {
    create = await loadCreate();
  } catch (error) {
    throw new WebGpuUnavailableError([], error);
  }
  const record: AdapterAttempt[] = [];
  for (const attempt of attemptsFor(request.backend ?? "auto")) {
    const flags = attempt.backend === "default" ? [] : [`backend=${attempt.backend}`];
    let adapter: GPUAdapter | null;
    let gpu: GPU;
    try {
      gpu = create(flags);
      adapter = await gpu.requestAdapter({ featureLevel: attempt.featureLevel });
    } catch (error) {
      record.push({ ...attempt, outcome: `failed: ${String(error)}` });
      continue;
    }
    if (adapter === null) {
      record.push({ ...attempt, outcome: "no adapter" });
      continue;
    }
    const description = describeAdapter(adapter, attempt);
    if (request.adapterName !== undefined && !nameMatches(description, request.adapterName)) {
      const name = [description.vendor, description.device, description.description].join(" ").trim();
      record.push({ ...attempt, outcome: `adapter "${name}" does not match "${request.adapterName}"` });
      continue;
    }
    const requiredFeatures: GPUFeatureName[] = description.timestampQuery ? ["timestamp-query"] : [];
    const device = await adapter.requestDevice({ requiredLimits: adapterLimits(adapter), requiredFeatures });
    return { gpu, device, adapter: description };
  }
  throw new WebGpuUnavailableError(record);
}
