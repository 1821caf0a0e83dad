import { describe, expect, it } from "vitest";
import {
  lenet5,
  referenceBackend,
  registerBackend,
  registeredBackends,
  resolveBackend,
  type Backend,
} from "@deltalab/core";

describe("the backend registry", () => {
  it("serves the backends core registers by name", () => {
    expect(registeredBackends()).toEqual(expect.arrayContaining(["reference", "wasm", "auto"]));
    expect(resolveBackend("reference")).toBe(referenceBackend);
    expect(resolveBackend("auto", "float64")).toBe(referenceBackend);
  });

  it("finds a backend registered by name, for models too", () => {
    const calls: string[] = [];
    const counting: Backend = {
      name: "counting",
      accelerate: (layer) => {
        calls.push(layer.kind);
        return layer;
      },
    };
    registerBackend("counting", () => counting);
    expect(resolveBackend("counting")).toBe(counting);
    const model = lenet5({ backend: "counting" });
    expect(model.backend).toBe(counting);
    expect(calls).toEqual(model.layers.map(({ layer }) => layer.kind));
  });

  it("says which package registers webgpu when it is not registered", () => {
    if (registeredBackends().includes("webgpu")) return;
    expect(() => resolveBackend("webgpu")).toThrow(
      /webgpu backend is registered by @deltalab\/shaders; import it/,
    );
  });

  it("names the registered backends for an unknown name", () => {
    expect(() => resolveBackend("gpu")).toThrow(
      /unknown backend "gpu"; expected one of "reference", "wasm", "auto"/,
    );
  });
});
