/**
 * The project's one PNG codec: raw intensities of data images in (through pngjs) and out,
 * and 8-bit RGB pictures (plot's `Raster`, see `encodeRgbPng`) out; the writing is
 * png-encode.ts's (no Node built-in, so the browser build encodes the same bytes).
 *
 * Reading handles every PNG the standard allows: 1/2/4/8/16-bit grey, grey+alpha, RGB,
 * RGBA and palette images, interlaced or not. Values are not rescaled (`skipRescale`), so a
 * 16-bit instance label 300 reads as 300 and a 1-bit mask as 0/1. Alpha is dropped (it is
 * not intensity). A grey `tRNS` colour is stripped before decoding, because pngjs would
 * otherwise zero the pixels of that grey value. Palette images give their colours (one
 * channel when the palette is grey), or with `paletteIndex: true` the palette index, which
 * is what indexed label images store.
 *
 * A damaged file is refused, never decoded into something else: before pngjs sees it,
 * every chunk's CRC is checked, the size is held against `maxPixels` (a 1 KB file can
 * claim 30000 × 30000 pixels), and the image data is inflated here with a strict zlib
 * (complete stream, Adler-32 checked, exactly the bytes the header needs, valid row
 * filters). pngjs alone accepts a short stream and fills the missing rows from leftover,
 * uninitialised buffer bytes. The data is inflated twice (here and in pngjs); inflating is
 * fast next to everything done with an image afterwards.
 *
 * @example
 * import { readPng, writePng } from './png.js';
 * const { image, bitDepth } = readPng('images/00.png'); // bitDepth 8
 * writePng('/tmp/copy.png', image, { bitDepth: 8 });
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { PNG } from 'pngjs';
import { writeFileAtomic } from '../io/atomic.js';
import { DataError, messageOf, shortName } from './errors.js';
import { pngBytes, rgbPngBytes, type RgbPixels, type WriteOptions } from './png-encode.js';
import { image, luminance, type Image, type RawImage } from './image.js';
import { DEFAULT_MAX_PIXELS, checkPixelCount } from './limits.js';

export interface ReadOptions {
  /** Convert RGB to one luminance channel (BT.601). Default false: RGB stays 3 channels. */
  readonly grey?: boolean;
  /** Palette images: return the palette index instead of the colour. Default false. */
  readonly paletteIndex?: boolean;
  /** Largest width × height accepted, checked on the header before decoding. Default `DEFAULT_MAX_PIXELS` (2^28). */
  readonly maxPixels?: number;
}

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

const COLOUR_TYPES: Record<number, { readonly name: string; readonly depths: readonly number[]; readonly samples: number }> = {
  0: { name: 'grey', depths: [1, 2, 4, 8, 16], samples: 1 },
  2: { name: 'RGB', depths: [8, 16], samples: 3 },
  3: { name: 'palette', depths: [1, 2, 4, 8], samples: 1 },
  4: { name: 'grey+alpha', depths: [8, 16], samples: 2 },
  6: { name: 'RGBA', depths: [8, 16], samples: 4 },
};

/** The 7 passes of Adam7 interlacing: first row, first column, row step, column step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [0, 4, 8, 8],
  [4, 0, 8, 4],
  [0, 2, 4, 4],
  [2, 0, 4, 2],
  [0, 1, 2, 2],
  [1, 0, 2, 1],
] as const;

/** Rows of filtered image data: each is one filter-type byte then `bytes` bytes. */
interface Rows {
  readonly count: number;
  readonly bytes: number;
}

/**
 * The rows of the zlib-inflated image data for this header: one run for a plain image,
 * one per non-empty Adam7 pass for an interlaced one (PNG spec, Sec. 8).
 */
const rowRuns = (width: number, height: number, bitsPerPixel: number, interlaced: boolean): Rows[] => {
  const rowBytes = (w: number): number => Math.ceil((w * bitsPerPixel) / 8);
  if (!interlaced) return [{ count: height, bytes: rowBytes(width) }];
  return ADAM7.map(([y0, x0, dy, dx]) => ({ w: Math.ceil((width - x0) / dx), h: Math.ceil((height - y0) / dy) }))
    .filter(({ w, h }) => w > 0 && h > 0)
    .map(({ w, h }) => ({ count: h, bytes: rowBytes(w) }));
};

