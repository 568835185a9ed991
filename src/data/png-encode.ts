/**
 * The PNG encoder of both entry points, with no Node built-in (zlib through fflate): grey
 * (8 or 16 bits) and 8-bit RGB images, one IHDR, one IDAT, one IEND, each row filtered by
 * the usual heuristic (the filter of None/Sub/Up/Paeth with the least sum of absolute
 * residuals). Node's `encodePng`/`encodeRgbPng` (png.ts) wrap these bytes in a Buffer;
 * a browser page offers them as downloads (`new Blob([bytes], { type: 'image/png' })`; the
 * bytes are typed `Uint8Array<ArrayBuffer>`, which a Blob takes).
 * `decodePng` (png.ts), strict about CRCs, the zlib stream and row filters, reads them back.
 *
 * @example
 * const bytes = pngBytes(image(2, 1, 1, Float32Array.of(0, 65535)), { bitDepth: 16 });
 * const pic = rgbPngBytes({ width: 1, height: 1, data: Uint8Array.of(255, 0, 0) }); // one red pixel
 */
import { zlibSync } from 'fflate';
import { DataError } from './errors.js';
import type { Image } from './image.js';

export interface WriteOptions {
  /** 8 (default) or 16 bits per sample. */
  readonly bitDepth?: 8 | 16;
}

/** 8-bit RGB pixels interleaved row by row (pixel (x, y) at data[3(y·width + x)] … +2), e.g. plot's `Raster`. */
export interface RgbPixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 of bytes[from, to) (PNG, zlib and gzip's polynomial). */
const crc32 = (bytes: Uint8Array, from: number, to: number): number => {
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

/** One chunk: length, type, data, CRC of type and data. */
const chunk = (type: string, data: Uint8Array): Uint8Array => {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
};

const paeth = (a: number, b: number, c: number): number => {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

/** Filtered rows (filter byte + residuals) of big-endian samples, `bpp` bytes per pixel. */
const filterRows = (raw: Uint8Array, rowBytes: number, height: number, bpp: number): Uint8Array => {
  const out = new Uint8Array(height * (rowBytes + 1));
  const trial = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes;
    const at = (i: number, dy: number, dx: number): number => (y - dy < 0 || i - dx < 0 ? 0 : raw[row - dy * rowBytes + i - dx]!);
    let bestCost = Infinity;
    for (const f of [0, 1, 2, 4]) {
      let cost = 0;
      for (let i = 0; i < rowBytes; i++) {
        const pred = f === 0 ? 0 : f === 1 ? at(i, 0, bpp) : f === 2 ? at(i, 1, 0) : paeth(at(i, 0, bpp), at(i, 1, 0), at(i, 1, bpp));
        const r = (raw[row + i]! - pred) & 0xff;
        trial[i] = r;
        cost += r < 128 ? r : 256 - r;
      }
      if (cost < bestCost) {
        bestCost = cost;
        out[y * (rowBytes + 1)] = f;
        out.set(trial, y * (rowBytes + 1) + 1);
      }
    }
  }
  return out;
};

const SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

/** PNG bytes of `samples` (interleaved, host order for 16 bits). */
const encodeSamples = (width: number, height: number, channels: 1 | 3, depth: 8 | 16, samples: Uint8Array | Uint16Array): Uint8Array<ArrayBuffer> => {
  const bytesPer = depth / 8;
  const rowBytes = width * channels * bytesPer;
  const raw = new Uint8Array(rowBytes * height);
  if (depth === 8) raw.set(samples);
  else for (let i = 0; i < samples.length; i++) (raw[2 * i] = samples[i]! >>> 8), (raw[2 * i + 1] = samples[i]! & 0xff);
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([depth, channels === 1 ? 0 : 2, 0, 0, 0], 8);
  const parts = [SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', zlibSync(filterRows(raw, rowBytes, height, channels * bytesPer), { level: 6 })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
};

/**
 * Encodes a 1-channel (grey) or 3-channel (RGB) image as PNG bytes. Values are written as
 * they are, rounded and clamped to 0…2^bits − 1: scale them first (e.g. ×255) if needed.
 *
 * @example
 * pngBytes(image(2, 1, 1, Float32Array.of(0, 65535)), { bitDepth: 16 }).length; // a 2×1 16-bit PNG
 */
export const pngBytes = (img: Image, opts: WriteOptions = {}): Uint8Array<ArrayBuffer> => {
  const depth = opts.bitDepth ?? 8;
  if (img.channels !== 1 && img.channels !== 3) {
    throw new DataError(`encodePng: ${img.channels} channels; expected 1 (grey) or 3 (RGB)`);
  }
  const n = img.width * img.height;
  const c = img.channels;
  const max = depth === 16 ? 65535 : 255;
  const packed = depth === 16 ? new Uint16Array(n * c) : new Uint8Array(n * c);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) {
      const v = Math.round(img.data[k * n + i]!);
      packed[i * c + k] = v < 0 || Number.isNaN(v) ? 0 : v > max ? max : v;
    }
  }
  return encodeSamples(img.width, img.height, c, depth, packed);
};

/**
 * Encodes 8-bit interleaved RGB pixels (a drawn picture: chart, overlay, heat map) as PNG
 * bytes, without copying them into a float image first.
 *
 * @example
 * rgbPngBytes({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(255) }); // a white 64×64 PNG
 */
export const rgbPngBytes = (p: RgbPixels): Uint8Array<ArrayBuffer> => {
  if (p.data.length !== 3 * p.width * p.height) {
    throw new DataError(`encodeRgbPng: ${p.data.length} bytes for ${p.width}×${p.height} pixels; expected ${3 * p.width * p.height} (3 per pixel)`);
  }
  return encodeSamples(p.width, p.height, 3, 8, p.data);
};
