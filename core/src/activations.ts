/**
 * Element-wise activation functions phi and their derivatives (seed 004 eq. 1; seed 001 eq. 2-3).
 *
 * Each derivative is written in terms of whichever of z (the input) and y = phi(z) is cheaper, so a backward pass
 * needs no extra storage: sigmoid'(z) = y (1 - y), tanh'(z) = 1 - y^2.
 */

export type ActivationName = "identity" | "sigmoid" | "tanh" | "lecun-tanh" | "relu" | "leaky-relu";

export const ACTIVATION_NAMES: readonly ActivationName[] = [
  "identity",
  "sigmoid",
  "tanh",
  "lecun-tanh",
  "relu",
  "leaky-relu",
];

export interface Activation {
  readonly name: ActivationName;
  value(z: number): number;
  /** phi'(z), given z and y = phi(z). */
  derivative(z: number, y: number): number;
}

/** The default slope of leaky ReLU for z <= 0. */
export const LEAKY_RELU_SLOPE = 0.01;

/** LeCun et al. 1998, appendix A: f(a) = A tanh(S a) with A = 1.7159 and S = 2/3, so that f(1) is about 1. */
export const LECUN_TANH_A = 1.7159;
export const LECUN_TANH_S = 2 / 3;

const identity: Activation = {
  name: "identity",
  value: (z) => z,
  derivative: () => 1,
};

const sigmoid: Activation = {
  name: "sigmoid",
  value: (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))),
  derivative: (_z, y) => y * (1 - y),
};

const tanh: Activation = {
  name: "tanh",
  value: (z) => Math.tanh(z),
  derivative: (_z, y) => 1 - y * y,
};

const lecunTanh: Activation = {
  name: "lecun-tanh",
  value: (z) => LECUN_TANH_A * Math.tanh(LECUN_TANH_S * z),
  derivative: (_z, y) => LECUN_TANH_S * (LECUN_TANH_A - (y * y) / LECUN_TANH_A),
};

/** ReLU (seed 001 eq. 3); its derivative at 0 is taken as 0, as in Krizhevsky et al. 2012 (seed 001). */
const relu: Activation = {
  name: "relu",
  value: (z) => (z > 0 ? z : 0),
  derivative: (z) => (z > 0 ? 1 : 0),
};

/** Leaky ReLU: z for z > 0, slope * z otherwise; the derivative at 0 is the slope (the z <= 0 branch). */
function leakyRelu(slope: number): Activation {
  return {
    name: "leaky-relu",
    value: (z) => (z > 0 ? z : slope * z),
    derivative: (z) => (z > 0 ? 1 : slope),
  };
}

/** The activation called `name`; `slope` is used by leaky ReLU only. */
export function activation(name: ActivationName, slope = LEAKY_RELU_SLOPE): Activation {
  switch (name) {
    case "identity":
      return identity;
    case "sigmoid":
      return sigmoid;
    case "tanh":
      return tanh;
    case "lecun-tanh":
      return lecunTanh;
    case "relu":
      return relu;
    case "leaky-relu":
      return leakyRelu(slope);
    default:
      throw new RangeError(`unknown activation '${String(name)}'; known: ${ACTIVATION_NAMES.join(", ")}`);
  }
}

export function isActivationName(name: string): name is ActivationName {
  return (ACTIVATION_NAMES as readonly string[]).includes(name);
}
