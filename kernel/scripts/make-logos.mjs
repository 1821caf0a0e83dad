#!/usr/bin/env node
// Draws the kernel's logos (a white delta on a teal rounded square) as RGBA PNGs: logos/logo-32x32.png and
// logos/logo-64x64.png. Run it again after changing the drawing; the PNGs are committed.
import { Buffer } from "node:buffer";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

function png(size, pixel) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (1 + 4 * size));
  for (let y = 0; y < size; y++) {
    rows[y * (1 + 4 * size)] = 0; // filter: none
    for (let x = 0; x < size; x++) rows.set(pixel(x, y), y * (1 + 4 * size) + 1 + 4 * x);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// Shapes in unit coordinates [0, 1]^2.
const insideSquare = (u, v) => {
  const r = 0.18;
  const dx = Math.max(r - u, 0, u - (1 - r));
  const dy = Math.max(r - v, 0, v - (1 - r));
  return dx * dx + dy * dy <= r * r;
};
const insideTriangle = (u, v, inset) => {
  const top = 0.16 + inset * 1.6;
  const bottom = 0.82 - inset;
  if (v < top || v > bottom) return false;
  const half = ((v - top) / (0.82 - 0.16)) * 0.38;
  return Math.abs(u - 0.5) <= half - inset * 0.2;
};
const insideDelta = (u, v) => insideTriangle(u, v, 0) && !insideTriangle(u, v, 0.1);

function logo(size) {
  const samples = 4;
  return png(size, (x, y) => {
    let square = 0;
    let delta = 0;
    for (let i = 0; i < samples; i++) {
      for (let j = 0; j < samples; j++) {
        const u = (x + (i + 0.5) / samples) / size;
        const v = (y + (j + 0.5) / samples) / size;
        if (insideSquare(u, v)) {
          square++;
          if (insideDelta(u, v)) delta++;
        }
      }
    }
    const n = samples * samples;
    const white = delta / Math.max(square, 1);
    const mix = (background) => Math.round(background * (1 - white) + 255 * white);
    return [mix(0x0f), mix(0x76), mix(0x6e), Math.round((255 * square) / n)];
  });
}

for (const size of [32, 64]) writeFileSync(join(here, "..", "logos", `logo-${size}x${size}.png`), logo(size));
