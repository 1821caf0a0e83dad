/**
 * The layer cases every backend runs (backend-suite.ts): odd sizes, strides, padding, partial connection tables,
 * kernels shared per map, overlapping and tied pooling windows, every activation, and inputs past tanh's clamp.
 * Each case says how many terms each output sums, which sets its Float32 tolerance (close.ts, sumTolerance).
 */
import {
  ACTIVATION_NAMES,
  ActivationLayer,
  AveragePoolLayer,
  Conv2dLayer,
  DenseLayer,
  FlattenLayer,
  LENET5_C3_CONNECTIONS,
  MaxPoolLayer,
  RbfLayer,
  SubsampleLayer,
  WeightedSubsampleLayer,
  type Conv2dAttrs,
  type Layer,
  type Shape,
} from "@deltalab/core";
import { randomFloats, tiedFloats } from "./random";

/** How a case's input is drawn: uniform in [-1, 1), or with ties (pooling), or spread wide (activations). */
export type InputKind = "uniform" | "half-steps" | "integers" | "wide";

export interface LayerCase {
  readonly name: string;
  readonly layer: Layer;
  readonly batch: number;
  readonly input?: InputKind;
  /** The number of terms each entry of y, of the input delta and of the parameter gradient sums. */
  readonly terms: { readonly y: number; readonly dx: number; readonly grad: number };
}

export function inputFor(kind: InputKind, length: number, seed: number): Float32Array {
  switch (kind) {
    case "uniform":
      return randomFloats(length, seed);
    case "half-steps":
      return randomFloats(length, seed).map((v) => Math.round(2 * v) / 2);
    case "integers":
      return tiedFloats(length, seed);
    case "wide":
      // Past tanh's clamp (|z| up to 12), and tiny values where tanh is the identity.
      return randomFloats(length, seed).map((v, i) => (i % 5 === 0 ? v * 1e-4 : v * 12));
  }
}

function convCase(name: string, shape: Shape, attrs: Conv2dAttrs, batch: number): LayerCase {
  const layer = new Conv2dLayer(name, shape, attrs);
  const kernel = layer.kernelHeight * layer.kernelWidth;
  return {
    name,
    layer,
    batch,
    terms: {
      y: kernel * layer.inChannels + 1,
      dx: kernel * layer.outChannels,
      grad: batch * layer.outHeight * layer.outWidth,
    },
  };
}

