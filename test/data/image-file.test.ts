import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/errors.js';
import { image } from '../../src/data/image.js';
import { DEFAULT_MAX_PIXELS, decodeImage, isImageFile, readImage, readImageFile } from '../../src/data/image-file.js';
import { encodePng } from '../../src/data/png.js';
import { pngBytes, put, tempDir, tiffBytes } from './helpers.js';
import { thrown } from '../helpers/errors.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('readImageFile', () => {
  it('dispatches on the extension, ignoring case', () => {
    const png = put(tmp.dir, 'a.PNG', encodePng(image(2, 1, 1, Float32Array.of(1, 2))));
    const tif = put(tmp.dir, 'b.tiff', tiffBytes([{ width: 2, height: 1, bitsPerSample: 16, sampleFormat: 1, samplesPerPixel: 1, photometric: 1, values: [300, 400] }]));
    const tif2 = put(tmp.dir, 'c.tif', tiffBytes([{ width: 1, height: 1, bitsPerSample: 8, sampleFormat: 1, samplesPerPixel: 1, photometric: 1, values: [9] }]));
    expect(Array.from(readImageFile(png).image.data)).toEqual([1, 2]);
    expect(readImageFile(tif).bitDepth).toBe(16);
    expect(Array.from(readImageFile(tif2).image.data)).toEqual([9]);
    expect([png, tif, tif2, 'x.jpg'].map(isImageFile)).toEqual([true, true, true, false]);
  });

  it('an unsupported extension is a DataError naming the file', () => {
    const f = put(tmp.dir, 'd.jpg', Buffer.from([0xff, 0xd8]));
    expect(() => readImageFile(f)).toThrow(DataError);
    expect(() => readImageFile(f)).toThrow(/d\.jpg: unsupported file type '\.jpg'/);
  });

  it('readImage normalises: range divides by 2^bits − 1', () => {
    const f = put(tmp.dir, 'e.png', encodePng(image(2, 1, 1, Float32Array.of(0, 255))));
    expect(Array.from(readImage(f, { normalize: 'range' }).data)).toEqual([0, 1]);
    expect(Array.from(readImage(f).data)).toEqual([-1, 1]);
  });
});

