/**
 * The committed Fashion-MNIST subset (core/data/fashion-mnist-subset): 200 training and 50 test images per class,
 * chosen uniformly at random within each class with a fixed seed, kept in their original order, and written as
 * gzip IDX files with a fixed header, so that regenerating it (scripts/make-fashion-subset.mjs) gives the same
 * bytes.
 */
import { encodeIdx, gzipDeterministic, readIdxFile } from "./idx";
import { fashionFileNames, FASHION_MNIST_CLASS_NAMES, findIdxFile, type FashionSplit } from "./fashion-mnist";
import { SeededRandom } from "./random";

export const FASHION_SUBSET_SEED = 20170825;
export const FASHION_SUBSET_PER_CLASS: Readonly<Record<FashionSplit, number>> = { train: 200, test: 50 };

/**
 * Chooses `perClass` indices of each class 0..classCount-1, uniformly without replacement (a seeded Fisher-Yates
 * shuffle of each class's indices), and returns all of them in increasing order.
 */
export function stratifiedSample(
  labels: ArrayLike<number>,
  classCount: number,
  perClass: number,
  seed: number,
): Int32Array {
  const byClass: number[][] = Array.from({ length: classCount }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label < 0 || label >= classCount) {
      throw new Error(`stratifiedSample: label ${label} at index ${i} is outside 0..${classCount - 1}`);
    }
    byClass[label].push(i);
  }
  const random = new SeededRandom(seed);
  const chosen: number[] = [];
  byClass.forEach((indices, label) => {
    if (indices.length < perClass) {
      throw new Error(
        `stratifiedSample: class ${label} has ${indices.length} examples, fewer than ${perClass}`,
      );
    }
    chosen.push(...random.shuffle(Int32Array.from(indices)).subarray(0, perClass));
  });
  return Int32Array.from(chosen).sort();
}

/** The four gzip IDX files of the subset, keyed by file name (e.g. "train-images-idx3-ubyte.gz"). */
export function makeFashionSubset(sourceDir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  (["train", "test"] as const).forEach((split, splitIndex) => {
    const names = fashionFileNames(split);
    const images = readIdxFile(findIdxFile(sourceDir, names.images), 3);
    const labels = readIdxFile(findIdxFile(sourceDir, names.labels), 1);
    const chosen = stratifiedSample(
      labels.data,
      FASHION_MNIST_CLASS_NAMES.length,
      FASHION_SUBSET_PER_CLASS[split],
      FASHION_SUBSET_SEED + splitIndex,
    );
    const [, height, width] = images.dims;
    const pixels = height * width;
    const subsetImages = new Uint8Array(chosen.length * pixels);
    const subsetLabels = new Uint8Array(chosen.length);
    chosen.forEach((source, i) => {
      subsetImages.set(images.data.subarray(source * pixels, (source + 1) * pixels), i * pixels);
      subsetLabels[i] = labels.data[source];
    });
    files.set(
      `${names.images}.gz`,
      gzipDeterministic(encodeIdx([chosen.length, height, width], subsetImages)),
    );
    files.set(`${names.labels}.gz`, gzipDeterministic(encodeIdx([chosen.length], subsetLabels)));
  });
  return files;
}
