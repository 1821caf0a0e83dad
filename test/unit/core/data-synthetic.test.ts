import { describe, expect, it } from "vitest";
import {
  classCounts,
  gaussianBlobs,
  SeededRandom,
  stratifiedSample,
  tinyImages,
  xorDataset,
} from "@deltalab/core";

function mean(values: number[]): number {
  return values.reduce((sum, x) => sum + x, 0) / values.length;
}

describe("XOR", () => {
  it("labels each corner with x XOR y", () => {
    const { inputs, labels, shape } = xorDataset();
    expect(shape).toEqual([4, 2]);
    for (let i = 0; i < 4; i++) {
      expect(labels[i]).toBe(inputs[2 * i] ^ inputs[2 * i + 1]);
    }
    expect(new Set([0, 1, 2, 3].map((i) => `${inputs[2 * i]},${inputs[2 * i + 1]}`)).size).toBe(4);
  });

  it("jitters copies around their corner, the same way for the same seed", () => {
    const a = xorDataset({ copies: 500, noise: 0.1, seed: 3 });
    const b = xorDataset({ copies: 500, noise: 0.1, seed: 3 });
    expect(Array.from(a.inputs)).toEqual(Array.from(b.inputs));
    const cornerOne = [...Array(500).keys()].map((k) => a.inputs[2 * (4 * k + 1) + 1]);
    expect(mean(cornerOne)).toBeCloseTo(1, 1);
  });
});

describe("Gaussian blobs", () => {
  it("centres class c at radius (cos 2 pi c/K, sin 2 pi c/K) with the given spread", () => {
    const { inputs, labels, shape } = gaussianBlobs({
      perClass: 4000,
      classCount: 3,
      radius: 2,
      spread: 0.5,
      seed: 1,
    });
    expect(shape).toEqual([12000, 2]);
    for (let c = 0; c < 3; c++) {
      const xs: number[] = [];
      const ys: number[] = [];
      labels.forEach((label, i) => {
        if (label === c) {
          xs.push(inputs[2 * i]);
          ys.push(inputs[2 * i + 1]);
        }
      });
      expect(xs).toHaveLength(4000);
      expect(mean(xs)).toBeCloseTo(2 * Math.cos((2 * Math.PI * c) / 3), 1);
      expect(mean(ys)).toBeCloseTo(2 * Math.sin((2 * Math.PI * c) / 3), 1);
      const variance = mean(xs.map((x) => (x - mean(xs)) ** 2));
      expect(Math.sqrt(variance)).toBeCloseTo(0.5, 1);
    }
  });

  it("gives different points for different seeds", () => {
    expect(gaussianBlobs({ seed: 1 }).inputs[0]).not.toBe(gaussianBlobs({ seed: 2 }).inputs[0]);
  });

  it("rejects a dimension below 2", () => {
    expect(() => gaussianBlobs({ dim: 1 })).toThrow("gaussianBlobs: dim must be an integer >= 2, got 1");
  });
});

describe("the 3x3 images of the hand-derivation notes", () => {
  it("draws a full bar in a row for label 1 and in a column for label 0", () => {
    const { images, labels, shape } = tinyImages({ count: 40, noise: 0, seed: 5 });
    expect(shape).toEqual([40, 1, 3, 3]);
    for (let n = 0; n < 40; n++) {
      const pixel = (row: number, col: number) => images[9 * n + 3 * row + col];
      const rows = [0, 1, 2].filter((r) => pixel(r, 0) + pixel(r, 1) + pixel(r, 2) === 3);
      const cols = [0, 1, 2].filter((c) => pixel(0, c) + pixel(1, c) + pixel(2, c) === 3);
      expect(images.subarray(9 * n, 9 * n + 9).reduce((sum, x) => sum + x, 0)).toBe(3);
      expect(labels[n] === 1 ? rows.length : cols.length).toBe(1);
    }
  });

  it("keeps noisy pixels in [0, 1]", () => {
    const { images } = tinyImages({ count: 100, noise: 0.5, seed: 1 });
    expect(images.every((x) => x >= 0 && x <= 1)).toBe(true);
  });
});

describe("seeded randomness", () => {
  it("repeats its sequence for the same seed", () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    expect([1, 2, 3].map(() => a.next())).toEqual([1, 2, 3].map(() => b.next()));
  });

  it("draws normals with mean 0 and variance 1", () => {
    const random = new SeededRandom(7);
    const xs = Array.from({ length: 20000 }, () => random.nextNormal());
    expect(mean(xs)).toBeCloseTo(0, 1);
    expect(mean(xs.map((x) => x * x))).toBeCloseTo(1, 1);
  });

  it("shuffles into a permutation", () => {
    const shuffled = new SeededRandom(1).shuffle(Int32Array.from([...Array(50).keys()]));
    expect(Array.from(shuffled).sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
    expect(Array.from(shuffled)).not.toEqual([...Array(50).keys()]);
  });
});

describe("stratified sampling", () => {
  const labels = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 3);

  it("takes the same number of distinct indices from each class, in increasing order", () => {
    const chosen = stratifiedSample(labels, 3, 20, 9);
    expect(chosen).toHaveLength(60);
    expect(new Set(chosen).size).toBe(60);
    expect(Array.from(chosen)).toEqual(Array.from(chosen).sort((x, y) => x - y));
    expect(
      classCounts(
        Array.from(chosen, (i) => labels[i]),
        3,
      ),
    ).toEqual([20, 20, 20]);
  });

  it("fails when a class has too few examples", () => {
    expect(() => stratifiedSample(labels, 3, 101, 9)).toThrow("class 0 has 100 examples, fewer than 101");
  });
});
