// The one geometry of windows (matrix/geometry.ts) against brute-force enumeration of window positions.
import { describe, expect, it } from "vitest";
import {
  AveragePoolLayer,
  Conv2dLayer,
  SubsampleLayer,
  convGeometry,
  onPaddedInput,
  poolGeometry,
  validOutputRange,
} from "@deltalab/core";

/** A small seeded generator, independent of the library's. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return (lo: number, hi: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + (s % (hi - lo + 1));
  };
}

/** Output positions o in 0..outExtent-1 whose tap lands inside the input: 0 <= s o + tap - p < extent. */
function reachedByTap(tap: number, pad: number, stride: number, extent: number, outExtent: number): number[] {
  const hits: number[] = [];
  for (let o = 0; o < outExtent; o++) {
    const at = stride * o + tap - pad;
    if (at >= 0 && at < extent) hits.push(o);
  }
  return hits;
}

/** Window placements along one axis: starts 0, s, 2s, ... while the window fits the (padded) extent. */
function placements(extent: number, window: number, stride: number): number {
  let count = 0;
  for (let start = 0; start + window <= extent; start += stride) count++;
  return count;
}

describe("window geometry", () => {
  const draw = lcg(20261205);
  const cases = Array.from({ length: 300 }, () => {
    const extent = draw(1, 12);
    const kernel = draw(1, extent + 2);
    const pad = draw(0, 3);
    const stride = draw(1, 4);
    return { extent, kernel, pad, stride };
  }).filter((c) => c.kernel <= c.extent + 2 * c.pad);

  it("gives a convolution as many outputs as window placements in the padded input", () => {
    for (const { extent, kernel, pad, stride } of cases) {
      const g = convGeometry({
        inChannels: 2,
        height: extent,
        width: extent + 1,
        outChannels: 3,
        kernel,
        stride,
        padding: pad,
      });
      expect(g.outHeight).toBe(placements(extent + 2 * pad, kernel, stride));
      expect(g.outWidth).toBe(placements(extent + 1 + 2 * pad, kernel, stride));
      expect(g.patchSize).toBe(kernel * kernel * 2);
    }
  });

  it("gives each filter tap the contiguous range of outputs it reaches inside the input", () => {
    for (const { extent, kernel, pad, stride } of cases) {
      const outExtent = placements(extent + 2 * pad, kernel, stride);
      for (let tap = 0; tap < kernel; tap++) {
        const hits = reachedByTap(tap, pad, stride, extent, outExtent);
        const [lo, hi] = validOutputRange(tap, pad, stride, extent, outExtent);
        expect(hi - lo).toBe(hits.length);
        if (hits.length > 0) expect([lo, hi - 1]).toEqual([hits[0], hits[hits.length - 1]]);
      }
    }
  });

  it("gives pooling as many outputs as window placements, and the layers the same geometry", () => {
    for (const { extent, kernel, stride } of cases.filter((c) => c.kernel <= c.extent)) {
      const g = poolGeometry({ channels: 2, height: extent, width: extent, kernel, stride });
      expect(g.outHeight).toBe(placements(extent, kernel, stride));
      const layer = new AveragePoolLayer("pool", [2, extent, extent], { size: kernel, stride });
      expect(layer.geometry).toEqual(g);
      expect(layer.outputShape).toEqual([2, g.outHeight, g.outWidth]);
    }
  });

  it("is the geometry a convolution layer reports and computes with", () => {
    const layer = new Conv2dLayer("c", [3, 11, 9], {
      filters: 4,
      kernel: [3, 2],
      stride: [2, 3],
      padding: [1, 2],
    });
    expect(layer.geometry).toEqual(
      convGeometry({
        inChannels: 3,
        height: 11,
        width: 9,
        outChannels: 4,
        kernel: [3, 2],
        stride: [2, 3],
        padding: [1, 2],
      }),
    );
    expect(layer.outputShape).toEqual([4, placements(13, 3, 2), placements(13, 2, 3)]);
  });

  it("gives vanilla sub-sampling by K one output per kept coordinate 0, K, 2K, ... inside the input", () => {
    for (const { extent, stride } of cases) {
      const layer = new SubsampleLayer("sub", [2, extent, extent + 3], { factor: [stride, stride + 1] });
      let keptRows = 0;
      for (let row = 0; row < extent; row += stride) keptRows++;
      let keptColumns = 0;
      for (let column = 0; column < extent + 3; column += stride + 1) keptColumns++;
      expect(layer.outputShape).toEqual([2, keptRows, keptColumns]);
      expect([layer.geometry.outHeight, layer.geometry.outWidth]).toEqual([keptRows, keptColumns]);
    }
  });

  it("gives a convolution on its already padded input the same outputs, every tap inside that input", () => {
    for (const { extent, kernel, pad, stride } of cases) {
      const g = onPaddedInput(
        convGeometry({
          inChannels: 1,
          height: extent,
          width: extent,
          outChannels: 1,
          kernel,
          stride,
          padding: pad,
        }),
      );
      expect([g.height, g.padHeight, g.outHeight]).toEqual([
        extent + 2 * pad,
        0,
        placements(extent + 2 * pad, kernel, stride),
      ]);
      for (let tap = 0; tap < kernel; tap++) {
        expect(reachedByTap(tap, 0, stride, g.height, g.outHeight)).toHaveLength(g.outHeight);
      }
    }
  });
});
