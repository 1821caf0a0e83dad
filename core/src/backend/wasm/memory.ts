/**
 * The shared WebAssembly.Memory that the kernels of every worker read and write, with two allocators:
 *
 * - a stack for the operands and scratch of one operation: it marks the top, allocates, runs, and releases back to
 *   the mark, so repeated calls reuse the same addresses and the memory only grows to the largest operation seen;
 * - lasting blocks (a model's workspace, a layer's expanded weights), taken first-fit from a free list below the
 *   stack and given back with `free`, or automatically once an owner object is garbage-collected.
 *
 * Lasting blocks are only allocated between operations, never while a stack frame is open. Addresses are byte
 * offsets, 16-byte aligned (one f32x4).
 */

import { webAssembly, type WasmMemory } from "./webassembly";

const PAGE = 65536;
/** The maximum the kernels declare for their imported memory (scripts/build-wasm.mjs): 2 GiB. */
export const MAXIMUM_PAGES = 32768;
/**
 * Addresses below this are never allocated: 0 is never a valid buffer, and the kernels' static data (a constant
 * table from byte 16, scripts/build-wasm.mjs) lives there.
 */
export const ARENA_BASE = 1024;

export class SharedArena {
  readonly memory: WasmMemory;
  private top = ARENA_BASE;
  private floats: Float32Array;
  private ints: Int32Array;
  /** Every SharedArrayBuffer the memory has had: views into any of them see the same bytes. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** Freed lasting blocks, [address, bytes]. */
  private readonly freeBlocks: [number, number][] = [];
  private readonly owners = new FinalizationRegistry<[number, number]>(([address, bytes]) =>
    this.free(address, bytes),
  );

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
    // 16 bytes to spare: a kernel may load a whole f32x4 that starts on the last float of a buffer.
    if (end + 16 > have) {
      const pages = Math.ceil((end + 16 - have) / PAGE);
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

  /**
   * A lasting block of `count` zeroed 4-byte elements; with `owner`, freed when the owner is garbage-collected.
   * Returns the address.
   */
  allocateLasting(count: number, owner?: object): number {
    const bytes = Math.ceil((count * 4) / 16) * 16;
    let address = -1;
    const index = this.freeBlocks.findIndex(([, size]) => size >= bytes);
    if (index >= 0) {
      const [start, size] = this.freeBlocks[index];
      address = start;
      if (size > bytes) this.freeBlocks[index] = [start + bytes, size - bytes];
      else this.freeBlocks.splice(index, 1);
    } else {
      address = this.allocate(count);
    }
    this.f32.fill(0, address >> 2, (address + bytes) >> 2);
    if (owner) this.owners.register(owner, [address, bytes]);
    return address;
  }

  /** Gives a lasting block back. */
  free(address: number, bytes: number): void {
    if (address + bytes === this.top) this.top = address;
    else this.freeBlocks.push([address, bytes]);
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
    return this.ownsBuffer(array.buffer);
  }

  ownsBuffer(buffer: ArrayBufferLike): boolean {
    return this.buffers.has(buffer);
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
