/**
 * Error functions r(t, y) of seed 004 Table 2 and the output deltas of Table 3.
 *
 * A `Loss` gives r and dr/dy for one sample; the delta at the pre-activation Z of the last layer then follows by
 * the chain rule through the output activation, which reproduces every "(loss, Any)" row of Table 3:
 *   (MSE, Any):          -(t - y) o phi'(z)
 *   (CE, Any):           -t o (1 / y) o phi'(z)          (element-wise phi only)
 *   (CE-binary, Any):    -(t - y) / (y (1 - y)) o phi'(z)
 * Two pairs are fused (`FusedOutput`), both for the shorter delta and for numerical safety, computing r from the
 * last layer's input z (logits) with log-sum-exp / softplus instead of log(y):
 *   (CE, Softmax):         delta = y - t  (for targets summing to 1; in general y sum(t) - t)
 *   (CE-binary, Sigmoid):  delta = y - t
 */
import type { FloatArray } from "./tensor";

export type LossName = "mse" | "cross-entropy" | "binary-cross-entropy";

export const LOSS_NAMES: readonly LossName[] = ["mse", "cross-entropy", "binary-cross-entropy"];

export interface Loss {
  readonly name: LossName;
  /** r(t, y) for one sample: y[offset..offset+size) against t[offset..offset+size). */
  value(y: ArrayLike<number>, t: ArrayLike<number>, offset: number, size: number): number;
  /** dy = dr/dy for one sample (same offsets). */
  gradient(y: ArrayLike<number>, t: ArrayLike<number>, dy: FloatArray, offset: number, size: number): void;
}

/** r = 1/2 ||t - y||^2 (eq. 21); dr/dy = -(t - y) (eq. 22-23). */
export const meanSquaredError: Loss = {
  name: "mse",
  value(y, t, offset, size) {
    let sum = 0;
    for (let k = offset; k < offset + size; k++) sum += (t[k] - y[k]) * (t[k] - y[k]);
    return 0.5 * sum;
  },
  gradient(y, t, dy, offset, size) {
    for (let k = offset; k < offset + size; k++) dy[k] = y[k] - t[k];
  },
};

/** r = -sum_k t_k log y_k (eq. 27, summed over the N^L outputs); dr/dy_k = -t_k / y_k (eq. 28), 0 where t_k = 0. */
export const crossEntropy: Loss = {
  name: "cross-entropy",
  value(y, t, offset, size) {
    let sum = 0;
    for (let k = offset; k < offset + size; k++) if (t[k] !== 0) sum -= t[k] * Math.log(y[k]);
    return sum;
  },
  gradient(y, t, dy, offset, size) {
    for (let k = offset; k < offset + size; k++) dy[k] = t[k] === 0 ? 0 : -t[k] / y[k];
  },
};

/** r = -sum_k (t_k log y_k + (1 - t_k) log(1 - y_k)) (eq. 26); dr/dy = -(t - y) / (y (1 - y)). */
export const binaryCrossEntropy: Loss = {
  name: "binary-cross-entropy",
  value(y, t, offset, size) {
    let sum = 0;
    for (let k = offset; k < offset + size; k++) {
      if (t[k] !== 0) sum -= t[k] * Math.log(y[k]);
      if (t[k] !== 1) sum -= (1 - t[k]) * Math.log(1 - y[k]);
    }
    return sum;
  },
  gradient(y, t, dy, offset, size) {
    for (let k = offset; k < offset + size; k++) dy[k] = -(t[k] - y[k]) / (y[k] * (1 - y[k]));
  },
};

export function lossByName(name: LossName): Loss {
  switch (name) {
    case "mse":
      return meanSquaredError;
    case "cross-entropy":
      return crossEntropy;
    case "binary-cross-entropy":
      return binaryCrossEntropy;
    default:
      throw new RangeError(`unknown loss '${String(name)}'; known: ${LOSS_NAMES.join(", ")}`);
  }
}

/** A loss fused with the output activation: r and dr/dz computed from the last layer's input z. */
export interface FusedOutput {
  readonly name: string;
  /** r(t, phi(z)) for one sample; y = phi(z) is given too. */
  value(
    z: ArrayLike<number>,
    y: ArrayLike<number>,
    t: ArrayLike<number>,
    offset: number,
    size: number,
  ): number;
  /** dz = dr/dz for one sample. */
  delta(y: ArrayLike<number>, t: ArrayLike<number>, dz: FloatArray, offset: number, size: number): void;
}

/** (CE, Softmax): r = sum_k t_k (logsumexp(z) - z_k); dr/dz = y sum(t) - t (Table 3: -(t - y)). */
export const softmaxCrossEntropy: FusedOutput = {
  name: "softmax-cross-entropy",
  value(z, _y, t, offset, size) {
    let max = -Infinity;
    for (let k = offset; k < offset + size; k++) max = Math.max(max, z[k]);
    let sumExp = 0;
    for (let k = offset; k < offset + size; k++) sumExp += Math.exp(z[k] - max);
    const logSumExp = max + Math.log(sumExp);
    let sum = 0;
    for (let k = offset; k < offset + size; k++) if (t[k] !== 0) sum += t[k] * (logSumExp - z[k]);
    return sum;
  },
  delta(y, t, dz, offset, size) {
    let targetSum = 0;
    for (let k = offset; k < offset + size; k++) targetSum += t[k];
    for (let k = offset; k < offset + size; k++) dz[k] = y[k] * targetSum - t[k];
  },
};

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

/** (CE-binary, Sigmoid): r = sum_k softplus(z_k) - t_k z_k; dr/dz = y - t (Table 3, Remark 1). */
export const sigmoidBinaryCrossEntropy: FusedOutput = {
  name: "sigmoid-binary-cross-entropy",
  value(z, _y, t, offset, size) {
    let sum = 0;
    for (let k = offset; k < offset + size; k++) sum += softplus(z[k]) - t[k] * z[k];
    return sum;
  },
  delta(y, t, dz, offset, size) {
    for (let k = offset; k < offset + size; k++) dz[k] = y[k] - t[k];
  },
};

/**
 * The fused form for a loss and the kind of the model's last layer ("softmax", "sigmoid", ...), or undefined when
 * the pair has none and the chain rule through the last layer is used.
 */
export function fusedOutput(loss: LossName, lastLayerKind: string): FusedOutput | undefined {
  if (loss === "cross-entropy" && lastLayerKind === "softmax") return softmaxCrossEntropy;
  if (loss === "binary-cross-entropy" && lastLayerKind === "sigmoid") return sigmoidBinaryCrossEntropy;
  return undefined;
}