/** A structurally checked PNG: header fields and the bytes pngjs should decode. */
interface ScannedPng {
  readonly width: number;
  readonly height: number;
  readonly depth: number;
  readonly colourType: number;
  readonly interlaced: boolean;
  /** The concatenated IDAT payloads (the zlib stream). */
  readonly idat: Buffer;
  /** The file for pngjs: without a grey/RGB tRNS chunk (see `scanPng`). */
  readonly forPngjs: Buffer;
}

/**
 * Walks the chunks of a PNG and checks everything pngjs would otherwise accept silently or
 * report without the file name: every chunk complete and its CRC right (a damaged file is
 * refused, never decoded into different pixels), IHDR first and valid, PLTE present for a
 * palette image, IDAT chunks consecutive, IEND at the end, no unknown critical chunk, and
 * the size within `maxPixels` — all before anything is inflated or allocated.
 *
 * It also drops a tRNS chunk of a non-palette image: pngjs replaces the transparent
 * grey/RGB value by 0, which would corrupt intensities and labels.
 */
const scanPng = (buf: Buffer, file: string, maxPixels: number): ScannedPng => {
  const bad = (what: string): DataError => new DataError(`${shortName(file)}: ${what}`, file);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) throw bad('not a PNG file (no PNG signature); expected a PNG image');
  const keep: Buffer[] = [buf.subarray(0, 8)];
  const idat: Buffer[] = [];
  let header: Omit<ScannedPng, 'idat' | 'forPngjs'> | undefined;
  let plte = false;
  let idatEnded = false; // an IDAT was seen and then another chunk
  let dropped = false;
  let pos = 8;
  for (;;) {
    if (pos + 12 > buf.length) {
      throw bad(`truncated: the file ends after ${buf.length} bytes, inside the chunk starting at byte ${pos}; expected a complete PNG ending with IEND`);
    }
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) throw bad(`invalid chunk type ${JSON.stringify(type)} at byte ${pos + 4} (damaged file); expected 4 ASCII letters`);
    if (len > 0x7fffffff || pos + 12 + len > buf.length) {
      throw bad(`truncated: chunk ${type} at byte ${pos} declares ${len} bytes of data, but the file ends after ${buf.length} bytes`);
    }
    const end = pos + 12 + len;
    const data = buf.subarray(pos + 8, pos + 8 + len);
    const stored = buf.readUInt32BE(pos + 8 + len);
    const computed = zlib.crc32(buf.subarray(pos + 4, pos + 8 + len)) >>> 0;
    if (stored !== computed) {
      throw bad(`CRC mismatch in chunk ${type} at byte ${pos} (stored ${hex(stored)}, computed ${hex(computed)}): the file is damaged`);
    }
    if (header === undefined && type !== 'IHDR') throw bad(`first chunk is ${type}; expected IHDR (the image header)`);
    if (type === 'IHDR') {
      if (header !== undefined) throw bad('a second IHDR chunk; expected one');
      header = checkIhdr(data, bad, maxPixels);
    } else if (type === 'PLTE') {
      plte = true;
    } else if (type === 'IDAT') {
      if (idatEnded) throw bad(`IDAT chunk at byte ${pos} after other chunks; expected consecutive IDAT chunks`);
      idat.push(data);
    } else if (type === 'IEND') {
      keep.push(buf.subarray(pos, end));
      break;
    } else if ((type.charCodeAt(0) & 0x20) === 0) {
      // upper-case first letter: a critical chunk this decoder does not know (PNG spec 5.4)
      throw bad(`unknown critical chunk ${type} at byte ${pos}; expected IHDR, PLTE, IDAT, IEND or ancillary chunks`);
    }
    if (idat.length > 0 && type !== 'IDAT') idatEnded = true;
    if (type === 'tRNS' && header !== undefined && header.colourType !== 3) dropped = true;
    else keep.push(buf.subarray(pos, end));
    pos = end;
  }
  if (header === undefined) throw bad('no IHDR chunk; expected a PNG image header');
  if (idat.length === 0) throw bad('no image data (IDAT chunk); expected at least one');
  if (header.colourType === 3 && !plte) throw bad('palette image (colour type 3) without a PLTE chunk');
  return { ...header, idat: Buffer.concat(idat), forPngjs: dropped ? Buffer.concat(keep) : buf };
};

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/** Checks the IHDR fields ourselves: pngjs reports a bad depth or type only vaguely. */
const checkIhdr = (d: Buffer, bad: (what: string) => DataError, maxPixels: number): Omit<ScannedPng, 'idat' | 'forPngjs'> => {
  if (d.length !== 13) throw bad(`IHDR chunk has ${d.length} bytes; expected 13`);
  const width = d.readUInt32BE(0);
  const height = d.readUInt32BE(4);
  const depth = d[8]!;
  const colourType = d[9]!;
  if (width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff) {
    throw bad(`size ${width}×${height}; expected a width and height from 1 to 2^31 − 1`);
  }
  const ct = COLOUR_TYPES[colourType];
  if (ct === undefined) {
    throw bad(`unsupported colour type ${colourType}; expected 0 (grey), 2 (RGB), 3 (palette), 4 (grey+alpha) or 6 (RGBA)`);
  }
  if (!ct.depths.includes(depth)) {
    throw bad(`unsupported bit depth ${depth} for colour type ${colourType} (${ct.name}); expected ${ct.depths.join(', ')}`);
  }
  if (d[10] !== 0) throw bad(`unknown compression method ${d[10]}; expected 0 (deflate)`);
  if (d[11] !== 0) throw bad(`unknown filter method ${d[11]}; expected 0`);
  if (d[12] !== 0 && d[12] !== 1) throw bad(`unknown interlace method ${d[12]}; expected 0 (none) or 1 (Adam7)`);
  const tooBig = checkPixelCount(width, height, maxPixels);
  if (tooBig !== undefined) throw bad(tooBig);
  return { width, height, depth, colourType, interlaced: d[12] === 1 };
};

