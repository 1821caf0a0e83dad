/**
 * Moving Float32Arrays in and out of the shared memory for one operation. An array that already is a view into
 * the memory (from `WasmBackend.allocate`) is used in place; any other is copied in (inputs) or out (outputs).
 */
import type { FloatAddress, IntAddress } from "./kernels";
import type { SharedArena } from "./memory";

export class Frame {
  private readonly mark: number;
  private readonly pending: { address: number; target: Float32Array; length: number }[] = [];

  constructor(private readonly arena: SharedArena) {
    this.mark = arena.mark();
  }

  /** The address of `length` floats of `array` for reading. */
  input(where: string, name: string, array: Float32Array, length: number): FloatAddress {
    requireLength(where, name, array, length);
    if (this.arena.owns(array)) return array.byteOffset as FloatAddress;
    const address = this.arena.allocate(length);
    this.arena.f32.set(array.subarray(0, length), address >> 2);
    return address as FloatAddress;
  }

  /** The address the kernel writes `length` floats of `array` to; copied out by `finish`. */
  output(where: string, name: string, array: Float32Array, length: number): FloatAddress {
    requireLength(where, name, array, length);
    if (this.arena.owns(array)) return array.byteOffset as FloatAddress;
    const address = this.arena.allocate(length);
    this.pending.push({ address, target: array, length });
    return address as FloatAddress;
  }

  /** Both: copied in, updated in place by the kernel, copied out by `finish`. */
  inout(where: string, name: string, array: Float32Array, length: number): FloatAddress {
    const address = this.input(where, name, array, length);
    if (!this.arena.owns(array)) this.pending.push({ address, target: array, length });
    return address;
  }

  /** Scratch floats, released with the frame. */
  scratch(count: number): FloatAddress {
    return this.arena.allocate(count) as FloatAddress;
  }

  /** i32 values in the memory, e.g. a convolution's geometry. */
  ints(values: readonly number[]): IntAddress {
    const address = this.arena.allocate(values.length);
    this.arena.i32.set(values, address >> 2);
    return address as IntAddress;
  }

  /** Copies the outputs back and frees everything the frame allocated. */
  finish(): void {
    const memory = this.arena.f32;
    for (const { address, target, length } of this.pending) {
      target.set(memory.subarray(address >> 2, (address >> 2) + length));
    }
    this.release();
  }

  /** Frees everything without copying (after a failure). */
  release(): void {
    this.arena.release(this.mark);
  }
}

function requireLength(where: string, name: string, array: Float32Array, length: number): void {
  if (!(array instanceof Float32Array)) {
    throw new TypeError(`${where}: ${name} must be a Float32Array`);
  }
  if (array.length < length) {
    throw new RangeError(`${where}: ${name} needs ${length} values, has ${array.length}`);
  }
}
