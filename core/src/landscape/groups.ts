/**
 * Parameter groups in theta: the "filters" of filter normalization (Li, Xu, Taylor, Studer, Goldstein, "Visualizing
 * the Loss Landscape of Neural Nets", 2018, sec. 4), given as strided index ranges of the whole parameter vector.
 *
 * A layer's own `parameterGroups` (layers/layer.ts) are whole blocks of its slice ("W", "b"); a filter is a row of W,
 * and with vec(W) stacking columns (seed 001) a row is strided: W[i][j] of a d_out x m matrix sits at i + d_out j.
 * A group here is therefore the indices offset, offset + stride, ..., offset + (length - 1) stride of theta.
 */
import { Conv2dLayer, DenseLayer, type Layer } from "../layers";

/** What a group holds: a filter (one output unit's or map's weights), a bias block, or any other parameters. */
export type ThetaGroupKind = "filter" | "bias" | "other";

export interface ThetaGroup {
  /** A name for error messages and legends, e.g. "C1/filter 3". */
  readonly name: string;
  readonly kind: ThetaGroupKind;
  /** Index in theta of the group's first entry. */
  readonly offset: number;
  /** Number of entries. */
  readonly length: number;
  /** Distance in theta between consecutive entries; default 1 (a contiguous range). */
  readonly stride?: number;
}

/** The indices of theta that `group` covers, in order. */
export function groupIndices(group: ThetaGroup): Int32Array {
  const stride = group.stride ?? 1;
  const indices = new Int32Array(group.length);
  for (let k = 0; k < group.length; k++) indices[k] = group.offset + k * stride;
  return indices;
}

/**
 * Checks that every group lies inside theta (length `dim`) and that no index belongs to two groups.
 * Throws a RangeError naming the first bad group.
 */
export function validateGroups(groups: readonly ThetaGroup[], dim: number): void {
  const owner = new Int32Array(dim).fill(-1);
  groups.forEach((group, g) => {
    const where = `parameter group ${g} ('${group.name}')`;
    const stride = group.stride ?? 1;
    if (!Number.isInteger(group.offset) || group.offset < 0) {
      throw new RangeError(`${where}: offset must be a non-negative integer, got ${group.offset}`);
    }
    if (!Number.isInteger(group.length) || group.length < 1) {
      throw new RangeError(`${where}: length must be a positive integer, got ${group.length}`);
    }
    if (!Number.isInteger(stride) || stride < 1) {
      throw new RangeError(`${where}: stride must be a positive integer, got ${stride}`);
    }
    const last = group.offset + (group.length - 1) * stride;
    if (last >= dim) {
      throw new RangeError(`${where}: reaches index ${last}, but theta has ${dim} entries`);
    }
    for (const i of groupIndices(group)) {
      if (owner[i] >= 0) {
        throw new RangeError(
          `${where}: index ${i} already belongs to group ${owner[i]} ('${groups[owner[i]].name}')`,
        );
      }
      owner[i] = g;
    }
  });
}

/** One group over all of theta: filter normalization then rescales the whole direction to ||theta||. */
export function wholeThetaGroup(dim: number): ThetaGroup {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`dim must be a positive integer, got ${dim}`);
  return { name: "theta", kind: "other", offset: 0, length: dim };
}

/** What the adapter needs of a model: its layers with the offset of each layer's slice in theta. */
export interface LayeredParameters {
  readonly layers: readonly { readonly layer: Layer; readonly offset: number }[];
}

/**
 * The groups of a sequential model: one "filter" group per output unit of a dense layer (a row of W: Li et al.
 * treat a fully connected layer as a convolution with 1 x 1 outputs) and per output map of a convolution, one "bias"
 * group per bias vector, and one "other" group for each remaining parameter block of a layer (RBF centres and
 * widths, sub-sampling coefficients).
 *
 * A convolution filter whose weights are not evenly spaced in theta (a partial connection table, seed 004 Table 1)
 * becomes one group per kernel omega_oc: each kernel is then normalized on its own.
 */
export function modelThetaGroups(model: LayeredParameters): ThetaGroup[] {
  const groups: ThetaGroup[] = [];
  for (const { layer, offset } of model.layers) {
    if (layer instanceof DenseLayer) {
      groups.push(...denseGroups(layer, offset));
    } else if (layer instanceof Conv2dLayer) {
      groups.push(...convGroups(layer, offset));
    } else {
      for (const block of layer.parameterGroups) {
        groups.push({
          name: `${layer.name}/${block.name}`,
          kind: block.name === "b" ? "bias" : "other",
          offset: offset + block.offset,
          length: block.length,
        });
      }
    }
  }
  return groups;
}

/**
 * The index in theta of the weight W[i][j] of the dense layer `layerName` (output unit i, input j), for a parameter
 * plane through two chosen weights.
 */
