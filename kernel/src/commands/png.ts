/** Minimal PNG writing (RGBA, no filter, zlib from Node) for pictures in command results. */
import { deflateSync } from "node:zlib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** A PNG of `width` x `height` RGBA pixels (row-major, 4 bytes per pixel). */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  if (rgba.length !== width * height * 4)
    throw new RangeError(`expected ${width * height * 4} bytes, got ${rgba.length}`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 6;
  const stride = 1 + 4 * width;
  const rows = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++)
    rows.set(rgba.subarray(y * 4 * width, (y + 1) * 4 * width), y * stride + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * Grey-level tiles laid out in a grid, each pixel `scale` screen pixels: tile k holds values[k*h*w ...] scaled
 * from [low, high] to black..white, with a one-pixel gap between tiles.
 */
export function tileGridPng(
  values: ArrayLike<number>,
  tiles: number,
  tileHeight: number,
  tileWidth: number,
  options: { columns?: number; scale?: number; low?: number; high?: number } = {},
): Buffer {
  const columns = Math.max(1, Math.min(options.columns ?? 8, tiles));
  const rows = Math.ceil(tiles / columns);
  const scale = options.scale ?? 2;
  const low = options.low ?? 0;
  const high = options.high ?? 1;
  const cellW = tileWidth * scale + 1;
  const cellH = tileHeight * scale + 1;
  const width = columns * cellW;
  const height = rows * cellH;
  const rgba = new Uint8Array(width * height * 4).fill(255);
  for (let k = 0; k < tiles; k++) {
    const left = (k % columns) * cellW;
    const top = Math.floor(k / columns) * cellH;
    for (let y = 0; y < tileHeight * scale; y++) {
      for (let x = 0; x < tileWidth * scale; x++) {
        const v =
          values[k * tileHeight * tileWidth + Math.floor(y / scale) * tileWidth + Math.floor(x / scale)] ?? 0;
        const level = Math.round(255 * (1 - Math.min(1, Math.max(0, (v - low) / (high - low || 1)))));
        const at = ((top + y) * width + left + x) * 4;
        rgba[at] = level;
        rgba[at + 1] = level;
        rgba[at + 2] = level;
      }
    }
  }
  return encodePng(width, height, rgba);
}

/** An <img> element showing a PNG. */
export function pngImg(png: Buffer, alt: string): string {
  return `<img alt="${alt.replace(/"/g, "&quot;")}" src="data:image/png;base64,${png.toString("base64")}" style="image-rendering: pixelated">`;
}
