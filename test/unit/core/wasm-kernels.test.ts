/** The declared kernel signatures (core/src/backend/wasm/kernels.ts) are checked against the module's exports. */
import { describe, expect, it } from "vitest";
import { loadKernels } from "@deltalab/core";
import { checkedKernels } from "../../../core/src/backend/wasm/kernels";

/** The exports of the committed plain-SIMD build over a fresh shared memory. */
function realExports(): Record<string, unknown> {
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 32768, shared: true });
  const { module } = loadKernels("simd");
  return { ...new WebAssembly.Instance(module as WebAssembly.Module, { env: { memory } }).exports };
}

describe("the WebAssembly kernel declarations", () => {
  it("accept the committed build: every declared export is there with its declared parameter count", () => {
    const kernels = checkedKernels(realExports());
    expect(kernels.gemmWorkFloats).toBeGreaterThan(0);
    expect(typeof kernels.sgemmShare).toBe("function");
  });

  it("name a declared export the module lacks", () => {
    const { gather: _, ...exports } = realExports();
    expect(() => checkedKernels(exports)).toThrow(/lack the export 'gather'/);
  });

  it("name an export whose parameter count differs from its declaration", () => {
    const exports = { ...realExports(), convForward: (g: number, x: number) => g + x };
    expect(() => checkedKernels(exports)).toThrow(/'convForward' takes 2 parameters, its declaration 9/);
  });
});
