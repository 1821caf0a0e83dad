/**
 * Connection tables of seed 004 (Table 1): D_o lists the input maps feeding output map o. Checked when a layer is
 * built, so that a table naming a missing map fails then and not in the middle of training.
 */
import { LayerConfigError } from "./layer";

/** The full connection table: every output map reads every input map. */
export function fullConnections(outputs: number, inputs: number): number[][] {
  return Array.from({ length: outputs }, () => Array.from({ length: inputs }, (_, c) => c));
}

/** Checks a table against the layer's map counts; returns the rows sorted (default: the full table). */
export function validateConnections(
  name: string,
  connections: readonly (readonly number[])[] | undefined,
  outputs: number,
  inputs: number,
): number[][] {
  if (connections === undefined) return fullConnections(outputs, inputs);
  if (connections.length !== outputs) {
    throw new LayerConfigError(
      name,
      `the connection table has ${connections.length} rows; it needs one per output map (${outputs})`,
    );
  }
  return connections.map((row, o) => {
    if (row.length === 0) throw new LayerConfigError(name, `output map ${o} is connected to no input map`);
    const seen = new Set<number>();
    for (const c of row) {
      if (!Number.isInteger(c) || c < 0 || c >= inputs) {
        throw new LayerConfigError(
          name,
          `the connection table names input map ${c} for output map ${o}, but the input has maps 0..${inputs - 1}`,
        );
      }
      if (seen.has(c)) throw new LayerConfigError(name, `output map ${o} lists input map ${c} twice`);
      seen.add(c);
    }
    return [...row].sort((a, b) => a - b);
  });
}
