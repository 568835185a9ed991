/**
 * The project's one PNG codec (through pngjs): raw intensities of data images in and out,
 * and 8-bit RGB pictures (plot's `Raster`, see `encodeRgbPng`) out.
 *
 * Reading handles every PNG the standard allows: 1/2/4/8/16-bit grey, grey+alpha, RGB,
 * RGBA and palette images, interlaced or not. Values are not rescaled (`skipRescale`), so a
 * 16-bit instance label 300 reads as 300 and a 1-bit mask as 0/1. Alpha is dropped (it is
 * not intensity). A grey `tRNS` colour is stripped before decoding, because pngjs would
 * otherwise zero the pixels of that grey value. Palette images give their colours (one
 * channel when the palette is grey), or with `paletteIndex: true` the palette index, which
 * is what indexed label images store.
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
import { image, luminance, type Image, type RawImage } from './image.js';

export interface ReadOptions {
  /** Convert RGB to one luminance channel (BT.601). Default false: RGB stays 3 channels. */
  readonly grey?: boolean;
  /** Palette images: return the palette index instead of the colour. Default false. */
  readonly paletteIndex?: boolean;
}

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

/**
 * The PNG without its tRNS chunk when the image is not paletted: pngjs replaces the
 * transparent grey/RGB value by 0, which would corrupt intensities and labels.
 */
const withoutGreyTransparency = (buf: Buffer): Buffer => {
  if (buf.length < 33 || !buf.subarray(0, 8).equals(SIGNATURE) || buf[25] === 3) return buf;
  const parts: Buffer[] = [buf.subarray(0, 8)];
  let pos = 8;
  let found = false;
  while (pos + 12 <= buf.length) {
    const len = buf.readUInt32BE(pos);
    const end = pos + 12 + len;
    if (end > buf.length) return buf; // truncated: let pngjs report it
    if (buf.toString('latin1', pos + 4, pos + 8) === 'tRNS') found = true;
    else parts.push(buf.subarray(pos, end));
    pos = end;
  }
  return found ? Buffer.concat(parts) : buf;
};

const COLOUR_TYPES: Record<number, { readonly name: string; readonly depths: readonly number[] }> = {
  0: { name: 'grey', depths: [1, 2, 4, 8, 16] },
  2: { name: 'RGB', depths: [8, 16] },
  3: { name: 'palette', depths: [1, 2, 4, 8] },
  4: { name: 'grey+alpha', depths: [8, 16] },
  6: { name: 'RGBA', depths: [8, 16] },
};

/** Checks the IHDR header ourselves: pngjs reports a bad depth or type only vaguely. */
const checkHeader = (buf: Buffer, file: string): void => {
  if (buf.length < 33 || buf.toString('latin1', 12, 16) !== 'IHDR') {
    throw new DataError(`${shortName(file)}: PNG without an IHDR header (truncated?); expected a complete PNG`, file);
  }
  const depth = buf[24]!;
  const type = buf[25]!;
  const ct = COLOUR_TYPES[type];
  if (ct === undefined) {
    throw new DataError(`${shortName(file)}: unsupported colour type ${type}; expected 0 (grey), 2 (RGB), 3 (palette), 4 (grey+alpha) or 6 (RGBA)`, file);
  }
  if (!ct.depths.includes(depth)) {
    throw new DataError(`${shortName(file)}: unsupported bit depth ${depth} for colour type ${type} (${ct.name}); expected ${ct.depths.join(', ')}`, file);
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
 * Throws a DataError for a non-PNG, truncated or unsupported file.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * decodePng(readFileSync('a.png'), 'a.png').image.channels; // 1 for grey
 */
export const decodePng = (bytes: Uint8Array, file = '<png>', opts: ReadOptions = {}): RawImage => {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) {
    throw new DataError(`${shortName(file)}: not a PNG file (no PNG signature); expected a PNG image`, file);
  }
  checkHeader(buf, file);
  let png: ReturnType<typeof PNG.sync.read> & { palette?: number[][] | boolean };
  try {
    png = PNG.sync.read(withoutGreyTransparency(buf), { skipRescale: true }) as typeof png;
  } catch (e) {
    throw new DataError(`${shortName(file)}: cannot decode PNG (${messageOf(e)}); expected a complete PNG with bit depth 1, 2, 4, 8 or 16 and colour type 0, 2, 3, 4 or 6`, file);
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

/** PNG bytes of interleaved samples, the layout PNG stores: the one encoder of both entry points. */
const encodeSamples = (width: number, height: number, channels: 1 | 3, depth: 8 | 16, samples: Uint8Array | Uint16Array): Buffer => {
  const colorType = channels === 1 ? 0 : 2;
  const png = new PNG({ width, height, bitDepth: depth, colorType, inputColorType: colorType, inputHasAlpha: false });
  // pngjs reads 16-bit input as host-order Uint16 over this buffer's ArrayBuffer.
  png.data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  return PNG.sync.write(png, { bitDepth: depth, colorType, inputColorType: colorType, inputHasAlpha: false, deflateLevel: zlib.constants.Z_DEFAULT_COMPRESSION });
};

/**
 * Encodes a 1-channel (grey) or 3-channel (RGB) image as PNG bytes. Values are written as
 * they are, rounded and clamped to 0…2^bits − 1: scale them first (e.g. ×255) if needed.
 *
 * @example
 * encodePng(image(2, 1, 1, Float32Array.of(0, 65535)), { bitDepth: 16 });
 */
export const encodePng = (img: Image, opts: WriteOptions = {}): Buffer => {
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
 * bytes, without copying them into a float image first. Decode with `decodePng`.
 *
 * @example
 * encodeRgbPng({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(255) }); // a white 64×64 PNG
 */
export const encodeRgbPng = (p: RgbPixels): Buffer => {
  if (p.data.length !== 3 * p.width * p.height) {
    throw new DataError(`encodeRgbPng: ${p.data.length} bytes for ${p.width}×${p.height} pixels; expected ${3 * p.width * p.height} (3 per pixel)`);
  }
  return encodeSamples(p.width, p.height, 3, 8, p.data);
};

/**
 * Writes a grey (8/16-bit) or RGB (8-bit) PNG atomically (see src/io/atomic.ts).
 *
 * @example
 * declare const mask: Image; // one channel, integer values
 * writePng('/tmp/mask.png', mask, { bitDepth: 16 });
 */
export const writePng = (file: string, img: Image, opts: WriteOptions = {}): void =>
  writeFileAtomic(file, encodePng(img, opts));
