/**
 * TIFF reading through utif2: 8, 16 and 32 bits per sample, unsigned, signed or IEEE float,
 * grey (with optional extra alpha, dropped) or RGB(A), any compression utif2 decodes
 * (none, LZW, Deflate, PackBits, …), single- and multi-page (one `RawImage` per page:
 * microscopy stacks store z-slices or time points as pages).
 *
 * Byte order: utif2 already swaps 16-bit samples of big-endian files to little-endian
 * but leaves 32-bit samples as stored, so 32-bit values are read in the file's order.
 *
 * @example
 * import { readTiff, readTiffPages } from './tiff.js';
 * readTiff('stack.tif').bitDepth;      // first page, e.g. 16
 * readTiffPages('stack.tif').length;   // number of pages
 */
import * as fs from 'node:fs';
import UTIF from 'utif2';
import { DataError, messageOf, shortName } from './errors.js';
import { image, luminance, type RawImage } from './image.js';

export interface TiffOptions {
  /** Convert RGB to one luminance channel (BT.601). Default false. */
  readonly grey?: boolean;
}

type Ifd = UTIF.IFD & { isLE?: boolean };

const tag = (ifd: Ifd, t: number): number | undefined => {
  const v = ifd[`t${t}`];
  return Array.isArray(v) && typeof v[0] === 'number' ? v[0] : undefined;
};

const FORMATS = { 1: 'uint', 2: 'int', 3: 'float' } as const;

/** Decodes one page (IFD) to raw intensities, or throws a DataError naming the problem. */
const decodePage = (buf: ArrayBuffer, ifd: Ifd, file: string, page: number, opts: TiffOptions): RawImage => {
  const where = `${shortName(file)} page ${page}`;
  const width = tag(ifd, 256) ?? 0;
  const height = tag(ifd, 257) ?? 0;
  const bps = tag(ifd, 258) ?? 1;
  const spp = tag(ifd, 277) ?? 1;
  const fmtCode = tag(ifd, 339) ?? 1;
  const photometric = tag(ifd, 262) ?? 1;
  const planar = tag(ifd, 284) ?? 1;
  const fmt = FORMATS[fmtCode as 1 | 2 | 3];
  const bad = (what: string): DataError => new DataError(`${where}: ${what}`, file);
  if (width < 1 || height < 1) throw bad(`size ${width}×${height}; expected a positive width and height`);
  if (bps !== 8 && bps !== 16 && bps !== 32) throw bad(`unsupported bit depth ${bps}; expected 8, 16 or 32 bits per sample`);
  if (fmt === undefined) throw bad(`unsupported sample format ${fmtCode}; expected 1 (uint), 2 (int) or 3 (float)`);
  if (fmt === 'float' && bps !== 32) throw bad(`unsupported ${bps}-bit float; expected 32-bit float`);
  if (photometric > 2) throw bad(`unsupported photometric interpretation ${photometric}; expected 0/1 (grey) or 2 (RGB)`);
  const colour = photometric === 2;
  if (colour ? spp !== 3 && spp !== 4 : spp !== 1 && spp !== 2) {
    throw bad(`unsupported colour type: ${spp} samples per pixel with photometric ${photometric}; expected grey (1, or 2 with alpha) or RGB (3, or 4 with alpha)`);
  }
  if (planar !== 1 && spp > 1) throw bad(`unsupported planar configuration ${planar}; expected 1 (chunky)`);
  // utif2 reads past the end of a cut file as zeros: check that every strip (or tile) is there.
  const offsets = (ifd['t273'] ?? ifd['t324']) as number[] | undefined;
  const counts = (ifd['t279'] ?? ifd['t325']) as number[] | undefined;
  const compression = tag(ifd, 259) ?? 1;
  const rowBytes = (width * spp * bps) / 8;
  (offsets ?? []).forEach((off, i) => {
    const count = compression === 1 && offsets?.length === 1 ? rowBytes * height : counts?.[i] ?? 0;
    if (off + count > buf.byteLength) throw bad(`truncated: pixel data ends at byte ${off + count} but the file has ${buf.byteLength} bytes`);
  });
  try {
    UTIF.decodeImage(buf, ifd);
  } catch (e) {
    throw bad(`cannot decode TIFF data (${messageOf(e)})`);
  }
  const bytesPer = bps / 8;
  const n = width * height;
  const bytes = ifd.data as Uint8Array | undefined;
  if (bytes === undefined || bytes.length < n * spp * bytesPer) {
    throw bad(`truncated: ${bytes?.length ?? 0} bytes of pixel data, expected ${n * spp * bytesPer} for ${width}×${height}×${spp} at ${bps} bits`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le32 = ifd.isLE ?? true;
  const read = (o: number): number => {
    if (bps === 8) return fmt === 'int' ? view.getInt8(o) : view.getUint8(o);
    if (bps === 16) return fmt === 'int' ? view.getInt16(o, true) : view.getUint16(o, true);
    return fmt === 'float' ? view.getFloat32(o, le32) : fmt === 'int' ? view.getInt32(o, le32) : view.getUint32(o, le32);
  };
  const channels = colour ? 3 : 1;
  const data = new Float32Array(channels * n);
  // WhiteIsZero (photometric 0) stores inverted grey: flip unsigned values to BlackIsZero.
  const invert = photometric === 0 && fmt === 'uint' ? 2 ** bps - 1 : undefined;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels; c++) {
      const v = read((i * spp + c) * bytesPer);
      data[c * n + i] = invert === undefined ? v : invert - v;
    }
  }
  const img = image(width, height, channels, data);
  return { image: opts.grey ? luminance(img) : img, bitDepth: bps, sampleFormat: fmt };
};

