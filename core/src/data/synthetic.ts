/** Small synthetic data sets for checking models and optimizers by hand. All are Float64 and seeded. */
import type { ImageDataset, VectorDataset } from "./dataset";
import { SeededRandom } from "./random";

export interface XorOptions {
  /** Copies of each of the four corners (default 1). */
  copies?: number;
  /** Standard deviation of Gaussian noise added to each copy (default 0: the exact corners). */
  noise?: number;
  seed?: number;
}

/**
 * XOR: the corners (0,0), (0,1), (1,0), (1,1) of the unit square with labels 0, 1, 1, 0 — the classic set no
 * linear classifier separates. With `copies` and `noise`, each corner is repeated with Gaussian jitter.
 */
export function xorDataset(options: XorOptions = {}): VectorDataset {
  const copies = options.copies ?? 1;
  const noise = options.noise ?? 0;
  checkPositiveInteger("xorDataset", "copies", copies);
  checkNonNegative("xorDataset", "noise", noise);
  const random = new SeededRandom(options.seed ?? 0);
  const corners = [
    [0, 0, 0],
    [0, 1, 1],
    [1, 0, 1],
    [1, 1, 0],
  ];
  const n = corners.length * copies;
  const inputs = new Float64Array(n * 2);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const [x, y, label] = corners[i % corners.length];
    inputs[2 * i] = x + noise * random.nextNormal();
    inputs[2 * i + 1] = y + noise * random.nextNormal();
    labels[i] = label;
  }
  return { inputs, labels, shape: [n, 2], classNames: ["0", "1"] };
}

export interface BlobsOptions {
  /** Points per class (default 50). */
  perClass?: number;
  /** Number of classes (default 3). */
  classCount?: number;
  /** Dimension D >= 2 (default 2). */
  dim?: number;
  /** Distance of the class centres from the origin (default 3). */
  radius?: number;
  /** Standard deviation of each blob (default 1). */
  spread?: number;
  seed?: number;
}

/**
 * Isotropic Gaussian blobs: class c is centred at radius * (cos(2 pi c / K), sin(2 pi c / K), 0, ..., 0), with
 * standard deviation `spread` in every coordinate. Points are interleaved by class (0, 1, ..., K-1, 0, 1, ...).
 */
export function gaussianBlobs(options: BlobsOptions = {}): VectorDataset {
  const perClass = options.perClass ?? 50;
  const classCount = options.classCount ?? 3;
  const dim = options.dim ?? 2;
  const radius = options.radius ?? 3;
  const spread = options.spread ?? 1;
  checkPositiveInteger("gaussianBlobs", "perClass", perClass);
  checkPositiveInteger("gaussianBlobs", "classCount", classCount);
  if (!Number.isInteger(dim) || dim < 2) {
    throw new Error(`gaussianBlobs: dim must be an integer >= 2, got ${dim}`);
  }
  checkNonNegative("gaussianBlobs", "radius", radius);
  checkNonNegative("gaussianBlobs", "spread", spread);
  const random = new SeededRandom(options.seed ?? 0);
  const n = perClass * classCount;
  const inputs = new Float64Array(n * dim);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % classCount;
    const angle = (2 * Math.PI * label) / classCount;
    labels[i] = label;
    for (let j = 0; j < dim; j++) {
      const centre = j === 0 ? radius * Math.cos(angle) : j === 1 ? radius * Math.sin(angle) : 0;
      inputs[i * dim + j] = centre + spread * random.nextNormal();
    }
  }
  const classNames = Array.from({ length: classCount }, (_, c) => `blob ${c}`);
  return { inputs, labels, shape: [n, dim], classNames };
}

export interface TinyImagesOptions {
  /** Number of images (default 32). */
  count?: number;
  /** Standard deviation of Gaussian pixel noise before clipping to [0, 1] (default 0.1). */
  noise?: number;
  seed?: number;
}

/** The two classes of `tinyImages`: 0, a vertical bar; 1, a horizontal bar. */
export const TINY_IMAGE_CLASS_NAMES: readonly string[] = ["vertical bar", "horizontal bar"];

/**
 * 3x3 grey-scale images as in seed 002 (a 3x3 input, one 2x2 convolution, average pooling): each image holds a
 * bright bar (pixels 1) in a random row (label 1) or column (label 0) on a dark background (pixels 0), plus
 * clipped noise. Layout NCHW [N, 1, 3, 3]; seed 002's pixel p_k (k = 1..9, row by row) of image n is
 * images[9 n + k - 1]. The labels double as the targets y of seed 002's squared loss.
 */
export function tinyImages(options: TinyImagesOptions = {}): ImageDataset<Float64Array> {
  const count = options.count ?? 32;
  const noise = options.noise ?? 0.1;
  checkPositiveInteger("tinyImages", "count", count);
  checkNonNegative("tinyImages", "noise", noise);
  const random = new SeededRandom(options.seed ?? 0);
  const images = new Float64Array(count * 9);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const horizontal = n % 2;
    const line = random.nextInt(3);
    labels[n] = horizontal;
    for (let row = 0; row < 3; row++) {
      for (let col = 0; col < 3; col++) {
        const onBar = horizontal ? row === line : col === line;
        const value = (onBar ? 1 : 0) + noise * random.nextNormal();
        images[9 * n + 3 * row + col] = Math.min(1, Math.max(0, value));
      }
    }
  }
  return { images, labels, shape: [count, 1, 3, 3], classNames: TINY_IMAGE_CLASS_NAMES };
}

function checkPositiveInteger(where: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${where}: ${name} must be a positive integer, got ${value}`);
  }
}

function checkNonNegative(where: string, name: string, value: number): void {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new Error(`${where}: ${name} must be a finite number >= 0, got ${value}`);
  }
}
