/**
 * TIFF reading through utif2: 8, 16 and 32 bits per sample, unsigned, signed or IEEE float,
 * grey (with optional extra alpha, dropped) or RGB(A), stripped or tiled, uncompressed or
 * LZW, Deflate or PackBits (with or without the horizontal predictor), single- and
 * multi-page (`readTiffPages`: one `RawImage` per page, as microscopy stacks store
 * z-slices or time points; `readTiff` of a multi-page file needs the `page` to read).
 *
 * Damaged files are refused with a DataError naming the file and page, never decoded
 * into zeros: every strip or tile must lie inside the file and decode to exactly the
 * bytes its rows need (see `decodeSegment`), the size must be within `maxPixels` (checked
 * on the IFD before anything is decoded), and float pages must hold only finite values.
 * TIFF has no checksums, so a damaged byte inside uncompressed pixel data cannot be told
 * from a real value; everything that changes the layout can.
 *
 * Byte order: utif2 already swaps 16-bit samples of big-endian files to little-endian
 * but leaves 32-bit samples as stored, so 32-bit values are read in the file's order.
 *
 * This module decodes bytes and needs no Node built-in (Deflate through inflate.ts), so the
 * browser build decodes TIFFs too; tiff.ts adds reading files.
 *
 * @example
 * declare const bytes: Uint8Array; // a TIFF file's bytes: an upload, a fetch
 * decodeTiff(bytes, 'stack.tif', { page: 0 }).bitDepth; // first page, e.g. 16
 * decodeTiffPages(bytes, 'stack.tif').length;           // number of pages
 */
import UTIF from 'utif2';
import { DataError, messageOf, shortName } from './errors.js';
import { inflateZlib } from './inflate.js';
import { image, luminance, type RawImage } from './image.js';
import { DEFAULT_MAX_PIXELS, checkPixelCount, describeNonFinite, firstNonFinite } from './limits.js';

type Ifd = UTIF.IFD & { isLE?: boolean };

const tag = (ifd: Ifd, t: number): number | undefined => {
  const v = ifd[`t${t}`];
  return Array.isArray(v) && typeof v[0] === 'number' ? v[0] : undefined;
};

const FORMATS = { 1: 'uint', 2: 'int', 3: 'float' } as const;

/** Compressions whose strips are decoded and checked here: none, LZW, Deflate (both codes), PackBits. */
const COMPRESSIONS: Record<number, string> = { 1: 'none', 5: 'LZW', 8: 'Deflate', 32946: 'Deflate', 32773: 'PackBits' };

/**
 * utif2's per-strip decoder (not in its typings): decompresses `len` bytes at `off` of
 * `data` into `tgt` from `toff`, then swaps 16-bit big-endian samples and undoes the
 * horizontal predictor over `h` rows of `w` pixels.
 */
type Decompress = (img: Ifd, ifds: Ifd[], data: Uint8Array, off: number, len: number, cmpr: number, tgt: Uint8Array, toff: number, fo: number, w: number, h: number) => void;
/** Padding after a strip, more than utif2's decoders read past a strip's end (PackBits: 128). */
const OVERRUN = 1024;
const decompress = (UTIF.decode as unknown as { readonly _decompress: Decompress })._decompress;

/**
 * Decodes one strip or tile of `size` bytes, refusing one that decodes to fewer bytes.
 * An uncompressed strip is already known to lie inside the file (see `pixelBytes`).
 *
 * utif2's decoders write into a caller's buffer and report nothing: a cut or corrupt LZW /
 * PackBits strip simply leaves the rest of the buffer as it was. So the strip is decoded
 * twice, into a buffer of zeros and one of 0xFF, from the strip followed by padding of
 * zeros or 0xFF: a byte the decoder did not write, or wrote from beyond the strip, differs
 * between the two, and the first such byte says how much was decoded. Deflate is
 * inflated here by inflate.ts instead (utif2 skips the Adler-32 check and drops an
 * over-long strip silently): the stream must be complete and exactly `size` bytes.
 */
