import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/errors.js';
import { image } from '../../src/data/image.js';
import { isImageFile, readImage, readImageFile } from '../../src/data/image-file.js';
import { encodePng } from '../../src/data/png.js';
import { put, tempDir, tiffBytes } from './helpers.js';

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
