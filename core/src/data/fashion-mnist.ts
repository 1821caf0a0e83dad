/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): 28x28 grey-scale images of clothing in 10 classes, 60,000 for
 * training and 10,000 for testing, in MNIST's IDX format.
 *
 * Where the files are looked for, first match wins:
 *   1. the `dir` option,
 *   2. the environment variable DELTALAB_FASHION_MNIST,
 *   3. /usr/share/datasets/fashion-mnist (Debian's `dataset-fashion-mnist`).
 * With `subset: true` the committed subset in core/data/fashion-mnist-subset is read instead (2,000 training and
 * 500 test images, stratified by class; see `makeFashionSubset`), which needs no download.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { readIdxFile } from "./idx";
import { oneHot, type ImageDataset } from "./dataset";

export const FASHION_MNIST_CLASS_NAMES: readonly string[] = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

export const FASHION_MNIST_ENV = "DELTALAB_FASHION_MNIST";
export const FASHION_MNIST_DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";

/**
 * The committed subset, found relative to this module: core/src/data (sources, as under vitest) and core/dist/data
 * (the compiled package) are both two levels below core/.
 */
export const FASHION_MNIST_SUBSET_DIR = resolve(__dirname, "..", "..", "data", "fashion-mnist-subset");

export type FashionSplit = "train" | "test";

export interface FashionMnistOptions {
  /** "train" (default) or "test". */
  split?: FashionSplit;
  /** Read the committed subset instead of the full files. */
  subset?: boolean;
  /** Folder holding {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]; overrides the environment variable. */
  dir?: string;
  /** Keep only the first `limit` examples. */
  limit?: number;
  /** Also return the labels one-hot, as `oneHot` [N, 10] Float32. */
  oneHot?: boolean;
}

/** The four file names of a split, without the optional .gz. */
export function fashionFileNames(split: FashionSplit): { images: string; labels: string } {
  const prefix = split === "train" ? "train" : "t10k";
  return { images: `${prefix}-images-idx3-ubyte`, labels: `${prefix}-labels-idx1-ubyte` };
}

/** The folder the full files are read from: `dir`, else $DELTALAB_FASHION_MNIST, else Debian's location. */
export function fashionMnistDir(dir?: string): string {
  return dir ?? process.env[FASHION_MNIST_ENV] ?? FASHION_MNIST_DEFAULT_DIR;
}

/** Finds `name.gz` or `name` in `dir`, with an error that says where to get the files when neither exists. */
export function findIdxFile(dir: string, name: string): string {
  for (const candidate of [join(dir, `${name}.gz`), join(dir, name)]) {
    if (existsSync(candidate)) {
      return candidate;
    }
  }
  throw new Error(
    `Fashion-MNIST: neither ${name}.gz nor ${name} is in ${dir}. Install Debian's dataset-fashion-mnist, ` +
      `set ${FASHION_MNIST_ENV} to a folder with the IDX files, pass { dir }, or use { subset: true }.`,
  );
}

/**
 * Loads one split as NCHW Float32 images [N, 1, 28, 28] scaled to [0, 1] (byte / 255) and Uint8 labels 0..9
 * (and, with `oneHot`, the labels as one-hot rows).
 */
export function loadFashionMnist(
  options: FashionMnistOptions = {},
): ImageDataset<Float32Array> & { oneHot?: Float32Array } {
  const split = options.split ?? "train";
  if (split !== "train" && split !== "test") {
    throw new Error(`loadFashionMnist: split must be "train" or "test", got ${JSON.stringify(split)}`);
  }
  const dir = options.subset ? FASHION_MNIST_SUBSET_DIR : fashionMnistDir(options.dir);
  const names = fashionFileNames(split);
  const imagesPath = findIdxFile(dir, names.images);
  const labelsPath = findIdxFile(dir, names.labels);
  const images = readIdxFile(imagesPath, 3);
  const labels = readIdxFile(labelsPath, 1);
  const [count, height, width] = images.dims;
  if (labels.dims[0] !== count) {
    throw new Error(
      `Fashion-MNIST: size mismatch: ${imagesPath} holds ${count} images but ${labelsPath} holds ${labels.dims[0]} labels`,
    );
  }
  for (let i = 0; i < labels.data.length; i++) {
    if (labels.data[i] >= FASHION_MNIST_CLASS_NAMES.length) {
      throw new Error(`${labelsPath}: label ${labels.data[i]} at index ${i} is not a class (expected 0..9)`);
    }
  }
  const limit = options.limit ?? count;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new Error(`loadFashionMnist: limit must be a non-negative integer, got ${limit}`);
  }
  const n = Math.min(limit, count);
  const pixels = new Float32Array(n * height * width);
  for (let i = 0; i < pixels.length; i++) {
    pixels[i] = images.data[i] / 255;
  }
  const classes = Uint8Array.from(labels.data.subarray(0, n));
  const dataset = { images: pixels, labels: classes, shape: [n, 1, height, width] as const };
  const classNames = FASHION_MNIST_CLASS_NAMES;
  return options.oneHot
    ? { ...dataset, classNames, oneHot: oneHot(classes, classNames.length) }
    : { ...dataset, classNames };
}
