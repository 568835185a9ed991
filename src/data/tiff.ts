/**
 * TIFF files: `readTiff` and `readTiffPages` read a file and decode it with tiff-decode.ts
 * (8, 16 and 32 bits per sample, grey or RGB, stripped or tiled, uncompressed, LZW, Deflate
 * or PackBits, single- and multi-page; damaged files refused with a DataError naming the
 * file and page), which this module re-exports.
 *
 * @example
 * import { readTiff, readTiffPages } from './tiff.js';
 * readTiff('stack.tif', { page: 0 }).bitDepth; // first page, e.g. 16
 * readTiffPages('stack.tif').length;           // number of pages
 */
import * as fs from 'node:fs';
import { DataError, messageOf, shortName } from './errors.js';
import type { RawImage } from './image.js';
import { decodeTiff, decodeTiffPages, type TiffOptions } from './tiff-decode.js';

export { decodeTiff, decodeTiffPages, type TiffOptions } from './tiff-decode.js';

const readBytes = (file: string): Buffer => {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new DataError(`${shortName(file)}: cannot read file (${messageOf(e)})`, file);
  }
};

/** Reads every page of a TIFF file. @example readTiffPages('stack.tif') */
export const readTiffPages = (file: string, opts: TiffOptions = {}): readonly RawImage[] =>
  decodeTiffPages(readBytes(file), file, opts);

/** Reads one page of a TIFF file (`page` required when it has several, see `decodeTiff`). @example readTiff('a.tif').image */
export const readTiff = (file: string, opts: TiffOptions & { readonly page?: number } = {}): RawImage =>
  decodeTiff(readBytes(file), file, opts);
