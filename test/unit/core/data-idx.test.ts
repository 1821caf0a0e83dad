import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { encodeIdx, gzipDeterministic, parseIdx, readIdxFile } from "@deltalab/core";

// A 2x3 unsigned-byte IDX array written out by hand from the format's description.
const handWritten = Uint8Array.from([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);

function tempFile(name: string, bytes: Uint8Array): string {
  const path = join(mkdtempSync(join(tmpdir(), "deltalab-idx-")), name);
  writeFileSync(path, bytes);
  return path;
}

describe("IDX format", () => {
  it("parses hand-written bytes into dimensions and row-major data", () => {
    const parsed = parseIdx(handWritten, "hand.idx");
    expect(parsed.dims).toEqual([2, 3]);
    expect(Array.from(parsed.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("encodes the same bytes as written by hand", () => {
    expect(Array.from(encodeIdx([2, 3], Uint8Array.from([1, 2, 3, 4, 5, 6])))).toEqual(
      Array.from(handWritten),
    );
  });

  it("reads raw and gzip files alike, recognizing gzip by its magic bytes", () => {
    const raw = readIdxFile(tempFile("a-idx2-ubyte", handWritten));
    const gz = readIdxFile(tempFile("b-idx2-ubyte", gzipSync(handWritten)));
    expect(gz.dims).toEqual(raw.dims);
    expect(Array.from(gz.data)).toEqual(Array.from(raw.data));
  });

  it("gzips deterministically with a zero modification time", () => {
    const first = gzipDeterministic(handWritten);
    const second = gzipDeterministic(Uint8Array.from(handWritten));
    expect(first.equals(second)).toBe(true);
    expect(first.readUInt32LE(4)).toBe(0);
  });
});

describe("IDX errors name the file and what is wrong", () => {
  it("rejects a bad magic number", () => {
    const bytes = Uint8Array.from(handWritten);
    bytes[0] = 0x50;
    const path = tempFile("bad-magic", bytes);
    expect(() => readIdxFile(path)).toThrow(`${path}: bad magic number`);
  });

  it("rejects a data type other than unsigned byte", () => {
    const bytes = Uint8Array.from(handWritten);
    bytes[2] = 0x0d;
    expect(() => parseIdx(bytes, "floats.idx")).toThrow(
      /floats\.idx: bad magic number: data type 0x0d \(float32\)/,
    );
  });

  it("rejects a file with the wrong number of dimensions", () => {
    const path = tempFile("labels-idx1-ubyte", handWritten);
    expect(() => readIdxFile(path, 1)).toThrow(
      `${path}: wrong number of dimensions: the header says 2, expected 1`,
    );
  });

  it("rejects data shorter than the header declares", () => {
    const path = tempFile("short", handWritten.subarray(0, handWritten.length - 1));
    expect(() => readIdxFile(path)).toThrow(`${path}: size mismatch`);
  });

  it("rejects trailing bytes after the declared data", () => {
    const bytes = new Uint8Array(handWritten.length + 2);
    bytes.set(handWritten);
    expect(() => parseIdx(bytes, "long.idx")).toThrow(
      /long\.idx: size mismatch.*6 bytes of data, the file has 8/,
    );
  });

  it("rejects a header cut inside the dimension sizes", () => {
    expect(() => parseIdx(handWritten.subarray(0, 9), "cut.idx")).toThrow("cut.idx: truncated header");
  });

  it("rejects a truncated gzip stream", () => {
    const gz = gzipSync(
      encodeIdx(
        [100],
        new Uint8Array(100).map((_, i) => i),
      ),
    );
    const path = tempFile("truncated.gz", gz.subarray(0, gz.length - 12));
    expect(() => readIdxFile(path)).toThrow(`${path}: truncated gzip stream`);
  });

  it("rejects a corrupt gzip stream", () => {
    const gz = Uint8Array.from(gzipSync(handWritten));
    gz[10] ^= 0xff;
    gz[11] ^= 0xff;
    const path = tempFile("corrupt.gz", gz);
    expect(() => readIdxFile(path)).toThrow(`${path}: corrupt gzip stream`);
  });

  it("names a missing file", () => {
    expect(() => readIdxFile("/nonexistent/train-images-idx3-ubyte.gz")).toThrow(
      "/nonexistent/train-images-idx3-ubyte.gz: cannot read the file",
    );
  });
});
