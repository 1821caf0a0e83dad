/**
 * `%data`: loads Fashion-MNIST (the committed stratified subset by default, the full set with --full) or a small
 * synthetic set into a variable. The result holds the data set as the core returns it and the same data as
 * supervised data (one-hot targets) for `%train`, `%gradcheck` and `evaluate`.
 */
import {
  classCounts,
  fromDataset,
  gaussianBlobs,
  loadFashionMnist,
  tinyImages,
  xorDataset,
  type ImageDataset,
  type SupervisedData,
  type VectorDataset,
} from "@deltalab/core";
import { checkBindingName } from "./commandContext";
import { htmlTable, textTable } from "./html";
import { UsageError } from "./parse";
import { pngImg, tileGridPng } from "./png";
import { displayable } from "./result";
import { AS_OPTION, flagOption, numberOption, stringOption, type CommandSpec } from "./spec";

export const DATA_SOURCES = ["fashion", "xor", "blobs", "tiny"] as const;
export type DataSource = (typeof DATA_SOURCES)[number];

export interface LoadDataOptions {
  source: DataSource;
  /** Fashion-MNIST: "train" (default) or "test". */
  split?: "train" | "test";
  /** Fashion-MNIST: the full data set from disk instead of the committed subset. */
  full?: boolean;
  /** Fashion-MNIST: at most this many samples. */
  limit?: number;
  /** Synthetic sets: the number of samples (per class for blobs, copies for xor). */
  count?: number;
  seed?: number;
  noise?: number;
}

export interface DataResult {
  /** A description such as "Fashion-MNIST train (subset)". */
  name: string;
  dataset: ImageDataset | VectorDataset;
  /** The samples with one-hot targets, as models take them. */
  data: SupervisedData;
  /** Samples of each class, by class index. */
  classCounts: number[];
}

function datasetOf(options: LoadDataOptions): { name: string; dataset: ImageDataset | VectorDataset } {
  const seed = options.seed;
  switch (options.source) {
    case "fashion": {
      const split = options.split ?? "train";
      const dataset = loadFashionMnist({
        split,
        subset: !options.full,
        ...(options.limit !== undefined ? { limit: options.limit } : {}),
      });
      return { name: `Fashion-MNIST ${split}${options.full ? "" : " (subset)"}`, dataset };
    }
    case "xor":
      return {
        name: "XOR",
        dataset: xorDataset({
          ...(options.count ? { copies: options.count } : {}),
          ...(seed !== undefined ? { seed } : {}),
          ...(options.noise !== undefined ? { noise: options.noise } : {}),
        }),
      };
    case "blobs":
      return {
        name: "Gaussian blobs",
        dataset: gaussianBlobs({
          ...(options.count ? { perClass: options.count } : {}),
          ...(seed !== undefined ? { seed } : {}),
        }),
      };
    case "tiny":
      return {
        name: "tiny bar images",
        dataset: tinyImages({
          ...(options.count ? { count: options.count } : {}),
          ...(seed !== undefined ? { seed } : {}),
          ...(options.noise !== undefined ? { noise: options.noise } : {}),
        }),
      };
  }
}

/** Loads a data set. */
export function loadData(options: LoadDataOptions): DataResult {
  if (!(DATA_SOURCES as readonly string[]).includes(options.source)) {
    throw new UsageError(
      `unknown data set ${JSON.stringify(options.source)}; expected one of ${DATA_SOURCES.join(", ")}`,
    );
  }
  const { name, dataset } = datasetOf(options);
  const result = {
    name,
    dataset,
    data: fromDataset(dataset),
    classCounts: classCounts(dataset.labels, dataset.classNames.length),
  };
  return displayable(result, dataBundle);
}

function dataBundle(result: DataResult) {
  const { dataset } = result;
  const rows = dataset.classNames.map((className, k) => [k, className, result.classCounts[k] ?? 0]);
  const caption = `${result.name}: ${dataset.labels.length} samples of shape [${dataset.shape.slice(1).join(", ")}]`;
  let picture = "";
  if ("images" in dataset) {
    const [, channels, height, width] = dataset.shape;
    const shown = Math.min(32, dataset.shape[0]);
    if (channels === 1)
      picture = `<div>${pngImg(tileGridPng(dataset.images, shown, height, width, { columns: 16 }), `the first ${shown} images`)}</div>`;
  }
  return {
    "text/html": `<div class="deltalab-data">${htmlTable(["class", "name", "samples"], rows, caption)}${picture}</div>`,
    "text/plain": textTable(["class", "name", "samples"], rows, caption),
  };
}

/** Supervised data from a value bound by %data, a data set of the core, or supervised data itself. */
export function asSupervisedData(value: unknown, name: string): SupervisedData {
  if (value !== null && typeof value === "object") {
    if ("data" in value && "dataset" in value) return (value as DataResult).data;
    if ("count" in value && "inputs" in value && "targets" in value) return value as SupervisedData;
    if ("labels" in value && "classNames" in value && ("images" in value || "inputs" in value)) {
      return fromDataset(value as ImageDataset | VectorDataset);
    }
  }
  throw new UsageError(
    `${name} is not data: expected the result of %data, a data set or supervised data (count, inputs, targets)`,
  );
}

export const dataSpec: CommandSpec = {
  name: "data",
  summary: "load Fashion-MNIST (the committed subset unless --full) or a synthetic data set",
  positional: [{ name: "SOURCE", description: `one of ${DATA_SOURCES.join(", ")}`, optional: true }],
  options: [
    {
      name: "split",
      kind: "choice",
      choices: ["train", "test"],
      description: "Fashion-MNIST split",
      defaultText: "train",
    },
    {
      name: "full",
      kind: "flag",
      description:
        "Fashion-MNIST: the full data set (/usr/share/datasets/fashion-mnist or $DELTALAB_FASHION_MNIST)",
    },
    { name: "limit", kind: "integer", description: "Fashion-MNIST: at most this many samples" },
    {
      name: "count",
      kind: "integer",
      description: "synthetic sets: samples (per class for blobs, copies for xor)",
    },
    { name: "seed", kind: "integer", description: "synthetic sets: the random seed" },
    { name: "noise", kind: "number", description: "xor and tiny: the noise level" },
    AS_OPTION,
  ],
  examples: [
    "%data --as train",
    "%data fashion --split test --as test",
    "%data xor --count 20 --seed 1 --as xor",
  ],
  run: async (args, context) => {
    const source = (args.positional[0] ?? "fashion") as DataSource;
    const split = stringOption(args, "split");
    const optional = (key: string) => numberOption(args, key);
    const result = loadData({
      source,
      ...(split === "train" || split === "test" ? { split } : {}),
      full: flagOption(args, "full"),
      ...(optional("limit") !== undefined ? { limit: optional("limit") } : {}),
      ...(optional("count") !== undefined ? { count: optional("count") } : {}),
      ...(optional("seed") !== undefined ? { seed: optional("seed") } : {}),
      ...(optional("noise") !== undefined ? { noise: optional("noise") } : {}),
    });
    const as = stringOption(args, "as");
    if (as) context.bind(checkBindingName(as), result, 'import("deltalab").DataResult');
    return result;
  },
};
