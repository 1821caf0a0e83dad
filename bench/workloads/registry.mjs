// Every implementation the benchmark knows, by name; each entry opens it (and throws when it cannot be loaded).
export const IMPLEMENTATIONS = {
  "deltalab-cpu": async () => (await import("./deltalab.mjs")).cpuBackend(),
  "deltalab-wasm": async () => (await import("./deltalab-wasm.mjs")).wasmBackend(),
  "deltalab-webgpu": async () => (await import("./deltalab-webgpu.mjs")).webgpuBackend(),
  "tfjs-cpu": async () => (await import("./tfjs.mjs")).tfjsBackend("cpu")(),
  "tfjs-wasm": async () => (await import("./tfjs.mjs")).tfjsBackend("wasm")(),
  "tfjs-webgpu": async () => (await import("./tfjs.mjs")).tfjsBackend("webgpu")(),
  convnetjs: async () => (await import("./convnetjs.mjs")).convnetjsBackend(),
  onnxruntime: async () => (await import("./onnxruntime.mjs")).onnxBackend(),
};
