/**
 * LeNet-5 (LeCun, Bottou, Bengio, Haffner 1998, "Gradient-based learning applied to document recognition";
 * seed 003):
 *
 *   input 32x32 -> C1: 6 maps 5x5 conv -> S2: 2x2 sub-sampling -> C3: 16 maps 5x5 conv with the partial table
 *   below -> S4: 2x2 sub-sampling -> C5: 120 maps 5x5 conv (1x1 output) -> F6: 84 units -> output: 10 units
 *
 * S2 and S4 are the paper's trainable sub-sampling (one coefficient and one bias per map, seed 004 eq. 87) followed
 * by the squashing function A tanh(S a). The output is a dense layer with softmax (trained with cross-entropy) by
 * default; `output: "rbf"` gives a Gaussian RBF output layer instead (seed 004 eq. 54, trained with MSE), close to
 * but not the same as the paper's Euclidean RBF units with its MAP criterion. 28x28 inputs (MNIST, Fashion-MNIST)
 * are padded by 2 in C1, as the paper pads its 28x28 digits to 32x32.
 */
import type { ActivationName } from "../activations";
import type { BackendChoice } from "../backend/select";
import type { LayerSpec } from "../layers";
import type { DType } from "../tensor";
import { Sequential, type ModelSpec } from "./sequential";

/**
 * The C3 connection table of the paper (Table I): D_o, the S2 maps read by C3 map o. Maps 0-5 read 3 neighbouring
 * maps, 6-11 read 4 neighbouring maps, 12-14 read 4 non-neighbouring maps, 15 reads all 6: 60 connections.
 */
export const LENET5_C3_CONNECTIONS: readonly (readonly number[])[] = [
  [0, 1, 2],
  [1, 2, 3],
  [2, 3, 4],
  [3, 4, 5],
  [0, 4, 5],
  [0, 1, 5],
  [0, 1, 2, 3],
  [1, 2, 3, 4],
  [2, 3, 4, 5],
  [0, 3, 4, 5],
  [0, 1, 4, 5],
  [0, 1, 2, 5],
  [0, 1, 3, 4],
  [1, 2, 4, 5],
  [0, 2, 3, 5],
  [0, 1, 2, 3, 4, 5],
];

export interface LeNet5Options {
  /** 32 (the paper) or 28 (padded by 2 in C1); default 32. */
  readonly inputSize?: 28 | 32;
  readonly classes?: number;
  /** The sub-sampling layers: the paper's weighted sub-sampling (default), max or average pooling. */
  readonly pooling?: "weighted-subsample" | "max-pool" | "average-pool";
  /** The squashing function; default the paper's A tanh(S a) ("lecun-tanh"). */
  readonly activation?: ActivationName;
  /** "softmax" (default) or "rbf". */
  readonly output?: "softmax" | "rbf";
  /** false: C3 reads all six S2 maps. Default true (the paper's table). */
  readonly partialC3?: boolean;
  readonly dtype?: DType;
}

export function lenet5Spec(options: LeNet5Options = {}): ModelSpec {
  const inputSize = options.inputSize ?? 32;
  if (inputSize !== 28 && inputSize !== 32)
    throw new RangeError(`LeNet-5 takes 28x28 or 32x32 inputs, got ${inputSize}`);
  const activation = options.activation ?? "lecun-tanh";
  const pooling = options.pooling ?? "weighted-subsample";
  const classes = options.classes ?? 10;
  const subsample = (name: string): LayerSpec[] =>
    pooling === "weighted-subsample"
      ? [{ type: "weighted-subsample", size: 2, activation, name }]
      : [{ type: pooling, size: 2, name }];
  const output: LayerSpec[] =
    (options.output ?? "softmax") === "softmax"
      ? [
          { type: "dense", units: classes, name: "output" },
          { type: "softmax", name: "softmax" },
        ]
      : [{ type: "rbf", units: classes, name: "output" }];
  return {
    inputShape: [1, inputSize, inputSize],
    dtype: options.dtype ?? "float32",
    layers: [
      { type: "conv2d", filters: 6, kernel: 5, padding: inputSize === 28 ? 2 : 0, activation, name: "C1" },
      ...subsample("S2"),
      {
        type: "conv2d",
        filters: 16,
        kernel: 5,
        activation,
        name: "C3",
        ...(options.partialC3 === false ? {} : { connections: LENET5_C3_CONNECTIONS }),
      },
      ...subsample("S4"),
      { type: "conv2d", filters: 120, kernel: 5, activation, name: "C5" },
      { type: "flatten", name: "flatten" },
      { type: "dense", units: 84, activation, name: "F6" },
      ...output,
    ],
  };
}

/** A LeNet-5 with parameters drawn from `seed`, run on `backend` (default "auto"; see Sequential.useBackend). */
export function lenet5(
  options: LeNet5Options & { readonly seed?: number; readonly backend?: BackendChoice } = {},
): Sequential {
  return new Sequential(lenet5Spec(options), options.backend).initialize(options.seed ?? 0);
}