const decodeSegment = (
  ifd: Ifd,
  data: Uint8Array,
  off: number,
  len: number,
  compression: number,
  size: number,
  w: number,
  h: number,
  what: string,
  bad: (what: string) => DataError,
): Uint8Array => {
  const fillOrder = tag(ifd, 266) ?? 1;
  let src = data;
  let srcOff = off;
  let cmpr = compression;
  if (compression === 8 || compression === 32946) {
    let inflated: Uint8Array;
    try {
      inflated = inflateZlib(data.subarray(off, off + len));
      if (inflated.length > size) throw new Error(`inflates to ${inflated.length} bytes, more than the strip holds`);
    } catch (e) {
      throw bad(`${what}: damaged Deflate data (${messageOf(e)}); expected ${size} bytes`);
    }
    if (inflated.length !== size) throw bad(`${what}: truncated: ${inflated.length} of ${size} bytes after Deflate`);
    // the predictor and byte swapping still come from utif2, run on the inflated bytes
    src = inflated;
    srcOff = 0;
    len = size;
    cmpr = 1;
  }
  if (cmpr === 1) {
    // raw bytes (stored so, or inflated above), all inside the file: one copy writes every
    // byte, so the two-run check below is not needed (it would double a big page's memory)
    const out = new Uint8Array(size);
    try {
      decompress(ifd, [ifd], src, srcOff, size, 1, out, 0, fillOrder, w, h);
    } catch (e) {
      throw bad(`${what}: cannot decode pixel data (${messageOf(e)})`);
    }
    return out;
  }
  const run = (fill: number): Uint8Array => {
    // the strip alone, followed by padding: utif2's decoders do not stop at the strip's end
    // (a PackBits literal run copies on into whatever follows), so what they read past it
    // must differ between the two runs too
    const input = new Uint8Array(len + OVERRUN).fill(fill);
    input.set(src.subarray(srcOff, srcOff + len));
    const out = new Uint8Array(size).fill(fill); // its own ArrayBuffer: utif2's PackBits views tgt.buffer
    try {
      decompress(ifd, [ifd], input, 0, len, cmpr, out, 0, fillOrder, w, h);
    } catch (e) {
      throw bad(`${what}: cannot decode ${COMPRESSIONS[compression]} data (${messageOf(e)})`);
    }
    return out;
  };
  const zeros = run(0);
  const ones = run(0xff);
  for (let i = 0; i < size; i++) {
    if (zeros[i] !== ones[i]) throw bad(`${what}: truncated: decodes to ${i} of ${size} bytes (${COMPRESSIONS[compression]} data cut short or damaged)`);
  }
  return zeros;
};

/**
 * The pixel bytes of a page, strip by strip (or tile by tile), each checked complete; the
 * file's byte order kept for 32-bit samples, 16-bit ones swapped to little-endian.
 */
const pixelBytes = (buf: ArrayBuffer, ifd: Ifd, width: number, height: number, bitsPerPixel: number, bad: (what: string) => DataError): Uint8Array => {
  const data = new Uint8Array(buf);
  const compression = tag(ifd, 259) ?? 1;
  const rowBytes = Math.ceil((width * bitsPerPixel) / 8);
  const out = new Uint8Array(rowBytes * height);
  const list = (t: number): readonly number[] => {
    const v = ifd[`t${t}`];
    return Array.isArray(v) ? (v as unknown[]).filter((x): x is number => typeof x === 'number') : [];
  };
  const tiled = ifd['t322'] !== undefined;
  const offsets = list(tiled ? 324 : 273);
  const counts = list(tiled ? 325 : 279);
  const segment = (i: number, size: number, w: number, h: number, what: string): Uint8Array => {
    const off = offsets[i];
    // uncompressed single-strip files often omit or misstate the byte count; the size is known
    const count = compression === 1 ? size : counts[i];
    if (off === undefined || count === undefined) {
      throw bad(`${what}: no ${off === undefined ? 'offset' : 'byte count'} in the ${tiled ? 'Tile' : 'Strip'}${off === undefined ? 'Offsets' : 'ByteCounts'} tag (${offsets.length} offsets, ${counts.length} counts); the file is damaged`);
    }
    // utif2 reads past the end of a cut file as zeros: every strip must lie inside the file
    if (off + count > data.length) throw bad(`truncated: ${what} ends at byte ${off + count} but the file has ${data.length} bytes`);
    return decodeSegment(ifd, data, off, count, compression, size, w, h, what, bad);
  };
  if (tiled) {
    const tw = tag(ifd, 322) ?? 0;
    const th = tag(ifd, 323) ?? 0;
    if (!(tw >= 1 && th >= 1)) throw bad(`tile size ${tw}×${th}; expected a positive tile width and height`);
    const across = Math.ceil(width / tw);
    const tileRow = Math.ceil((tw * bitsPerPixel) / 8);
    for (let ty = 0; ty < Math.ceil(height / th); ty++) {
      for (let tx = 0; tx < across; tx++) {
        const tile = segment(ty * across + tx, tileRow * th, tw, th, `tile ${ty * across + tx}`);
        const x0 = Math.ceil((tx * tw * bitsPerPixel) / 8);
        const n = Math.min(tileRow, rowBytes - x0);
        for (let r = 0; r < th && ty * th + r < height; r++) out.set(tile.subarray(r * tileRow, r * tileRow + n), (ty * th + r) * rowBytes + x0);
      }
    }
  } else {
    const rps = Math.min(tag(ifd, 278) ?? height, height);
    if (!(rps >= 1)) throw bad(`RowsPerStrip ${rps}; expected a positive number`);
    for (let i = 0, y = 0; y < height; i++, y += rps) {
      const rows = Math.min(rps, height - y);
      out.set(segment(i, rows * rowBytes, width, rows, `strip ${i}`), y * rowBytes);
    }
  }
  return out;
};

