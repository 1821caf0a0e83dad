/**
 * `%matrices`: the matrix form of a convolutional layer (seed 000/001: padding, phi and pooling as 0/1 matrices,
 * eqs. 4 and following): the sizes and non-zero counts of P_pad, P_phi and P_pool with a picture of each
 * matrix's sparsity pattern (a block of the picture is dark when the block of the matrix holds a non-zero).
 * The layer is a conv2d layer of a model (the first one by default) or a geometry given by options.
 */
import {
  averagePoolMatrix,
  convGeometry,
  matrixFormSizes,
  maxPoolMatrix,
  paddingMatrix,
  phiMatrix,
  poolAfter,
  SeededRandom,
  type ConvGeometry,
  type Layer,
  type MatrixFormSizes,
  type PoolGeometry,
  type SparseMatrix,
} from "@deltalab/core";
import { checkBindingName } from "./commandContext";
import { escapeHtml, htmlTable, textTable } from "./html";
import { asModel } from "./model";
import { UsageError } from "./parse";
import { encodePng, pngImg } from "./png";
import { displayable } from "./result";
import { AS_OPTION, listOption, numberOption, stringOption, type CommandSpec } from "./spec";

export type PoolKind = "max" | "average";

export interface MatricesResult {
  layer: string;
  geometry: ConvGeometry;
  pool?: { kind: PoolKind; geometry: PoolGeometry };
  sizes: MatrixFormSizes;
  P_pad: SparseMatrix;
  P_phi: SparseMatrix;
  P_pool?: SparseMatrix;
}

/** A layer that carries its window geometry (convolutions: ConvGeometry; pooling: PoolGeometry). */
interface WithGeometry<G> extends Layer {
  readonly geometry: G;
}

type ConvLike = WithGeometry<ConvGeometry>;

function isConv(layer: Layer): layer is ConvLike {
  return layer.kind === "conv2d" && "geometry" in layer;
}

/** The geometry of a conv2d layer and of the pooling layer after it (activations skipped), if any. */
export function layerGeometry(
  layers: readonly Layer[],
  name?: string,
): { layer: string; geometry: ConvGeometry; pool?: { kind: PoolKind; geometry: PoolGeometry } } {
  const index =
    name === undefined ? layers.findIndex(isConv) : layers.findIndex((layer) => layer.name === name);
  const layer = layers[index];
  if (!layer) {
    throw new UsageError(
      name === undefined ? "the model has no conv2d layer" : `the model has no layer ${JSON.stringify(name)}`,
    );
  }
  if (!isConv(layer))
    throw new UsageError(`${layer.name} is a ${layer.kind} layer; %matrices takes a conv2d layer`);
  const geometry = layer.geometry;
  // Activations (element-wise, no parameters) between the convolution and the pooling are skipped.
  const next = layers.slice(index + 1).find((l) => !(l.parameterCount === 0 && l.inputSize === l.outputSize));
  if (
    !next ||
    !["max-pool", "average-pool", "weighted-subsample"].includes(next.kind) ||
    !("geometry" in next)
  )
    return { layer: layer.name, geometry };
  const pool = (next as WithGeometry<PoolGeometry>).geometry;
  return {
    layer: layer.name,
    geometry,
    pool: { kind: next.kind === "max-pool" ? "max" : "average", geometry: pool },
  };
}

/** Builds the matrices of one layer. Max pooling's P_pool depends on the input: a seeded random input is used. */
export function layerMatrices(
  geometry: ConvGeometry,
  pool?: { kind: PoolKind; geometry: PoolGeometry },
  layer = "conv2d",
  seed = 1,
): MatricesResult {
  const result: MatricesResult = {
    layer,
    geometry,
    sizes: matrixFormSizes(geometry, pool?.geometry),
    P_pad: paddingMatrix(geometry),
    P_phi: phiMatrix(geometry),
  };
  if (pool) {
    result.pool = pool;
    const g = pool.geometry;
    const random = new SeededRandom(seed);
    result.P_pool =
      pool.kind === "max"
        ? maxPoolMatrix(
            g,
            Float64Array.from({ length: g.channels * g.height * g.width }, () => random.nextNormal()),
          )
        : averagePoolMatrix(g);
  }
  return displayable(result, matricesBundle);
}

/**
 * The sparsity pattern of `m`, at most `limit` pixels on a side: a large matrix is shrunk (a pixel is dark when
 * its block holds a non-zero), a small one enlarged (each entry a square of pixels).
 */
export function patternPng(m: SparseMatrix, limit = 240): Buffer {
  const longest = Math.max(m.rows, m.cols);
  const shrink = Math.max(1, Math.ceil(longest / limit));
  const grow = shrink > 1 ? 1 : Math.max(1, Math.floor(limit / longest));
  const width = Math.ceil(m.cols / shrink) * grow;
  const height = Math.ceil(m.rows / shrink) * grow;
  const rgba = new Uint8Array(width * height * 4).fill(255);
  for (let r = 0; r < m.rows; r++) {
    for (let k = m.rowStart[r] ?? 0; k < (m.rowStart[r + 1] ?? 0); k++) {
      if ((m.values[k] ?? 0) === 0) continue;
      const top = Math.floor(r / shrink) * grow;
      const left = Math.floor((m.columnIndex[k] ?? 0) / shrink) * grow;
      for (let y = top; y < top + grow; y++) {
        for (let x = left; x < left + grow; x++) rgba.set([20, 60, 140], (y * width + x) * 4);
      }
    }
  }
  return encodePng(width, height, rgba);
}

