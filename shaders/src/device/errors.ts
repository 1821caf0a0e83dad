/** One attempt to obtain an adapter, as recorded for the error message. */
export interface AdapterAttempt {
  /** The Dawn backend asked for ("default" when Dawn chose). */
  readonly backend: string;
  /** The WebGPU feature level asked for. */
  readonly featureLevel: "core" | "compatibility";
  /** What happened: "no adapter", "adapter name did not match ...", or the exception text. */
  readonly outcome: string;
}

/**
 * No WebGPU adapter could be obtained. Callers catch this and fall back to the CPU layers of @deltalab/core.
 * The message lists every backend tried and how to fix the environment.
 */
export class WebGpuUnavailableError extends Error {
  override readonly name = "WebGpuUnavailableError";

  constructor(
    readonly attempts: readonly AdapterAttempt[],
    override readonly cause?: unknown,
  ) {
    super(describe(attempts, cause));
  }
}

function describe(attempts: readonly AdapterAttempt[], cause: unknown): string {
  const tried = attempts.map((a) => `  - backend=${a.backend}, featureLevel=${a.featureLevel}: ${a.outcome}`);
  const lines = [
    "No WebGPU adapter is available.",
    ...(cause === undefined ? [] : [`The webgpu package could not be loaded: ${String(cause)}`]),
    ...(tried.length > 0 ? ["Tried:", ...tried] : []),
    "To fix: on a machine with a GPU, install its Vulkan (Linux), Metal (macOS) or D3D12 (Windows) driver;",
    "without a GPU, install Mesa (Debian: libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri) and use",
    "DELTALAB_WEBGPU_BACKEND=opengl with EGL_PLATFORM=surfaceless. DELTALAB_WEBGPU_ADAPTER=<name part>",
    "selects an adapter by name. The CPU layers of @deltalab/core work without any of this.",
  ];
  return lines.join("\n");
}
