/**
 * The loss at the end of a forward pass and the delta that starts the backward pass (seed 004 eq. 6, Table 3).
 * When the (loss, last layer) pair has a fused form (losses.ts), the delta is written at the last layer's input and
 * back-propagation starts one layer lower; otherwise dr/dy is written at the output and every layer runs backward.
 */
import { fusedOutput, lossByName, type LossName } from "../losses";
import type { Sequential } from "./sequential";
import type { Workspace } from "./workspace";

export interface LossPass {
  /** sum over the batch of r(t_i, y_i). */
  readonly sum: number;
  /** The highest layer whose backward call is needed. */
  readonly from: number;
}

/** Sums the loss over the first `batch` samples (targets in ws.targets) and writes the starting delta. */
export function lossAndDelta(model: Sequential, ws: Workspace, batch: number, lossName: LossName): LossPass {
  const last = model.layers.length - 1;
  const size = model.outputSize;
  const y = ws.activations[last + 1];
  const t = ws.targets;
  const fused = fusedOutput(lossName, model.layers[last].layer.kind);
  let sum = 0;
  if (fused) {
    const z = ws.activations[last];
    const dz = ws.deltas[last];
    for (let n = 0; n < batch; n++) {
      sum += fused.value(z, y, t, n * size, size);
      fused.delta(y, t, dz, n * size, size);
    }
    return { sum, from: last - 1 };
  }
  const loss = lossByName(lossName);
  const dy = ws.deltas[last + 1];
  for (let n = 0; n < batch; n++) {
    sum += loss.value(y, t, n * size, size);
    loss.gradient(y, t, dy, n * size, size);
  }
  return { sum, from: last };
}

/** The loss only (no delta), for evaluation. */
export function lossValue(model: Sequential, ws: Workspace, batch: number, lossName: LossName): number {
  const last = model.layers.length - 1;
  const size = model.outputSize;
  const y = ws.activations[last + 1];
  const fused = fusedOutput(lossName, model.layers[last].layer.kind);
  let sum = 0;
  if (fused) {
    const z = ws.activations[last];
    for (let n = 0; n < batch; n++) sum += fused.value(z, y, ws.targets, n * size, size);
    return sum;
  }
  const loss = lossByName(lossName);
  for (let n = 0; n < batch; n++) sum += loss.value(y, ws.targets, n * size, size);
  return sum;
}
