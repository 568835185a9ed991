/**
 * Reading any supported image file by its extension: `.png` through pngjs, `.tif`/`.tiff`
 * through utif2 (a multi-page TIFF needs `page`: unet-ts reads one page per image and
 * will not silently pick the first). Extensions are matched ignoring case.
 *
 * Nothing broken gets through: a truncated or damaged file, a size over `maxPixels`
 * (default `DEFAULT_MAX_PIXELS`, 2^28, checked on the header before decoding) or a NaN /
 * ±Infinity pixel is a DataError naming the file (see png.ts, tiff.ts).
 * Bytes already in memory (an upload, a fetch) are decoded by `decodeImage`, which tells
 * PNG from TIFF by the file signature instead.
 *
 * @example
 * import { readImageFile } from './image-file.js';
 * const { image, bitDepth } = readImageFile('images/00.png', { grey: true });
 */
import * as path from 'node:path';
import { DataError, shortName } from './errors.js';
import { maxValue, normalize, type Image, type NormalizeMode, type RawImage } from './image.js';
import { decodePng, readPng } from './png.js';
import { decodeTiff, readTiff } from './tiff.js';

export { DEFAULT_MAX_PIXELS } from './limits.js';

/**
 * File extensions `readImageFile` understands (lower case, with the dot).
 *
 * @example
 * IMAGE_EXTENSIONS.includes('.tif'); // true
 */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.tif', '.tiff'];

/** True when the file name has a supported image extension. @example isImageFile('a.TIF') // true */
export const isImageFile = (file: string): boolean => IMAGE_EXTENSIONS.includes(path.extname(file).toLowerCase());

export interface ImageFileOptions {
  /** Convert RGB to one luminance channel. Default false. */
  readonly grey?: boolean;
  /** PNG palette images: return indices instead of colours (for indexed label images). */
  readonly paletteIndex?: boolean;
  /** TIFF page. Required for a multi-page TIFF; a single-page one needs none. */
  readonly page?: number;
  /** Largest width × height accepted, checked on the header before decoding. Default `DEFAULT_MAX_PIXELS` (2^28). */
  readonly maxPixels?: number;
}

/**
 * Reads raw intensities and bit depth of a PNG or TIFF file.
 * Throws a DataError for an unsupported extension or a bad file.
 *
 * @example
 * readImageFile('stack.tiff', { page: 3 }).image.width;
 */
export const readImageFile = (file: string, opts: ImageFileOptions = {}): RawImage => {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.png') return readPng(file, opts);
  if (ext === '.tif' || ext === '.tiff') return readTiff(file, opts);
  throw new DataError(`${shortName(file)}: unsupported file type '${ext}'; expected ${IMAGE_EXTENSIONS.join(', ')}`, file);
};

/** Options of `readImage` and `decodeImage`: decoding plus how intensities are normalised. */
export interface ReadImageOptions extends ImageFileOptions {
  /** How intensities become network input (see `normalize`). Default 'per-image'. */
  readonly normalize?: NormalizeMode;
}

/** What `readImage` and `decodeImage` return: the raw image normalised as `opts` asks. */
const normalized = (raw: RawImage, opts: ReadImageOptions): Image => normalize(opts.normalize ?? 'per-image', maxValue(raw))(raw.image);

/**
 * Reads an image file and normalises its intensities (`normalize`; 'range' divides by
 * the bit depth's maximum for unsigned-integer files, min–max for signed and float files).
 *
 * @example
 * readImage('images/00.png', { normalize: 'per-image' }); // zero mean, unit std
 */
export const readImage = (file: string, opts: ReadImageOptions = {}): Image => normalized(readImageFile(file, opts), opts);

/** The image format a byte buffer starts with, by its signature; undefined for anything else. */
const imageFormat = (bytes: Uint8Array): 'png' | 'tiff' | undefined => {
  const starts = (sig: readonly number[]): boolean => bytes.length >= sig.length && sig.every((b, i) => bytes[i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47])) return 'png'; // \x89 P N G
  if (starts([0x49, 0x49, 0x2a, 0x00]) || starts([0x4d, 0x4d, 0x00, 0x2a])) return 'tiff'; // II*\0, MM\0*
  return undefined;
};

/**
 * Decodes PNG or TIFF bytes to raw intensities and bit depth, telling the format from the
 * signature (not from a name). `name` (default `'<buffer>'`) names the source in errors.
 * Throws a DataError for unknown, truncated or unsupported bytes.
 */
const decodeImageBytes = (bytes: Uint8Array, opts: ImageFileOptions & { readonly name?: string } = {}): RawImage => {
  const name = opts.name ?? '<buffer>';
  const format = imageFormat(bytes);
  if (format === 'png') return decodePng(bytes, name, opts);
  if (format === 'tiff') return decodeTiff(bytes, name, opts);
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
  throw new DataError(
    `${shortName(name)}: unknown image format (${bytes.length === 0 ? 'no bytes' : `first bytes ${head}`}); expected PNG (starting 89 50 4E 47) or TIFF (starting II*\\0 or MM\\0*)`,
    opts.name,
  );
};

/**
 * Decodes a PNG or TIFF image held in memory (a `Buffer` from `fs.readFile`, an upload, a
 * fetch) and normalises it exactly as `readImage` does a file: the format comes from the
 * bytes' signature, `normalize` defaults to 'per-image', a multi-page TIFF needs `page`. `name` (default `'<buffer>'`) names the source in error messages.
 * Throws a DataError for bytes that are neither PNG nor TIFF, or a bad or unsupported image.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * import { createRuntime, loadCheckpoint, decodeImage, segmentImage } from 'unet-ts';
 * const img = decodeImage(readFileSync('cells.png'), { name: 'cells.png' });
 * const seg = await segmentImage(await createRuntime(), await loadCheckpoint('model.safetensors'), img);
 */
export const decodeImage = (bytes: Uint8Array, opts: ReadImageOptions & { readonly name?: string } = {}): Image =>
  normalized(decodeImageBytes(bytes, opts), opts);
