/**
 * The part of the WebAssembly JavaScript API this backend uses. Core compiles without the DOM library, which is
 * where TypeScript declares `WebAssembly`, so the backend reaches it through this small typed surface.
 */

export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

/** A compiled module (structured-cloneable to worker threads). */
export interface WasmModule {
  readonly [Symbol.toStringTag]: string;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WasmGlobal {
  readonly value: unknown;
}

interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => WasmModule;
  readonly Instance: new (module: WasmModule, imports: object) => WasmInstance;
  readonly Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  readonly Global: abstract new (...args: never[]) => WasmGlobal;
  validate(bytes: Uint8Array): boolean;
}

/** The engine's WebAssembly object; a clear error where there is none. */
export function webAssembly(): WasmApi {
  const api: unknown = Reflect.get(globalThis, "WebAssembly");
  if (api === undefined) throw new Error("this JavaScript engine has no WebAssembly");
  return api as WasmApi;
}