function matricesBundle(result: MatricesResult) {
  const entries: [string, { rows: number; cols: number; nnz?: number }, SparseMatrix | undefined][] = [
    ["P_pad", result.sizes.P_pad, result.P_pad],
    ["P_phi", result.sizes.P_phi, result.P_phi],
    ["W", result.sizes.W, undefined],
    ["phi(Z)", result.sizes.phi, undefined],
    ["S", result.sizes.S, undefined],
  ];
  if (result.sizes.P_pool)
    entries.push([`P_pool (${result.pool?.kind})`, result.sizes.P_pool, result.P_pool]);
  const headers = ["matrix", "rows", "columns", "non-zeros", "density"];
  // Counted from the matrix itself where it was built (average pooling has a window of non-zeros per row).
  const rows = entries.map(([name, size, matrix]) => {
    const nnz = matrix?.nnz ?? size.nnz ?? size.rows * size.cols;
    return [name, size.rows, size.cols, nnz, nnz / (size.rows * size.cols)];
  });
  const g = result.geometry;
  const caption = `matrix form of ${result.layer}: input ${g.inChannels}x${g.height}x${g.width}, ${g.outChannels} filters ${g.kernelHeight}x${g.kernelWidth}, stride ${g.strideHeight}, padding ${g.padHeight}`;
  const pictures = entries
    .filter(
      (entry): entry is [string, { rows: number; cols: number }, SparseMatrix] => entry[2] !== undefined,
    )
    .map(
      ([name, , matrix]) =>
        `<figure style="display:inline-block;margin:4px">${pngImg(patternPng(matrix), `sparsity pattern of ${name}`)}<figcaption>${escapeHtml(name)}</figcaption></figure>`,
    )
    .join("");
  return {
    "text/html": `<div class="deltalab-matrices">${htmlTable(headers, rows, caption)}<div>${pictures}</div></div>`,
    "text/plain": textTable(headers, rows, caption),
  };
}

function pair(values: string[] | undefined, name: string, fallback?: [number, number]): [number, number] {
  if (!values) {
    if (fallback) return fallback;
    throw new UsageError(`--${name} is required without a model`);
  }
  const numbers = values.map(Number);
  if (numbers.length > 2 || numbers.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new UsageError(
      `--${name} takes one or two non-negative integers (e.g. 3 or 3,2), got ${values.join(",")}`,
    );
  }
  return [numbers[0] ?? 0, numbers[1] ?? numbers[0] ?? 0];
}

export const matricesSpec: CommandSpec = {
  name: "matrices",
  summary: "P_pad, P_phi and P_pool of a conv2d layer: sizes, non-zeros and a picture of their pattern",
  positional: [
    {
      name: "MODEL",
      description: "a model variable (or give the geometry with --input etc.)",
      optional: true,
    },
  ],
  options: [
    { name: "layer", kind: "string", description: "the conv2d layer (default: the first)", metavar: "NAME" },
    {
      name: "input",
      kind: "list",
      description: "without a model: channels,height,width of the input",
      metavar: "C,H,W",
    },
    { name: "filters", kind: "integer", description: "without a model: number of filters", defaultText: "1" },
    { name: "kernel", kind: "list", description: "without a model: filter size", metavar: "H[,W]" },
    {
      name: "stride",
      kind: "list",
      description: "without a model: stride",
      metavar: "S[,S]",
      defaultText: "1",
    },
    {
      name: "padding",
      kind: "list",
      description: "without a model: zero padding on each side",
      metavar: "P[,P]",
      defaultText: "0",
    },
    {
      name: "pool",
      kind: "list",
      description: "without a model: pooling window after the layer",
      metavar: "K[,K]",
    },
    {
      name: "pool-kind",
      kind: "choice",
      choices: ["max", "average"],
      description: "without a model: pooling kind",
      defaultText: "max",
    },
    AS_OPTION,
  ],
  examples: [
    "%matrices net --layer C3",
    "%matrices --input 1,6,6 --filters 2 --kernel 3 --padding 1 --pool 2",
  ],
  run: async (args, context) => {
    let result: MatricesResult;
    const modelName = args.positional[0];
    if (modelName !== undefined) {
      const model = asModel(context.lookup(modelName), modelName);
      const found = layerGeometry(
        model.layers.map((l) => l.layer),
        stringOption(args, "layer"),
      );
      result = layerMatrices(found.geometry, found.pool, found.layer);
    } else {
      const input = listOption(args, "input")?.map(Number);
      if (!input || input.length !== 3 || input.some((n) => !Number.isInteger(n) || n < 1)) {
        throw new UsageError("give a model, or --input C,H,W with positive integers");
      }
      const [inChannels = 1, height = 1, width = 1] = input;
      const geometry = convGeometry({
        inChannels,
        height,
        width,
        outChannels: numberOption(args, "filters") ?? 1,
        kernel: pair(listOption(args, "kernel"), "kernel"),
        stride: pair(listOption(args, "stride"), "stride", [1, 1]),
        padding: pair(listOption(args, "padding"), "padding", [0, 0]),
      });
      const poolWindow = listOption(args, "pool");
      const pool = poolWindow
        ? {
            kind: (stringOption(args, "pool-kind") ?? "max") as PoolKind,
            geometry: poolAfter(geometry, pair(poolWindow, "pool")),
          }
        : undefined;
      result = layerMatrices(geometry, pool);
    }
    const as = stringOption(args, "as");
    if (as) context.bind(checkBindingName(as), result, 'import("deltalab").MatricesResult');
    return result;
  },
};
