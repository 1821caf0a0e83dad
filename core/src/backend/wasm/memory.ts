/**
 * The shared WebAssembly.Memory that the kernels of every worker read and write, with a stack allocator: an
 * operation marks the top, allocates its buffers, runs, and releases back to the mark, so repeated calls reuse the
 * same addresses and the memory only grows to the largest operation seen. Addresses are byte offsets, 16-byte
 * aligned (one f32x4).
 */

import { webAssembly, type WasmMemory } from "./webassembly";

const PAGE = 65536;
/** The maximum the kernels declare for their imported memory (scripts/build-wasm.mjs): 2 GiB. */
export const MAXIMUM_PAGES = 32768;
/** Addresses below this stay unused, so that 0 is never a valid buffer. */
const BASE = 1024;

export class SharedArena {
  readonly memory: WasmMemory;
  private top = BASE;
  private floats: Float32Array;
  private ints: Int32Array;
  /** Every SharedArrayBuffer the memory has had: views into any of them see the same bytes. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();

  constructor(initialBytes = 16 << 20) {
    const { Memory } = webAssembly();
    this.memory = new Memory({
      initial: Math.ceil(initialBytes / PAGE),
      maximum: MAXIMUM_PAGES,
      shared: true,
    });
    this.floats = new Float32Array(this.memory.buffer);
    this.ints = new Int32Array(this.memory.buffer);
    this.buffers.add(this.memory.buffer);
  }

  /** A view of all memory as f32 (renewed when the memory grows). */
  get f32(): Float32Array {
    this.refresh();
    return this.floats;
  }

  get i32(): Int32Array {
    this.refresh();
    return this.ints;
  }

  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }

  /** Reserves `count` 4-byte elements and returns their byte address. */
  allocate(count: number): number {
    const address = this.top;
    const end = address + Math.ceil((count * 4) / 16) * 16;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAXIMUM_PAGES) {
        throw new RangeError(
          `the WebAssembly backend needs ${end} bytes of memory; its maximum is ${MAXIMUM_PAGES * PAGE} bytes`,
        );
      }
      this.memory.grow(pages);
      this.refresh();
    }
    this.top = end;
    return address;
  }

  /** Copies `values` into a fresh allocation and returns its address. */
  copyIn(values: ArrayLike<number>): number {
    const address = this.allocate(values.length);
    this.f32.set(values, address >> 2);
    return address;
  }

  /** A Float32Array view of `count` floats at `address` (valid until the memory grows). */
  view(address: number, count: number): Float32Array {
    return this.f32.subarray(address >> 2, (address >> 2) + count);
  }

  /** True when `array` is a view into this memory (so it can be passed by address, without a copy). */
  owns(array: Float32Array): boolean {
    return this.buffers.has(array.buffer);
  }

  private refresh(): void {
    const buffer = this.memory.buffer;
    if (this.floats.buffer !== buffer) {
      this.floats = new Float32Array(buffer);
      this.ints = new Int32Array(buffer);
      this.buffers.add(buffer);
    }
  }
}