export interface TiffOptions {
  /** Convert RGB to one luminance channel (BT.601). Default false. */
  readonly grey?: boolean;
  /** Largest width × height accepted per page, checked on the IFD before decoding. Default `DEFAULT_MAX_PIXELS` (2^28). */
  readonly maxPixels?: number;
}

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
  const compression = tag(ifd, 259) ?? 1;
  const predictor = tag(ifd, 317) ?? 1;
  const fmt = FORMATS[fmtCode as 1 | 2 | 3];
  const bad = (what: string): DataError => new DataError(`${where}: ${what}`, file);
  // `!(x >= 1)` also catches NaN, which a damaged IFD can give
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1)) {
    throw bad(`size ${width}×${height}; expected a positive width and height`);
  }
  const tooBig = checkPixelCount(width, height, opts.maxPixels ?? DEFAULT_MAX_PIXELS);
  if (tooBig !== undefined) throw bad(tooBig);
  if (bps !== 8 && bps !== 16 && bps !== 32) throw bad(`unsupported bit depth ${bps}; expected 8, 16 or 32 bits per sample`);
  if (fmt === undefined) throw bad(`unsupported sample format ${fmtCode}; expected 1 (uint), 2 (int) or 3 (float)`);
  if (fmt === 'float' && bps !== 32) throw bad(`unsupported ${bps}-bit float; expected 32-bit float`);
  if (photometric > 2) throw bad(`unsupported photometric interpretation ${photometric}; expected 0/1 (grey) or 2 (RGB)`);
  const colour = photometric === 2;
  if (colour ? spp !== 3 && spp !== 4 : spp !== 1 && spp !== 2) {
    throw bad(`unsupported colour type: ${spp} samples per pixel with photometric ${photometric}; expected grey (1, or 2 with alpha) or RGB (3, or 4 with alpha)`);
  }
  if (planar !== 1 && spp > 1) throw bad(`unsupported planar configuration ${planar}; expected 1 (chunky)`);
  if (COMPRESSIONS[compression] === undefined) {
    throw bad(`unsupported compression ${compression}; expected 1 (none), 5 (LZW), 8 or 32946 (Deflate) or 32773 (PackBits)`);
  }
  if (predictor !== 1 && predictor !== 2) throw bad(`unsupported predictor ${predictor}; expected 1 (none) or 2 (horizontal differencing)`);
  // utif2 swaps 16-bit samples of big-endian files (by this flag) but not 32-bit ones
  ifd.isLE = new Uint8Array(buf, 0, 1)[0] === 0x49;
  const bytes = pixelBytes(buf, ifd, width, height, bps * spp, bad);
  const bytesPer = bps / 8;
  const n = width * height;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le32 = ifd.isLE;
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
  if (fmt === 'float') {
    // a NaN or ±Infinity would turn every probability of the image into NaN (then 0)
    const nonFinite = firstNonFinite(data, width, height);
    if (nonFinite !== undefined) throw bad(`${describeNonFinite(nonFinite)}; expected finite values`);
  }
  const img = image(width, height, channels, data);
  return { image: opts.grey ? luminance(img) : img, bitDepth: bps, sampleFormat: fmt };
};

