import { describe, expect, it } from "vitest";
import { GpuDevice, WebGpuUnavailableError, requestFromEnvironment } from "@deltalab/shaders";
import { testDevice } from "./support";

describe("device", () => {
  it("round-trips a buffer through write and read", async () => {
    const gpu = await testDevice();
    const data = Float32Array.from([1.5, -2, 3.25, 0, 7, 1e-30, -1e30]);
    const buffer = gpu.upload(data);
    expect(Array.from(await gpu.read(buffer))).toEqual(Array.from(data));
    gpu.free(buffer);
  });

  it("allocates zero-filled buffers", async () => {
    const gpu = await testDevice();
    const buffer = gpu.alloc(5);
    expect(Array.from(await gpu.read(buffer))).toEqual([0, 0, 0, 0, 0]);
    gpu.free(buffer);
  });

  it("refuses a write whose length differs from the buffer's", async () => {
    const gpu = await testDevice();
    const buffer = gpu.alloc(3);
    expect(() => gpu.write(buffer, new Float32Array(4))).toThrow(/write of 4 floats into a buffer of 3/);
    gpu.free(buffer);
  });

  it("offers at least 256 invocations per workgroup (the adapter's limits were requested)", async () => {
    const gpu = await testDevice();
    expect(gpu.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
  });

  it("reports a typed error naming the attempt when no adapter matches the requested name", async () => {
    const request = { ...requestFromEnvironment(), adapterName: "no adapter is called this" };
    const error = await GpuDevice.open(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebGpuUnavailableError);
    expect((error as WebGpuUnavailableError).message).toMatch(/does not match "no adapter is called this"/);
    expect((error as WebGpuUnavailableError).attempts.length).toBeGreaterThan(0);
  });

  it("rejects an unknown backend name in DELTALAB_WEBGPU_BACKEND", () => {
    expect(() => requestFromEnvironment({ DELTALAB_WEBGPU_BACKEND: "cuda" })).toThrow(
      /expected one of auto, vulkan/,
    );
  });

  it("reads the adapter name from DELTALAB_WEBGPU_ADAPTER", () => {
    const request = requestFromEnvironment({
      DELTALAB_WEBGPU_BACKEND: "opengl",
      DELTALAB_WEBGPU_ADAPTER: "llvmpipe",
    });
    expect(request).toEqual({ backend: "opengl", adapterName: "llvmpipe" });
  });
});

describe("falling back to the CPU", () => {
  it("gives undefined and the typed error when no adapter matches, so callers can use the core layers", async () => {
    const errors: WebGpuUnavailableError[] = [];
    const request = { ...requestFromEnvironment(), adapterName: "no adapter is called this" };
    expect(await GpuDevice.openOrUndefined(request, (e) => errors.push(e))).toBeUndefined();
    expect(errors).toHaveLength(1);
  });
});
