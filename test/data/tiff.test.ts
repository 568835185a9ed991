import * as zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/errors.js';
import { decodeTiff, decodeTiffPages, readTiff, readTiffPages } from '../../src/data/tiff.js';
import { packBits, put, sampleBytes, tempDir, tiffBytes, type TiffPage } from './helpers.js';
import { errorOf } from '../helpers/errors.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const grey = (bitsPerSample: number, sampleFormat: number, values: number[], width = 3): TiffPage => ({
  width,
  height: values.length / width,
  bitsPerSample,
  sampleFormat,
  samplesPerPixel: 1,
  photometric: 1,
  values,
});

describe('TIFF reading', () => {
  const cases: [string, TiffPage][] = [
    ['8-bit uint', grey(8, 1, [0, 1, 2, 253, 254, 255])],
    ['16-bit uint', grey(16, 1, [0, 300, 4095, 65535, 1, 2])],
    ['16-bit int', grey(16, 2, [-32768, -1, 0, 1, 2, 32767])],
    ['32-bit uint', grey(32, 1, [0, 70000, 16777216, 3, 2, 1])],
    ['32-bit float', grey(32, 3, [-1.5, 0, 0.25, 3.0e5, 1e-3, 7])],
  ];
  for (const le of [true, false]) {
    it.each(cases)(`%s (${le ? 'little' : 'big'}-endian) reads raw values and bit depth`, (_, page) => {
      const raw = decodeTiff(tiffBytes([page], le), 't.tif');
      expect(raw.bitDepth).toBe(page.bitsPerSample);
      expect(raw.sampleFormat).toBe(({ 1: 'uint', 2: 'int', 3: 'float' } as const)[page.sampleFormat as 1 | 2 | 3]);
      expect(Array.from(raw.image.data)).toEqual(page.values.map((v) => Math.fround(v)));
    });
  }

  it('multi-page: every page, or the one asked for', () => {
    const pages = [grey(16, 1, [1, 2, 3]), grey(16, 1, [4, 5, 6]), grey(16, 1, [7, 8, 9])];
    const file = put(tmp.dir, 'stack.tif', tiffBytes(pages));
    expect(readTiffPages(file).map((p) => Array.from(p.image.data))).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    expect(Array.from(readTiff(file, { page: 2 }).image.data)).toEqual([7, 8, 9]);
    expect(() => readTiff(file, { page: 3 })).toThrow(/page 3 does not exist; the file has 3/);
  });

  it('RGB(A): 3 planar channels, alpha dropped; grey: true gives luminance', () => {
    const rgba: TiffPage = { width: 2, height: 1, bitsPerSample: 8, sampleFormat: 1, samplesPerPixel: 4, photometric: 2, values: [10, 20, 30, 255, 40, 50, 60, 0] };
    const raw = decodeTiff(tiffBytes([rgba]));
    expect(raw.image.channels).toBe(3);
    expect(Array.from(raw.image.data)).toEqual([10, 40, 20, 50, 30, 60]);
    expect(decodeTiff(tiffBytes([rgba]), 'x.tif', { grey: true }).image.data[0]).toBeCloseTo(0.299 * 10 + 0.587 * 20 + 0.114 * 30, 4);
  });

  it('WhiteIsZero grey is inverted to BlackIsZero', () => {
    const page = { ...grey(8, 1, [0, 255, 5]), photometric: 0 };
    expect(Array.from(decodeTiff(tiffBytes([page])).image.data)).toEqual([255, 0, 250]);
  });
});

describe('bad TIFF files', () => {
  const fails = (bytes: Uint8Array, ...parts: string[]): void => {
    let err: unknown;
    try {
      decodeTiffPages(bytes, '/data/images/x.tif');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).file).toBe('/data/images/x.tif');
    for (const p of parts) expect((err as Error).message).toContain(p);
  };

  it('unsupported bit depth', () => fails(patchDepth(12), 'images/x.tif', 'bit depth 12'));
  it('unsupported colour type (palette photometric)', () => fails(tiffBytes([{ ...grey(8, 1, [1, 2, 3]), photometric: 3 }]), 'photometric interpretation 3'));
  it('a non-TIFF file', () => fails(Buffer.from('GIF89a......'), 'not a TIFF'));
  it('a truncated file', () => {
    const whole = tiffBytes([grey(16, 1, Array.from({ length: 300 }, (_, i) => i), 30)]);
    // Keep the header and IFD but drop most of the pixel data: move the IFD first.
    fails(truncatedPixels(whole), 'truncated');
  });
});

/** A TIFF whose bits-per-sample tag says 12. */
function patchDepth(bits: number): Buffer {
  const b = tiffBytes([grey(16, 1, [1, 2, 3])]);
  // Find tag 258 (LE) in the IFD and set its inline value.
  for (let i = 8; i + 12 <= b.length; i += 2) {
    if (b.readUInt16LE(i) === 258 && b.readUInt16LE(i + 2) === 3 && b.readUInt32LE(i + 4) === 1) {
      b.writeUInt16LE(bits, i + 8);
      return b;
    }
  }
  throw new Error('tag 258 not found');
}

/** The same TIFF with its strip byte count and file cut short of the pixel data. */
function truncatedPixels(whole: Buffer): Buffer {
  const ifdAt = whole.readUInt32LE(4);
  const n = whole.readUInt16LE(ifdAt);
  const ifd = whole.subarray(ifdAt, ifdAt + 2 + 12 * n + 4);
  // New layout: header, IFD, then only 10 bytes of pixels.
  const out = Buffer.alloc(8 + ifd.length + 10);
  whole.copy(out, 0, 0, 8);
  out.writeUInt32LE(8, 4);
  ifd.copy(out, 8);
  for (let k = 0; k < n; k++) {
    const o = 8 + 2 + 12 * k;
    if (out.readUInt16LE(o) === 273) out.writeUInt32LE(8 + ifd.length, o + 8);
  }
  return out;
}

