import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import {
  classCounts,
  encodeIdx,
  FASHION_MNIST_CLASS_NAMES,
  FASHION_MNIST_DEFAULT_DIR,
  FASHION_MNIST_ENV,
  FASHION_MNIST_SUBSET_DIR,
  fashionMnistDir,
  loadFashionMnist,
  makeFashionSubset,
  oneHot,
  readIdxFile,
} from "@deltalab/core";

const fullDataPresent = existsSync(join(FASHION_MNIST_DEFAULT_DIR, "t10k-images-idx3-ubyte.gz"));

/** A folder with a tiny fake test split: `count` 2x2 images whose pixel bytes are 0, 1, 2, ... and `labels`. */
function fakeSplit(count: number, labels: number[]): string {
  const dir = mkdtempSync(join(tmpdir(), "deltalab-fashion-"));
  const pixels = new Uint8Array(count * 4).map((_, i) => i);
  writeFileSync(join(dir, "t10k-images-idx3-ubyte"), encodeIdx([count, 2, 2], pixels));
  writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), encodeIdx([labels.length], Uint8Array.from(labels)));
  return dir;
}

describe("the committed Fashion-MNIST subset", () => {
  it("holds 200 training images per class as NCHW [2000, 1, 28, 28]", () => {
    const train = loadFashionMnist({ subset: true });
    expect(train.shape).toEqual([2000, 1, 28, 28]);
    expect(train.images.length).toBe(2000 * 784);
    expect(classCounts(train.labels, 10)).toEqual(new Array(10).fill(200));
  });

  it("holds 50 test images per class", () => {
    const test = loadFashionMnist({ subset: true, split: "test" });
    expect(test.shape).toEqual([500, 1, 28, 28]);
    expect(classCounts(test.labels, 10)).toEqual(new Array(10).fill(50));
  });

  it("scales pixels to [0, 1] as byte / 255", () => {
    const test = loadFashionMnist({ subset: true, split: "test" });
    const bytes = readIdxFile(join(FASHION_MNIST_SUBSET_DIR, "t10k-images-idx3-ubyte.gz")).data;
    let mismatches = 0;
    bytes.forEach((byte, i) => {
      mismatches += test.images[i] === Math.fround(byte / 255) ? 0 : 1;
    });
    expect(mismatches).toBe(0);
    expect(test.images.reduce((max, x) => Math.max(max, x), 0)).toBe(1);
  });

  it("returns labels as a plain Uint8Array, and one-hot rows on request", () => {
    const test = loadFashionMnist({ subset: true, split: "test", limit: 3, oneHot: true });
    expect(test.labels.constructor).toBe(Uint8Array);
    const expected = new Float32Array(30);
    test.labels.forEach((label, i) => (expected[10 * i + label] = 1));
    expect(Array.from(test.oneHot ?? [])).toEqual(Array.from(expected));
  });

  it("names the ten classes in the order of the labels", () => {
    expect(FASHION_MNIST_CLASS_NAMES).toHaveLength(10);
    expect(FASHION_MNIST_CLASS_NAMES[0]).toBe("T-shirt/top");
    expect(FASHION_MNIST_CLASS_NAMES[9]).toBe("Ankle boot");
  });

  it.skipIf(!fullDataPresent)("pairs each image with its label as in the full files, in their order", () => {
    const read = (dir: string, name: string) => readIdxFile(join(dir, name)).data;
    const fullImages = read(FASHION_MNIST_DEFAULT_DIR, "t10k-images-idx3-ubyte.gz");
    const fullLabels = read(FASHION_MNIST_DEFAULT_DIR, "t10k-labels-idx1-ubyte.gz");
    const images = read(FASHION_MNIST_SUBSET_DIR, "t10k-images-idx3-ubyte.gz");
    const labels = read(FASHION_MNIST_SUBSET_DIR, "t10k-labels-idx1-ubyte.gz");
    const key = (bytes: Uint8Array, i: number) =>
      Buffer.from(bytes.subarray(i * 784, (i + 1) * 784)).toString("latin1");
    const fullIndex = new Map<string, number>();
    for (let i = fullLabels.length - 1; i >= 0; i--) fullIndex.set(key(fullImages, i), i);
    let previous = -1;
    for (let i = 0; i < labels.length; i++) {
      const source = fullIndex.get(key(images, i)) ?? -1;
      expect(source).toBeGreaterThan(previous);
      expect(labels[i]).toBe(fullLabels[source]);
      previous = source;
    }
  });

  it.skipIf(!fullDataPresent)("is what the generator makes from the full files", () => {
    const files = makeFashionSubset(FASHION_MNIST_DEFAULT_DIR);
    expect([...files.keys()].sort()).toEqual([
      "t10k-images-idx3-ubyte.gz",
      "t10k-labels-idx1-ubyte.gz",
      "train-images-idx3-ubyte.gz",
      "train-labels-idx1-ubyte.gz",
    ]);
    for (const [name, bytes] of files) {
      // Compared after decompression: the compressed bytes are fixed for a given zlib, not across zlib versions.
      const committed = gunzipSync(readFileSync(join(FASHION_MNIST_SUBSET_DIR, name)));
      expect(gunzipSync(bytes).equals(committed), name).toBe(true);
    }
  });
});

