/**
 * Helpers shared by the tunable operators: seeded inputs, the prepared-inputs object, and the workgroup sizes of
 * the search spaces.
 */
import { Dispatch, GpuBuffer, GpuDevice } from "../device/gpu";
import { LaunchParams, PreparedOperator } from "./operator";

/** Seeded values in [-1, 1) (mulberry32), so that every run tunes on the same data. */
export function seededValues(length: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (2 * ((t ^ (t >>> 14)) >>> 0)) / 4294967296 - 1;
  }
  return out;
}

/** Uploads the inputs and allocates the output, for the dispatches of any launch of one operator. */
export function prepared(
  device: GpuDevice,
  inputs: Record<string, Float32Array>,
  outputName: string,
  reference: Float32Array,
  dispatches: (buffers: Record<string, GpuBuffer>, params: LaunchParams) => Dispatch[],
  scratch: GpuBuffer[] = [],
): PreparedOperator {
  const buffers: Record<string, GpuBuffer> = {};
  for (const [name, data] of Object.entries(inputs)) buffers[name] = device.upload(data);
  buffers[outputName] = device.alloc(reference.length);
  const zeros = new Float32Array(reference.length);
  return {
    reference,
    dispatches: (params) => dispatches(buffers, params),
    clearOutput: () => device.write(buffers[outputName], zeros),
    readOutput: () => device.read(buffers[outputName]),
    dispose: () => [...Object.values(buffers), ...scratch].forEach((b) => device.free(b)),
  };
}

export const WORKGROUP_X = [1, 2, 4, 8, 16, 32, 64] as const;
export const WORKGROUP_Y = [1, 2, 4, 8, 16] as const;

/** Padded extent: n rounded up to a multiple of block. */
export function roundUp(n: number, block: number): number {
  return Math.ceil(n / block) * block;
}
