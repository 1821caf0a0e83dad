/**
 * Partial connection tables (seed 004 eq. 60: output map i reads only the input maps j in D_i, as in LeNet-5's
 * C3 layer).
 *
 * Choice: a partial table is realized as zero blocks in W. The parameters keep the full d_out x hhd_in shape of
 * seed 001 (so theta's layout does not depend on the table); block (i, j) — the h x h entries of W that filter i
 * applies to channel j — is multiplied by 0 when j is not in D_i, in the forward pass and in the gradient. Those
 * parameters therefore never change the output and always get a zero gradient.
 */
import type { ConvGeometry } from "./geometry";

/** table[i] = D_i, the input channels (from 0) that output channel i reads. */
export type ConnectionTable = readonly (readonly number[])[];

/** Every output reads every input: D_i = {0, ..., d_in - 1}. */
export function fullConnectionTable(inChannels: number, outChannels: number): number[][] {
  return Array.from({ length: outChannels }, () => Array.from({ length: inChannels }, (_, j) => j));
}

/** Checks the table against the geometry: one entry per output, channels in range, none repeated, none empty. */
export function checkConnectionTable(g: ConvGeometry, table: ConnectionTable): void {
  if (table.length !== g.outChannels) {
    throw new RangeError(
      `connection table: ${g.outChannels} output channels need ${g.outChannels} rows, got ${table.length}`,
    );
  }
  table.forEach((inputs, i) => {
    if (inputs.length === 0) {
      throw new RangeError(`connection table: output channel ${i} reads no input channel`);
    }
    const seen = new Set<number>();
    for (const j of inputs) {
      if (!Number.isInteger(j) || j < 0 || j >= g.inChannels) {
        throw new RangeError(
          `connection table: output channel ${i} reads channel ${j}, outside 0..${g.inChannels - 1}`,
        );
      }
      if (seen.has(j)) {
        throw new RangeError(`connection table: output channel ${i} lists channel ${j} twice`);
      }
      seen.add(j);
    }
  });
}

/**
 * The 0/1 mask of W in vec(W) order (entry (i, r) at i + d_out r, r = u + h_a (v + h_b c)): 1 where filter i reads
 * channel c.
 */
export function connectionMask(g: ConvGeometry, table: ConnectionTable): Float64Array {
  checkConnectionTable(g, table);
  const mask = new Float64Array(g.outChannels * g.patchSize);
  const block = g.kernelHeight * g.kernelWidth;
  table.forEach((inputs, i) => {
    for (const c of inputs) {
      for (let k = 0; k < block; k++) mask[i + g.outChannels * (c * block + k)] = 1;
    }
  });
  return mask;
}