export function denseWeightIndex(model: LayeredParameters, layerName: string, i: number, j: number): number {
  const { layer, offset } = findLayer(model, layerName);
  if (!(layer instanceof DenseLayer))
    throw new RangeError(`layer '${layerName}' is a ${layer.kind}, not dense`);
  requireBelow(layerName, "output unit i", i, layer.outputSize);
  requireBelow(layerName, "input j", j, layer.inputSize);
  return offset + i + layer.outputSize * j;
}

/**
 * The index in theta of omega_oc[u, v], the weight of the convolution `layerName` joining input map c to output map
 * o at kernel row u and column v (seed 004 eq. 60).
 */
export function convWeightIndex(
  model: LayeredParameters,
  layerName: string,
  o: number,
  c: number,
  u: number,
  v: number,
): number {
  const { layer, offset } = findLayer(model, layerName);
  if (!(layer instanceof Conv2dLayer))
    throw new RangeError(`layer '${layerName}' is a ${layer.kind}, not conv2d`);
  requireBelow(layerName, "output map o", o, layer.outChannels);
  requireBelow(layerName, "input map c", c, layer.inChannels);
  requireBelow(layerName, "kernel row u", u, layer.kernelHeight);
  requireBelow(layerName, "kernel column v", v, layer.kernelWidth);
  const index = layer.weightIndex(o, c, u, v);
  if (index < 0) throw new RangeError(`layer '${layerName}': input map ${c} does not feed output map ${o}`);
  return offset + index;
}

function findLayer(model: LayeredParameters, name: string): { layer: Layer; offset: number } {
  const found = model.layers.find(({ layer }) => layer.name === name);
  if (!found) {
    const names = model.layers.map(({ layer }) => layer.name).join(", ");
    throw new RangeError(`no layer named '${name}'; the model has ${names}`);
  }
  return found;
}

function requireBelow(layerName: string, what: string, value: number, bound: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= bound) {
    throw new RangeError(`layer '${layerName}': ${what} = ${value} is outside 0..${bound - 1}`);
  }
}

/** W in R^{nOut x nIn} stored column-major (dense.ts): row i is offset i, stride nOut; then b. */
function denseGroups(layer: DenseLayer, offset: number): ThetaGroup[] {
  const nOut = layer.outputSize;
  const nIn = layer.inputSize;
  const groups: ThetaGroup[] = [];
  for (let i = 0; i < nOut; i++) {
    groups.push({
      name: `${layer.name}/filter ${i}`,
      kind: "filter",
      offset: offset + i,
      length: nIn,
      stride: nOut,
    });
  }
  groups.push({ name: `${layer.name}/b`, kind: "bias", offset: offset + nIn * nOut, length: nOut });
  return groups;
}

function convGroups(layer: Conv2dLayer, offset: number): ThetaGroup[] {
  const groups: ThetaGroup[] = [];
  for (let o = 0; o < layer.outChannels; o++) {
    const connections = layer.connections[o];
    const kernels = connections.map((c) => kernelIndices(layer, o, c));
    // With shared kernels (sharing "map") every connection of map o reads the same omega_o: count it once.
    const whole = evenlySpaced([...new Set(kernels.flat())]);
    if (whole) {
      groups.push({
        name: `${layer.name}/filter ${o}`,
        kind: "filter",
        ...whole,
        offset: offset + whole.offset,
      });
      continue;
    }
    kernels.forEach((indices, k) => {
      const name = `${layer.name}/filter ${o}<-${connections[k]}`;
      const spaced = evenlySpaced(indices);
      if (!spaced)
        throw new Error(`${name}: the kernel's weights are not evenly spaced in theta; cannot group them`);
      groups.push({ name, kind: "filter", ...spaced, offset: offset + spaced.offset });
    });
  }
  const bias = layer.parameterGroups.find((block) => block.name === "b");
  if (bias)
    groups.push({ name: `${layer.name}/b`, kind: "bias", offset: offset + bias.offset, length: bias.length });
  return groups;
}

/** The positions of omega_oc[u, v] in the layer's slice. */
function kernelIndices(layer: Conv2dLayer, o: number, c: number): number[] {
  const indices: number[] = [];
  for (let v = 0; v < layer.kernelWidth; v++) {
    for (let u = 0; u < layer.kernelHeight; u++) indices.push(layer.weightIndex(o, c, u, v));
  }
  return indices;
}

/** {offset, length, stride} when the indices, sorted, form an arithmetic progression; else undefined. */
function evenlySpaced(indices: number[]): { offset: number; length: number; stride: number } | undefined {
  const sorted = [...indices].sort((a, b) => a - b);
  const stride = sorted.length > 1 ? sorted[1] - sorted[0] : 1;
  for (let k = 1; k < sorted.length; k++) if (sorted[k] - sorted[k - 1] !== stride) return undefined;
  return { offset: sorted[0], length: sorted.length, stride };
}