describe('decodeImage', () => {
  const png16 = pngBytes({ width: 3, height: 2, bitDepth: 16, colorType: 0, samples: [0, 1000, 2000, 30000, 65535, 7] });
  const rgb = pngBytes({ width: 2, height: 1, bitDepth: 8, colorType: 2, samples: [10, 20, 30, 200, 100, 0] });
  const tifLE = tiffBytes([
    { width: 2, height: 2, bitsPerSample: 16, sampleFormat: 1, samplesPerPixel: 1, photometric: 1, values: [300, 400, 0, 65535] },
    { width: 1, height: 1, bitsPerSample: 8, sampleFormat: 1, samplesPerPixel: 1, photometric: 1, values: [9] },
  ]);
  const tifBE = tiffBytes([{ width: 3, height: 1, bitsPerSample: 32, sampleFormat: 3, samplesPerPixel: 1, photometric: 1, values: [-1.5, 0, 2.25] }], false);

  it('PNG and TIFF bytes give the same Image as readImage of the same file, for every normalisation', () => {
    const cases = [
      { name: 'a.png', bytes: png16, opts: {} },
      { name: 'b.png', bytes: rgb, opts: { grey: true } },
      { name: 'c.png', bytes: rgb, opts: {} },
      { name: 'd.tif', bytes: tifLE, opts: { page: 0 } },
      { name: 'e.tiff', bytes: tifLE, opts: { page: 1 } },
      { name: 'f.tif', bytes: tifBE, opts: {} },
    ];
    for (const c of cases) {
      const file = put(tmp.dir, c.name, c.bytes);
      for (const normalize of [undefined, 'per-image', 'range', 'none'] as const) {
        const opts = { ...c.opts, ...(normalize ? { normalize } : {}) };
        const fromFile = readImage(file, opts);
        const fromBytes = decodeImage(Uint8Array.from(c.bytes), opts); // a plain Uint8Array, not a Buffer
        expect(fromBytes, `${c.name} ${normalize}`).toEqual(fromFile);
      }
    }
  });

  it('tells the format from the bytes, not from a name', () => {
    expect(decodeImage(tifLE, { name: 'looks-like.png', normalize: 'none', page: 0 }).data).toEqual(Float32Array.of(300, 400, 0, 65535));
    expect(decodeImage(png16, { name: 'looks-like.tif', normalize: 'none' }).width).toBe(3);
  });

  it('bytes that are neither PNG nor TIFF are a DataError naming the source and what was expected', () => {
    const junk = Buffer.from('GIF89a, not supported');
    expect(() => decodeImage(junk, { name: 'uploads/cells.gif' })).toThrow(DataError);
    expect(() => decodeImage(junk, { name: 'uploads/cells.gif' })).toThrow(/^uploads\/cells\.gif: unknown image format \(first bytes 47 49 46 38\); expected PNG .* or TIFF/);
    expect(() => decodeImage(junk)).toThrow(/^<buffer>: unknown image format/);
    expect(() => decodeImage(new Uint8Array(0))).toThrow(/^<buffer>: unknown image format \(no bytes\)/);
    expect(thrown(() => decodeImage(junk, { name: '/data/x.gif' }))).toMatchObject({ name: 'DataError', file: '/data/x.gif' });
    expect(thrown(() => decodeImage(junk))).toMatchObject({ name: 'DataError', file: undefined });
  });

  it('a PNG or TIFF signature with broken contents is the decoder\'s DataError, naming the source', () => {
    expect(() => decodeImage(png16.subarray(0, 20), { name: 'cut.png' })).toThrow(/^cut\.png: truncated: chunk IHDR at byte 8 declares 13 bytes of data, but the file ends after 20 bytes/);
    expect(() => decodeImage(tifLE.subarray(0, 12), { name: 'cut.tif' })).toThrow(/^cut\.tif: /);
    expect(() => decodeImage(tifLE.subarray(0, 12), { name: 'cut.tif' })).toThrow(DataError);
  });
});

describe('issue 18: readImage / decodeImage never return NaN and never decode a bomb', () => {
  const floatTiff = (v: number): Buffer =>
    tiffBytes([{ width: 2, height: 2, bitsPerSample: 32, sampleFormat: 3, samplesPerPixel: 1, photometric: 1, values: [0.5, 1.5, 2.5, v] }]);

  it('a NaN or ±Infinity pixel is a DataError naming the source and the first bad coordinate', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const file = put(tmp.dir, 'nan.tif', floatTiff(bad));
      expect(() => readImage(file)).toThrow(DataError);
      expect(() => readImage(file)).toThrow(`nan.tif page 0: pixel (x=1, y=1, channel 0) is ${bad}; expected finite values`);
      expect(() => decodeImage(floatTiff(bad), { name: 'upload.tif', normalize: 'none' })).toThrow(`upload.tif page 0: pixel (x=1, y=1, channel 0) is ${bad}`);
    }
    expect(Array.from(decodeImage(floatTiff(3.5), { normalize: 'none' }).data)).toEqual([0.5, 1.5, 2.5, 3.5]);
  });

  it('maxPixels passes through readImage and decodeImage (default DEFAULT_MAX_PIXELS)', () => {
    const png = encodePng(image(4, 4, 1, new Float32Array(16)));
    const file = put(tmp.dir, 'sixteen.png', png);
    expect(() => readImage(file, { maxPixels: 15 })).toThrow(/sixteen\.png: 4×4 = 16 pixels exceeds the limit of 15 pixels/);
    expect(() => decodeImage(floatTiff(1), { maxPixels: 3 })).toThrow(/<buffer> page 0: 2×2 = 4 pixels exceeds the limit of 3 pixels/);
    expect(readImage(file, { maxPixels: 16 }).width).toBe(4);
    expect(DEFAULT_MAX_PIXELS).toBe(268435456);
  });
});