/**
 * Inflates the image data and checks it is exactly what the header needs: the zlib stream
 * complete (its Adler-32 checked), neither short nor long, and every row's filter byte
 * 0–4. Without this pngjs fills the rows of a short stream from leftover buffer bytes,
 * which differ from run to run.
 */
const checkImageData = (png: ScannedPng, bad: (what: string) => DataError): void => {
  const runs = rowRuns(png.width, png.height, png.depth * COLOUR_TYPES[png.colourType]!.samples, png.interlaced);
  const expected = runs.reduce((s, r) => s + r.count * (1 + r.bytes), 0);
  let raw: Buffer;
  try {
    // one byte over the expected size is enough to tell "too long" without inflating a bomb
    raw = zlib.inflateSync(png.idat, { maxOutputLength: expected + 1 });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw bad(`too much image data: more than the ${expected} bytes ${png.width}×${png.height} needs (damaged file)`);
    if (code === 'Z_BUF_ERROR') {
      // a stream that stops early: inflate what there is, to say how much is missing
      let got = 0;
      try {
        got = zlib.inflateSync(png.idat, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: expected + 1 }).length;
      } catch {
        got = 0;
      }
      throw bad(`truncated image data: ${Math.min(got, expected)} of ${expected} bytes (the zlib stream ends early)`);
    }
    throw bad(`damaged image data: ${messageOf(e)} (in the zlib stream of the IDAT chunks)`);
  }
  if (raw.length !== expected) throw bad(`truncated image data: ${raw.length} of ${expected} bytes`);
  let at = 0;
  let row = 0;
  for (const r of runs) {
    for (let i = 0; i < r.count; i++, row++, at += 1 + r.bytes) {
      if (raw[at]! > 4) throw bad(`invalid filter type ${raw[at]} at the start of ${png.interlaced ? 'interlaced ' : ''}row ${row}; expected 0–4 (damaged file)`);
    }
  }
};

const paletteIndices = (rgba: ArrayLike<number>, palette: readonly (readonly number[])[], n: number): Float32Array => {
  const key = (r: number, g: number, b: number, a: number): number => ((r << 24) | (g << 16) | (b << 8) | a) >>> 0;
  const index = new Map<number, number>();
  palette.forEach((c, i) => {
    const k = key(c[0] ?? 0, c[1] ?? 0, c[2] ?? 0, c[3] ?? 255);
    if (!index.has(k)) index.set(k, i);
  });
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = index.get(key(rgba[4 * i]!, rgba[4 * i + 1]!, rgba[4 * i + 2]!, rgba[4 * i + 3]!)) ?? 0;
  return out;
};

/**
 * Decodes PNG bytes. `file` names the source in error messages.
 * Throws a DataError naming the file for a non-PNG, truncated, damaged (any CRC mismatch,
 * a short or over-long zlib stream, a bad row filter) or unsupported file, and for an image
 * over `maxPixels`: only a PNG pngjs decodes completely is returned.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * decodePng(readFileSync('a.png'), 'a.png').image.channels; // 1 for grey
 */