/** A small deterministic generator (mulberry32) for the randomized shapes. */
function shapes(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomInt(next: () => number, lo: number, hi: number): number {
  return lo + Math.floor(next() * (hi - lo + 1));
}

function partialTable(outputs: number, inputs: number, next: () => number): number[][] {
  return Array.from({ length: outputs }, (_, o) => {
    const row = Array.from({ length: inputs }, (_, c) => c).filter(() => next() < 0.5);
    return row.length > 0 ? row : [o % inputs];
  });
}

/** Convolutions on random shapes: partial tables, kernels per map, strides and padding. */
export function randomConvCases(seed: number, count: number): LayerCase[] {
  const next = shapes(seed);
  return Array.from({ length: count }, (_, i) => {
    const inChannels = randomInt(next, 1, 4);
    const filters = randomInt(next, 1, 5);
    const attrs: Conv2dAttrs = {
      filters,
      kernel: [randomInt(next, 1, 4), randomInt(next, 1, 4)],
      padding: [randomInt(next, 0, 2), randomInt(next, 0, 2)],
      stride: [randomInt(next, 1, 3), randomInt(next, 1, 2)],
      connections: next() < 0.5 ? partialTable(filters, inChannels, next) : undefined,
      sharing: next() < 0.3 ? "map" : "connection",
    };
    const shape = [inChannels, randomInt(next, 4, 11), randomInt(next, 4, 13)];
    return convCase(`conv ${i} ${JSON.stringify({ shape, ...attrs })}`, shape, attrs, randomInt(next, 1, 3));
  });
}

/**
 * Full tables with odd sizes, rectangular kernels, strides and paddings: one sample (two threads split the
 * backward by input channels), a kernel covering its whole input (run as a dense layer), a case cut into several
 * GEMM chunks, small patches with stride 1 (the direct kernels, maps not a multiple of four), and more than 256
 * patch rows with stride 1 (im2col + GEMM in two chunks).
 */
const FULL_CONVOLUTIONS: [Shape, Conv2dAttrs, number][] = [
  [[1, 9, 7], { filters: 3, kernel: [3, 3] }, 2],
  [[3, 11, 13], { filters: 5, kernel: [5, 3], stride: [2, 1], padding: [2, 1] }, 3],
  [[4, 15, 10], { filters: 9, kernel: [7, 7], stride: [2, 3], padding: [3, 3] }, 1],
  [[6, 5, 5], { filters: 17, kernel: [5, 5] }, 5],
  [[16, 30, 30], { filters: 12, kernel: [3, 3], padding: [1, 1] }, 4],
  [[2, 11, 13], { filters: 5, kernel: [3, 5], padding: [1, 2] }, 1],
  [[32, 12, 12], { filters: 7, kernel: [3, 3], padding: [1, 1] }, 8],
];

/**
 * Full tables for the WebAssembly backend's algorithms, listed after every other case so that adding one leaves the
 * others' data as it was: the direct kernels on rows of 28 and 19 outputs (1 to 7 vectors of four, partial
 * vectors), and 3 x 3 with stride 1 and at least 16 channels and maps (Winograd's F(2x2, 3x3): odd output sizes,
 * paddings 0 to 2, 675 tiles where a chunk holds 512), filter gradients with lanes over 8 to 32 maps (80 and 72
 * patch rows, blocks of five with and without a remainder), and one sample of 3 or 1 channels, whose input delta
 * two threads split by output rows (a ResNet-like 7 x 7 stride-2 stem, and a strided 3 x 3).
 */
const ALGORITHM_CONVOLUTIONS: [Shape, Conv2dAttrs, number][] = [
  [[1, 32, 32], { filters: 6, kernel: [5, 5] }, 2],
  [[2, 9, 21], { filters: 5, kernel: [3, 3] }, 2],
  [[16, 9, 11], { filters: 16, kernel: [3, 3], padding: [1, 1] }, 3],
  [[17, 12, 13], { filters: 20, kernel: [3, 3] }, 2],
  [[16, 8, 18], { filters: 18, kernel: [3, 3], padding: [2, 0] }, 2],
  [[16, 30, 30], { filters: 16, kernel: [3, 3], padding: [1, 1] }, 3],
  [[4, 10, 13], { filters: 24, kernel: [5, 4], padding: [1, 2] }, 3],
  [[3, 8, 8], { filters: 32, kernel: [4, 6] }, 2],
  [[3, 23, 21], { filters: 8, kernel: [7, 7], stride: [2, 2], padding: [3, 3] }, 1],
  [[1, 12, 9], { filters: 5, kernel: [3, 3], stride: [2, 1], padding: [1, 0] }, 1],
];

const POOL_WINDOWS: { shape: Shape; size: number | [number, number]; stride?: number | [number, number] }[] =
  [
    { shape: [3, 8, 8], size: 2 },
    { shape: [2, 9, 7], size: [3, 2], stride: [2, 1] },
    { shape: [1, 5, 5], size: 3, stride: 1 },
    { shape: [2, 10, 11], size: 2 },
  ];

/** At most 3 x 3 windows: 9 terms per output. */
const POOL_TERMS = { y: 9, dx: 9, grad: 1 };
const ELEMENTWISE_TERMS = { y: 4, dx: 4, grad: 1 };

function weightedSubsampleCase(
  name: string,
  shape: Shape,
  batch: number,
  connections?: number[][],
): LayerCase {
  const layer = new WeightedSubsampleLayer(name, shape, { size: 2, connections });
  const planes = layer.outputSize / layer.outChannels;
  return { name, layer, batch, terms: { y: 5 * shape[0], dx: 4, grad: 4 * batch * planes * shape[0] } };
}

/** Every case, in a fixed order (a case's index seeds its data). */
export function layerCases(): LayerCase[] {
  return [
    ...randomConvCases(7, 8),
    ...FULL_CONVOLUTIONS.map(([shape, attrs, batch]) =>
      convCase(`conv, full table ${JSON.stringify({ shape, ...attrs })}`, shape, attrs, batch),
    ),
    convCase(
      "LeNet-5 C3 (partial table)",
      [6, 14, 14],
      { filters: 16, kernel: 5, connections: LENET5_C3_CONNECTIONS },
      2,
    ),
    {
      name: "dense 13 -> 7",
      layer: new DenseLayer("F", [13], { units: 7 }),
      batch: 5,
      terms: { y: 14, dx: 7, grad: 5 },
    },
    {
      name: "dense 9 -> 4 without bias",
      layer: new DenseLayer("F", [9], { units: 4, bias: false }),
      batch: 3,
      terms: { y: 9, dx: 4, grad: 3 },
    },
    ...ACTIVATION_NAMES.map((activation) => ({
      name: `activation ${activation}`,
      layer: new ActivationLayer(activation, [3, 5, 3], { activation, slope: 0.05 }),
      batch: 2,
      terms: ELEMENTWISE_TERMS,
    })),
    ...ACTIVATION_NAMES.map((activation) => ({
      name: `activation ${activation}, 1003 values over [-12, 12]`,
      layer: new ActivationLayer(activation, [1003], { activation, slope: 0.2 }),
      batch: 1,
      input: "wide" as const,
      terms: ELEMENTWISE_TERMS,
    })),
    {
      name: "activation tanh, odd length",
      layer: new ActivationLayer("t", [37], { activation: "tanh" }),
      batch: 1,
      terms: ELEMENTWISE_TERMS,
    },
    ...POOL_WINDOWS.map(({ shape, size, stride }) => ({
      name: `max-pool ${JSON.stringify({ shape, size, stride })}, integer ties`,
      layer: new MaxPoolLayer("P", shape, { size, stride }),
      batch: 3,
      input: "integers" as const,
      terms: POOL_TERMS,
    })),
    ...POOL_WINDOWS.map(({ shape, size, stride }) => ({
      name: `average-pool ${JSON.stringify({ shape, size, stride })}`,
      layer: new AveragePoolLayer("A", shape, { size, stride }),
      batch: 2,
      terms: POOL_TERMS,
    })),
    {
      name: "max-pool 2x2, half-step ties",
      layer: new MaxPoolLayer("P", [3, 8, 9], { size: 2 }),
      batch: 2,
      input: "half-steps",
      terms: POOL_TERMS,
    },
    {
      name: "max-pool 3x3 stride 2 (overlapping)",
      layer: new MaxPoolLayer("P", [2, 7, 11], { size: 3, stride: 2 }),
      batch: 2,
      input: "half-steps",
      terms: POOL_TERMS,
    },
    {
      name: "max-pool 3x3 stride 1",
      layer: new MaxPoolLayer("P", [1, 9, 5], { size: 3, stride: 1 }),
      batch: 2,
      input: "half-steps",
      terms: POOL_TERMS,
    },
    {
      name: "average-pool 3x2 stride 2x1",
      layer: new AveragePoolLayer("A", [2, 9, 7], { size: [3, 2], stride: [2, 1] }),
      batch: 3,
      terms: POOL_TERMS,
    },
    weightedSubsampleCase("weighted sub-sampling 2x2", [6, 28, 28], 2),
    weightedSubsampleCase("weighted sub-sampling, leftover rows", [3, 7, 9], 2),
    weightedSubsampleCase("weighted sub-sampling, partial table", [3, 6, 6], 2, [[0, 1], [1, 2], [2]]),
    {
      name: "vanilla sub-sampling 2x3",
      layer: new SubsampleLayer("V", [2, 9, 8], { factor: [2, 3] }),
      batch: 2,
      terms: POOL_TERMS,
    },
    { name: "flatten", layer: new FlattenLayer("flat", [2, 3, 4]), batch: 2, terms: ELEMENTWISE_TERMS },
    {
      name: "radial basis",
      layer: new RbfLayer("R", [6], { units: 3 }),
      batch: 2,
      terms: { y: 24, dx: 12, grad: 8 },
    },
    ...ALGORITHM_CONVOLUTIONS.map(([shape, attrs, batch]) =>
      convCase(`conv, full table ${JSON.stringify({ shape, ...attrs })}`, shape, attrs, batch),
    ),
  ];
}
