/**
 * The IDX file format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/, "FILE FORMATS"):
 *
 *   bytes 0-1  zero
 *   byte  2    data type (0x08: unsigned byte, the only type these data sets use)
 *   byte  3    number of dimensions r
 *   then r big-endian 32-bit sizes, then the data in row-major order (last index fastest).
 *
 * Files may be gzip-compressed; a reader recognizes gzip by its magic bytes 1f 8b, not by the file name.
 */
import { readFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";

/** An IDX array of unsigned bytes: `dims` (row-major, last index fastest) and the `data`. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;
const TYPE_NAMES: Record<number, string> = {
  0x08: "unsigned byte",
  0x09: "signed byte",
  0x0b: "int16",
  0x0c: "int32",
  0x0d: "float32",
  0x0e: "float64",
};

/**
 * Parses IDX bytes (already decompressed). `source` names the file in error messages; `expectedRank`, when given,
 * is the number of dimensions the caller needs (3 for images, 1 for labels).
 */
export function parseIdx(bytes: Uint8Array, source: string, expectedRank?: number): IdxArray {
  if (bytes.length < 4) {
    throw new Error(`${source}: not an IDX file: ${bytes.length} bytes, shorter than the 4-byte header`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(
      `${source}: bad magic number: an IDX file starts with two zero bytes, found ${hex(bytes[0])} ${hex(bytes[1])}`,
    );
  }
  const type = bytes[2];
  if (type !== UNSIGNED_BYTE) {
    const name = TYPE_NAMES[type] ?? "an unknown type";
    throw new Error(
      `${source}: bad magic number: data type ${hex(type)} (${name}); expected 0x08 (unsigned byte)`,
    );
  }
  const rank = bytes[3];
  if (expectedRank !== undefined && rank !== expectedRank) {
    throw new Error(
      `${source}: wrong number of dimensions: the header says ${rank}, expected ${expectedRank}`,
    );
  }
  if (rank === 0) {
    throw new Error(`${source}: wrong number of dimensions: the header says 0`);
  }
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) {
    throw new Error(
      `${source}: truncated header: ${rank} dimensions need ${headerLength} bytes, the file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const size = view.getUint32(4 + 4 * i, false);
    dims.push(size);
    count *= size;
  }
  const actual = bytes.length - headerLength;
  if (actual !== count) {
    throw new Error(
      `${source}: size mismatch: the header declares dimensions [${dims.join(", ")}] = ${count} bytes of data, ` +
        `the file has ${actual}`,
    );
  }
  // A plain Uint8Array view, even when the bytes came in a Node Buffer (whose slice() would not copy).
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerLength, count) };
}

/** Encodes an unsigned-byte IDX array (uncompressed). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  if (dims.length === 0 || dims.length > 255) {
    throw new Error(`encodeIdx: an IDX array has 1 to 255 dimensions, got ${dims.length}`);
  }
  const count = dims.reduce((product, size) => product * size, 1);
  if (count !== data.length) {
    throw new Error(`encodeIdx: dimensions [${dims.join(", ")}] need ${count} bytes, got ${data.length}`);
  }
  const headerLength = 4 + 4 * dims.length;
  const bytes = new Uint8Array(headerLength + data.length);
  const view = new DataView(bytes.buffer);
  bytes[2] = UNSIGNED_BYTE;
  bytes[3] = dims.length;
  dims.forEach((size, i) => view.setUint32(4 + 4 * i, size, false));
  bytes.set(data, headerLength);
  return bytes;
}

/**
 * Gzip with a fixed header (modification time 0, no file name) and a fixed level, so that the same input gives the
 * same bytes on every run with the same zlib.
 */
export function gzipDeterministic(bytes: Uint8Array): Buffer {
  return gzipSync(bytes, { level: 9 });
}

/** Decompresses `bytes` if they are gzip (magic 1f 8b), naming `source` when the stream is truncated or corrupt. */
export function maybeGunzip(bytes: Uint8Array, source: string): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    return bytes;
  }
  try {
    return gunzipSync(bytes);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason =
      code === "Z_BUF_ERROR" ? "truncated gzip stream (unexpected end of file)" : "corrupt gzip stream";
    throw new Error(`${source}: ${reason}: ${(error as Error).message}`);
  }
}

/** Reads an IDX file, raw or gzip-compressed. */
export function readIdxFile(path: string, expectedRank?: number): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new Error(`${path}: cannot read the file: ${(error as Error).message}`);
  }
  return parseIdx(maybeGunzip(bytes, path), path, expectedRank);
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}