/** The byte buffer and image pages (IFDs) of a TIFF, or a DataError. */
const parse = (bytes: Uint8Array, file: string): { buf: ArrayBuffer; ifds: Ifd[] } => {
  const b0 = bytes[0];
  const magic = bytes.length >= 8 && b0 === bytes[1] && (b0 === 0x49 || b0 === 0x4d);
  if (!magic) throw new DataError(`${shortName(file)}: not a TIFF file (no II/MM byte-order mark); expected a TIFF image`, file);
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let ifds: Ifd[];
  try {
    ifds = UTIF.decode(buf).filter((d) => d['t256'] !== undefined);
  } catch (e) {
    throw new DataError(`${shortName(file)}: cannot parse TIFF structure (${messageOf(e)})`, file);
  }
  if (ifds.length === 0) throw new DataError(`${shortName(file)}: TIFF has no image pages`, file);
  return { buf, ifds };
};

/**
 * Decodes every page of a TIFF. Throws a DataError for a non-TIFF, truncated or
 * unsupported file, naming the file and the page.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * decodeTiffPages(readFileSync('stack.tif'), 'stack.tif').map((p) => p.image.width);
 */
export const decodeTiffPages = (bytes: Uint8Array, file = '<tiff>', opts: TiffOptions = {}): readonly RawImage[] => {
  const { buf, ifds } = parse(bytes, file);
  return ifds.map((ifd, i) => decodePage(buf, ifd, file, i, opts));
};

/**
 * Decodes one page of a TIFF (default the first).
 *
 * @example
 * decodeTiff(bytes, 'a.tif', { page: 2 });
 */
export const decodeTiff = (bytes: Uint8Array, file = '<tiff>', opts: TiffOptions & { readonly page?: number } = {}): RawImage => {
  const { buf, ifds } = parse(bytes, file);
  const p = opts.page ?? 0;
  const ifd = ifds[p];
  if (ifd === undefined) throw new DataError(`${shortName(file)}: page ${p} does not exist; the file has ${ifds.length} page(s)`, file);
  return decodePage(buf, ifd, file, p, opts);
};

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

/** Reads one page (default 0) of a TIFF file. @example readTiff('a.tif').image */
export const readTiff = (file: string, opts: TiffOptions & { readonly page?: number } = {}): RawImage =>
  decodeTiff(readBytes(file), file, opts);
