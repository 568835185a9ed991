/**
 * Test helpers for the data module: byte-level PNG and TIFF writers (to make every bit
 * depth, colour type and broken file the readers must handle), temp folders, and the
 * location of the shared real data.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';

/** ../shared/data beside the checkout (repo root/../shared/data). */
export const SHARED_DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..', 'shared/data');
export const hasSharedData = fs.existsSync(SHARED_DATA);

/** A fresh temp folder, removed by the returned cleanup. */
export const tempDir = (): { dir: string; cleanup: () => void } => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unet-data-test-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
};

/** One PNG chunk: length, type, data and a correct CRC. */
export const chunk = (type: string, data: Uint8Array): Buffer => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
};

export interface PngSpec {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA (or an invalid one for error tests). */
  readonly colorType: number;
  /** Samples, interleaved per pixel, row-major. */
  readonly samples: readonly number[];
  readonly palette?: readonly (readonly [number, number, number])[];
  /** Raw tRNS chunk payload. */
  readonly trns?: Uint8Array;
}

const SAMPLES_PER_PIXEL: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** A PNG file from raw samples (filter 0 on every row), for any bit depth and colour type. */
export const pngBytes = (s: PngSpec): Buffer => {
  const spp = SAMPLES_PER_PIXEL[s.colorType] ?? 1;
  const rowBits = s.width * spp * s.bitDepth;
  const rowBytes = Math.ceil(rowBits / 8);
  const raw = Buffer.alloc((rowBytes + 1) * s.height);
  for (let y = 0; y < s.height; y++) {
    const base = y * (rowBytes + 1) + 1;
    for (let i = 0; i < s.width * spp; i++) {
      const v = s.samples[y * s.width * spp + i] ?? 0;
      if (s.bitDepth === 16) raw.writeUInt16BE(v, base + 2 * i);
      else if (s.bitDepth === 8) raw[base + i] = v;
      else {
        const bit = i * s.bitDepth;
        const byte = base + (bit >> 3);
        raw[byte] = raw[byte]! | (v << (8 - s.bitDepth - (bit & 7)));
      }
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(s.width, 0);
  ihdr.writeUInt32BE(s.height, 4);
  ihdr[8] = s.bitDepth;
  ihdr[9] = s.colorType;
  const parts = [Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr)];
  if (s.palette) parts.push(chunk('PLTE', Uint8Array.from(s.palette.flat())));
  if (s.trns) parts.push(chunk('tRNS', s.trns));
  parts.push(chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
};

export interface TiffPage {
  readonly width: number;
  readonly height: number;
  readonly bitsPerSample: number;
  /** 1 uint, 2 int, 3 float. */
  readonly sampleFormat: number;
  readonly samplesPerPixel: number;
  /** 0 WhiteIsZero, 1 BlackIsZero, 2 RGB, 3 palette. */
  readonly photometric: number;
  /** Samples interleaved per pixel, row-major. */
  readonly values: readonly number[];
  /** Compression tag (259). Default 1 (none). */
  readonly compression?: number;
  /**
   * Strips (or tiles with `tile`) as stored, replacing the uncompressed `values` bytes
   * (which still give the byte layout): e.g. PackBits- or Deflate-encoded, or cut short.
   */
  readonly segments?: readonly Uint8Array[];
  /** Rows per strip (278). Default the height (one strip). */
  readonly rowsPerStrip?: number;
  /** Store `segments` as tiles of this size (tags 322–325) instead of strips. */
  readonly tile?: { readonly width: number; readonly height: number };
}

/** The uncompressed bytes of a page's samples, in the given byte order. */
export const sampleBytes = (p: TiffPage, littleEndian = true): Buffer => {
  const bytes = p.bitsPerSample / 8;
  const data = Buffer.alloc(p.values.length * bytes);
  const u16 = (v: number, o: number): number => (littleEndian ? data.writeUInt16LE(v, o) : data.writeUInt16BE(v, o));
  const u32 = (v: number, o: number): number => (littleEndian ? data.writeUInt32LE(v, o) : data.writeUInt32BE(v, o));
  p.values.forEach((v, i) => {
    const o = i * bytes;
    if (p.sampleFormat === 3) (littleEndian ? data.writeFloatLE(v, o) : data.writeFloatBE(v, o));
    else if (bytes === 1) (p.sampleFormat === 2 ? data.writeInt8(v, o) : data.writeUInt8(v, o));
    else if (bytes === 2) (p.sampleFormat === 2 ? (littleEndian ? data.writeInt16LE(v, o) : data.writeInt16BE(v, o)) : u16(v, o));
    else p.sampleFormat === 2 ? (littleEndian ? data.writeInt32LE(v, o) : data.writeInt32BE(v, o)) : u32(v, o);
  });
  return data;
};

/** PackBits encoding (TIFF compression 32773) of bytes, as literal runs of up to 128. */
export const packBits = (bytes: Uint8Array): Buffer => {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 128) {
    const run = bytes.subarray(i, i + 128);
    out.push(run.length - 1, ...run);
  }
  return Buffer.from(out);
};

/** An uncompressed, single-strip-per-page TIFF (any byte order, any number of pages). */
export const tiffBytes = (pages: readonly TiffPage[], littleEndian = true): Buffer => {
  const chunks: Buffer[] = [];
  let pos = 8;
  const header = Buffer.alloc(8);
  header.write(littleEndian ? 'II' : 'MM', 0, 'latin1');
  const u16 = (b: Buffer, v: number, o: number): number => (littleEndian ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const u32 = (b: Buffer, v: number, o: number): number => (littleEndian ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  u16(header, 42, 2);
  chunks.push(header);
  let linkAt = 4; // where the next IFD offset goes (absolute), starting with the header's
  const patches: [number, number][] = [];
  for (const p of pages) {
    const segments = p.segments ?? [sampleBytes(p, littleEndian)];
    const segmentAt: number[] = [];
    for (const data of segments) {
      segmentAt.push(pos);
      chunks.push(Buffer.from(data));
      pos += data.length + (data.length % 2);
      if (data.length % 2) chunks.push(Buffer.alloc(1));
    }
    const spp = p.samplesPerPixel;
    const counts = segments.map((d) => d.length);
    const layout: [number, number, number[]][] = p.tile
      ? [
          [322, 4, [p.tile.width]],
          [323, 4, [p.tile.height]],
          [324, 4, segmentAt],
          [325, 4, counts],
        ]
      : [
          [273, 4, segmentAt],
          [278, 4, [p.rowsPerStrip ?? p.height]],
          [279, 4, counts],
        ];
    const tags: [number, number, number[]][] = [
      [256, 4, [p.width]],
      [257, 4, [p.height]],
      [258, 3, Array(spp).fill(p.bitsPerSample)],
      [259, 3, [p.compression ?? 1]],
      [262, 3, [p.photometric]],
      [277, 3, [spp]],
      [339, 3, Array(spp).fill(p.sampleFormat)],
      ...layout,
    ];
    tags.sort((a, b) => a[0] - b[0]);
    const ifdAt = pos;
    const ifd = Buffer.alloc(2 + 12 * tags.length + 4);
    let extraAt = ifdAt + ifd.length;
    const extras: Buffer[] = [];
    u16(ifd, tags.length, 0);
    tags.forEach(([tag, type, vals], i) => {
      const o = 2 + 12 * i;
      u16(ifd, tag, o);
      u16(ifd, type, o + 2);
      u32(ifd, vals.length, o + 4);
      const size = type === 3 ? 2 : 4;
      const target = vals.length * size <= 4 ? ifd : Buffer.alloc(vals.length * size);
      const base = target === ifd ? o + 8 : 0;
      vals.forEach((v, j) => (size === 2 ? u16(target, v, base + 2 * j) : u32(target, v, base + 4 * j)));
      if (target !== ifd) {
        u32(ifd, extraAt, o + 8);
        extras.push(target);
        extraAt += target.length;
      }
    });
    patches.push([linkAt, ifdAt]);
    linkAt = ifdAt + 2 + 12 * tags.length;
    chunks.push(ifd, ...extras);
    pos = extraAt;
  }
  const out = Buffer.concat(chunks);
  for (const [at, value] of patches) u32(out, value, at);
  return out;
};

/** Writes bytes to dir/name and returns the path. */
export const put = (dir: string, name: string, bytes: Uint8Array): string => {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, bytes);
  return p;
};

/** A copy of a typed array's contents, to check later that it was not mutated. */
export const snapshot = (a: ArrayLike<number>): number[] => Array.from(a);
