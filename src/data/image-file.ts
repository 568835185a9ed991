/**
 * Reading any supported image file by its extension: `.png` through pngjs, `.tif`/`.tiff`
 * through utif2 (first page unless `page` is given). Extensions are matched ignoring case.
 *
 * @example
 * import { readImageFile } from './image-file.js';
 * const { image, bitDepth } = readImageFile('images/00.png', { grey: true });
 */
import * as path from 'node:path';
import { DataError, shortName } from './errors.js';
import { maxValue, normalize, type Image, type NormalizeMode, type RawImage } from './image.js';
import { readPng } from './png.js';
import { readTiff } from './tiff.js';

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
  /** TIFF page. Default 0. */
  readonly page?: number;
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

/**
 * Reads an image file and normalises its intensities (`normalize`; 'range' divides by
 * the bit depth's maximum for unsigned-integer files, min–max for signed and float files).
 *
 * @example
 * readImage('images/00.png', { normalize: 'per-image' }); // zero mean, unit std
 */
export const readImage = (file: string, opts: ImageFileOptions & { readonly normalize?: NormalizeMode } = {}): Image => {
  const raw = readImageFile(file, opts);
  return normalize(opts.normalize ?? 'per-image', maxValue(raw))(raw.image);
};