/** Bytes per value of each TIFF field type (TIFF 6.0 Sec. 2, plus BigTIFF's 8-byte ones). */
const FIELD_BYTES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };

/**
 * Walks the chain of IFDs of a classic TIFF and checks that every directory, and every
 * tag value stored outside it, lies inside the file. utif2 reads past the end of a cut
 * file as zeros without a word, so a truncated directory would lose its last tags (the
 * sample format, say: floats read as integers) and still decode. Also stops a cycle of
 * IFD offsets. BigTIFF (version 43) is left to utif2.
 */
const checkIfdChain = (view: DataView, le: boolean, file: string): void => {
  const bad = (what: string): DataError => new DataError(`${shortName(file)}: ${what}`, file);
  const size = view.byteLength;
  const version = view.getUint16(2, le);
  if (version === 43) return;
  if (version !== 42) throw bad(`TIFF version ${version}; expected 42 (or 43 for BigTIFF)`);
  const seen = new Set<number>();
  for (let at = view.getUint32(4, le), page = 0; at !== 0; page++) {
    if (seen.has(at)) throw bad(`IFD ${page} at byte ${at} repeats an earlier one (a cycle of directory offsets); the file is damaged`);
    seen.add(at);
    if (at + 2 > size) throw bad(`truncated: IFD ${page} starts at byte ${at} but the file has ${size} bytes`);
    const n = view.getUint16(at, le);
    const end = at + 2 + 12 * n + 4;
    if (end > size) throw bad(`truncated: IFD ${page} (${n} tags) ends at byte ${end} but the file has ${size} bytes`);
    for (let k = 0; k < n; k++) {
      const e = at + 2 + 12 * k;
      const tagId = view.getUint16(e, le);
      const type = view.getUint16(e + 2, le);
      const per = FIELD_BYTES[type];
      // unknown types are skipped by readers (TIFF 6.0 Sec. 2); utif2 does the same
      if (per === undefined) continue;
      const bytes = per * view.getUint32(e + 4, le);
      if (bytes > 4 && view.getUint32(e + 8, le) + bytes > size) {
        throw bad(`truncated: tag ${tagId} of IFD ${page} has ${bytes} bytes at byte ${view.getUint32(e + 8, le)}, past the end of the file (${size} bytes)`);
      }
    }
    at = view.getUint32(end - 4, le);
  }
};

/** The byte buffer and image pages (IFDs) of a TIFF, or a DataError. */
const parse = (bytes: Uint8Array, file: string): { buf: ArrayBuffer; ifds: Ifd[] } => {
  const b0 = bytes[0];
  const magic = bytes.length >= 8 && b0 === bytes[1] && (b0 === 0x49 || b0 === 0x4d);
  if (!magic) throw new DataError(`${shortName(file)}: not a TIFF file (no II/MM byte-order mark); expected a TIFF image`, file);
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  checkIfdChain(new DataView(buf), b0 === 0x49, file);
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
 * Decodes one page of a TIFF. A single-page file needs no `page`; a multi-page file
 * (a z-stack, a time series, a pyramid) must say which page to read — reading page 0
 * silently would segment one slice of a stack and say nothing — so without `page` it is
 * a DataError naming the page count (`decodeTiffPages` reads them all).
 *
 * @example
 * decodeTiff(bytes, 'a.tif', { page: 2 });
 */
export const decodeTiff = (bytes: Uint8Array, file = '<tiff>', opts: TiffOptions & { readonly page?: number } = {}): RawImage => {
  const { buf, ifds } = parse(bytes, file);
  if (opts.page === undefined && ifds.length > 1) {
    throw new DataError(
      `${shortName(file)}: TIFF has ${ifds.length} pages; unet-ts reads one page per image: choose one with the page option (0…${ifds.length - 1}; on the command line --page N), or read all with readTiffPages`,
      file,
    );
  }
  const p = opts.page ?? 0;
  const ifd = ifds[p];
  if (ifd === undefined) throw new DataError(`${shortName(file)}: page ${p} does not exist; the file has ${ifds.length} page(s)`, file);
  return decodePage(buf, ifd, file, p, opts);
};