export const decodePng = (bytes: Uint8Array, file = '<png>', opts: ReadOptions = {}): RawImage => {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (what: string): DataError => new DataError(`${shortName(file)}: ${what}`, file);
  const scanned = scanPng(buf, file, opts.maxPixels ?? DEFAULT_MAX_PIXELS);
  checkImageData(scanned, bad);
  let png: ReturnType<typeof PNG.sync.read> & { palette?: number[][] | boolean };
  try {
    png = PNG.sync.read(scanned.forPngjs, { skipRescale: true }) as typeof png;
  } catch (e) {
    throw bad(`cannot decode PNG (${messageOf(e)}); expected a complete PNG with bit depth 1, 2, 4, 8 or 16 and colour type 0, 2, 3, 4 or 6`);
  }
  if (png.width !== scanned.width || png.height !== scanned.height || png.data.length !== 4 * scanned.width * scanned.height) {
    throw bad(`decoded ${png.data.length} bytes for ${png.width}×${png.height}; expected ${4 * scanned.width * scanned.height} for ${scanned.width}×${scanned.height}`);
  }
  const { width, height } = png;
  const n = width * height;
  const rgba = png.data as ArrayLike<number>;
  // pngjs sets `palette` to a boolean flag, then to the PLTE entries when there are some.
  const palette = Array.isArray(png.palette) ? png.palette : undefined;
  if ((png.colorType as number) === 3 && palette !== undefined && opts.paletteIndex) {
    return { image: image(width, height, 1, paletteIndices(rgba, palette, n)), bitDepth: png.depth, sampleFormat: 'uint' };
  }
  const paletteIsGrey = palette !== undefined && palette.every((c) => c[0] === c[1] && c[1] === c[2]);
  const colour = png.color && !((png.colorType as number) === 3 && paletteIsGrey);
  const channels = colour ? 3 : 1;
  const data = new Float32Array(channels * n);
  for (let c = 0; c < channels; c++) for (let i = 0; i < n; i++) data[c * n + i] = rgba[4 * i + c]!;
  const img = image(width, height, channels, data);
  // Palette colours are always 8-bit, whatever the index depth.
  const bitDepth = (png.colorType as number) === 3 ? 8 : png.depth;
  return { image: opts.grey ? luminance(img) : img, bitDepth, sampleFormat: 'uint' };
};

/**
 * Reads a PNG file (see the module comment for what is supported).
 *
 * @example
 * readPng('labels/00.png', { paletteIndex: true });
 */
export const readPng = (file: string, opts: ReadOptions = {}): RawImage => {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new DataError(`${shortName(file)}: cannot read file (${messageOf(e)})`, file);
  }
  return decodePng(bytes, file, opts);
};

export type { WriteOptions, RgbPixels } from './png-encode.js';

/** The encoder's bytes as a Buffer (a Uint8Array with Node's methods), without a copy. */
const asBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/**
 * Encodes a 1-channel (grey) or 3-channel (RGB) image as PNG bytes (`pngBytes` of
 * png-encode.ts, the encoder the browser build uses too). Values are written as they are,
 * rounded and clamped to 0…2^bits − 1: scale them first (e.g. ×255) if needed.
 *
 * @example
 * encodePng(image(2, 1, 1, Float32Array.of(0, 65535)), { bitDepth: 16 });
 */
export const encodePng = (img: Image, opts: WriteOptions = {}): Buffer => asBuffer(pngBytes(img, opts));

/**
 * Encodes 8-bit interleaved RGB pixels (a drawn picture: chart, overlay, heat map) as PNG
 * bytes, without copying them into a float image first. Decode with `decodePng`.
 *
 * @example
 * encodeRgbPng({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(255) }); // a white 64×64 PNG
 */
export const encodeRgbPng = (p: RgbPixels): Buffer => asBuffer(rgbPngBytes(p));

/**
 * Writes a grey (8/16-bit) or RGB (8-bit) PNG atomically (see src/io/atomic.ts).
 *
 * @example
 * declare const mask: Image; // one channel, integer values
 * writePng('/tmp/mask.png', mask, { bitDepth: 16 });
 */
export const writePng = (file: string, img: Image, opts: WriteOptions = {}): void =>
  writeFileAtomic(file, encodePng(img, opts));