describe("where the full files are looked for", () => {
  const saved = process.env[FASHION_MNIST_ENV];
  afterEach(() => {
    if (saved === undefined) {
      delete process.env[FASHION_MNIST_ENV];
    } else {
      process.env[FASHION_MNIST_ENV] = saved;
    }
  });

  it("defaults to Debian's dataset-fashion-mnist", () => {
    delete process.env[FASHION_MNIST_ENV];
    expect(fashionMnistDir()).toBe("/usr/share/datasets/fashion-mnist");
  });

  it("takes the environment variable over the default", () => {
    process.env[FASHION_MNIST_ENV] = fakeSplit(3, [4, 0, 9]);
    expect(Array.from(loadFashionMnist({ split: "test" }).labels)).toEqual([4, 0, 9]);
  });

  it("takes the dir option over the environment variable", () => {
    process.env[FASHION_MNIST_ENV] = fakeSplit(3, [4, 0, 9]);
    const dataset = loadFashionMnist({ split: "test", dir: fakeSplit(2, [7, 1]) });
    expect(dataset.shape).toEqual([2, 1, 2, 2]);
    expect(Array.from(dataset.images)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((b) => Math.fround(b / 255)));
  });

  it("keeps the first `limit` examples", () => {
    const dataset = loadFashionMnist({ split: "test", dir: fakeSplit(3, [4, 0, 9]), limit: 2 });
    expect(dataset.shape[0]).toBe(2);
    expect(Array.from(dataset.labels)).toEqual([4, 0]);
  });

  it("says where to get the files when the folder has none", () => {
    const empty = mkdtempSync(join(tmpdir(), "deltalab-empty-"));
    expect(() => loadFashionMnist({ dir: empty })).toThrow(
      new RegExp(
        `neither train-images-idx3-ubyte.gz nor train-images-idx3-ubyte is in ${empty}.*${FASHION_MNIST_ENV}`,
      ),
    );
  });

  it("rejects image and label files of different lengths", () => {
    expect(() => loadFashionMnist({ split: "test", dir: fakeSplit(3, [1, 2]) })).toThrow(
      /size mismatch: .*t10k-images-idx3-ubyte holds 3 images but .*t10k-labels-idx1-ubyte holds 2 labels/,
    );
  });

  it("rejects a label outside 0..9", () => {
    expect(() => loadFashionMnist({ split: "test", dir: fakeSplit(2, [1, 12]) })).toThrow(
      /t10k-labels-idx1-ubyte: label 12 at index 1 is not a class/,
    );
  });
});

describe("one-hot labels", () => {
  it("puts a single 1 in each row at the label's column", () => {
    expect(Array.from(oneHot([2, 0], 3))).toEqual([0, 0, 1, 1, 0, 0]);
  });

  it("rejects a label outside the classes", () => {
    expect(() => oneHot([0, 3], 3)).toThrow("oneHot: label 3 at index 1 is outside 0..2");
  });
});