describe('issue 18: damaged, huge, multi-page and non-finite TIFFs', () => {
  const values = Array.from({ length: 24 }, (_, i) => 10 * i);
  const page8 = (over: Partial<TiffPage> = {}): TiffPage => ({ ...grey(8, 1, values, 6), ...over });
  const raw = sampleBytes(page8());

  it('PackBits, Deflate and tiled pages decode to the stored values', () => {
    expect(Array.from(decodeTiff(tiffBytes([page8({ compression: 32773, segments: [packBits(raw)] })])).image.data)).toEqual(values);
    expect(Array.from(decodeTiff(tiffBytes([page8({ compression: 8, segments: [zlib.deflateSync(raw)] })])).image.data)).toEqual(values);
    // two strips of 3 and 1 rows
    const strips = [packBits(raw.subarray(0, 18)), packBits(raw.subarray(18))];
    expect(Array.from(decodeTiff(tiffBytes([page8({ compression: 32773, rowsPerStrip: 3, segments: strips })])).image.data)).toEqual(values);
    // 6×4 in 4×4 tiles: the right tile is padded to 4 columns
    const tile = (x0: number): Uint8Array => Uint8Array.from({ length: 16 }, (_, k) => (x0 + (k % 4) < 6 ? raw[Math.floor(k / 4) * 6 + x0 + (k % 4)]! : 0));
    expect(Array.from(decodeTiff(tiffBytes([page8({ tile: { width: 4, height: 4 }, segments: [tile(0), tile(4)] })])).image.data)).toEqual(values);
  });

  it('a cut PackBits strip (was decoded with zeros for the missing rows) is a DataError saying how much decodes', () => {
    const cut = packBits(raw).subarray(0, 13); // the run header and 12 of 24 bytes
    const err = errorOf(() => decodeTiff(tiffBytes([page8({ compression: 32773, segments: [cut] })]), '/data/cut.tif'));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toBe('data/cut.tif page 0: strip 0: truncated: decodes to 12 of 24 bytes (PackBits data cut short or damaged)');
  });

  it('a cut or damaged Deflate strip is a DataError (utif2 dropped it or skipped the checksum)', () => {
    const z = zlib.deflateSync(raw);
    expect(errorOf(() => decodeTiff(tiffBytes([page8({ compression: 8, segments: [z.subarray(0, z.length - 5)] })]), 'z.tif')).message).toMatch(
      /^z\.tif page 0: strip 0: damaged Deflate data \(unexpected end of file\); expected 24 bytes$/,
    );
    const long = zlib.deflateSync(Buffer.concat([raw, raw]));
    expect(errorOf(() => decodeTiff(tiffBytes([page8({ compression: 8, segments: [long] })]), 'z.tif')).message).toMatch(/^z\.tif page 0: strip 0: damaged Deflate data/);
  });

  it('a missing strip is named', () => {
    const one = [packBits(raw.subarray(0, 18))];
    expect(errorOf(() => decodeTiff(tiffBytes([page8({ compression: 32773, rowsPerStrip: 3, segments: one })]), 's.tif')).message).toMatch(/^s\.tif page 0: strip 1: no offset/);
  });

  it('a size over maxPixels is refused from the IFD, before any pixel is decoded', () => {
    const huge = tiffBytes([{ ...page8(), width: 100000, height: 100000 }]);
    const t0 = performance.now();
    const err = errorOf(() => decodeTiff(huge, 'huge.tif'));
    expect(performance.now() - t0).toBeLessThan(500);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(/^huge\.tif page 0: 100000×100000 = 10000000000 pixels exceeds the limit of 268435456 \(2\^28, the default\) pixels/);
    expect(errorOf(() => decodeTiff(tiffBytes([page8()]), 'a.tif', { maxPixels: 23 })).message).toMatch(/^a\.tif page 0: 6×4 = 24 pixels exceeds the limit of 23 pixels/);
    expect(decodeTiff(tiffBytes([page8()]), 'a.tif', { maxPixels: 24 }).image.width).toBe(6);
  });

  it('a multi-page TIFF read as one image must say which page (it silently gave page 0)', () => {
    const file = put(tmp.dir, 'stack3.tif', tiffBytes([page8(), page8(), page8()]));
    const err = errorOf(() => readTiff(file));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(/stack3\.tif: TIFF has 3 pages; unet-ts reads one page per image: choose one with the page option \(0…2; on the command line --page N\)/);
    expect(readTiff(file, { page: 0 }).image.width).toBe(6);
    expect(readTiffPages(file)).toHaveLength(3);
    expect(readTiff(put(tmp.dir, 'single.tif', tiffBytes([page8()]))).image.width).toBe(6);
  });

  it.each([NaN, Infinity, -Infinity])('a float pixel %s is a DataError naming its coordinate (segment wrote all-zero probabilities)', (bad) => {
    const v = [0.5, 1, 2, 3, 4, 5];
    v[4] = bad; // x = 1, y = 1 of 3×2
    const err = errorOf(() => decodeTiffPages(tiffBytes([grey(32, 3, [1, 2, 3, 4, 5, 6]), grey(32, 3, v)], false), '/d/float.tif'));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toBe(`d/float.tif page 1: pixel (x=1, y=1, channel 0) is ${bad}; expected finite values`);
  });
});
