import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/errors.js';
import { image } from '../../src/data/image.js';
import { decodePng, encodePng, encodeRgbPng, readPng, writePng } from '../../src/data/png.js';
import { pngBytes, put, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const greyImage = (max: number) =>
  fc
    .record({ w: fc.integer({ min: 1, max: 9 }), h: fc.integer({ min: 1, max: 9 }) })
    .chain(({ w, h }) => fc.array(fc.integer({ min: 0, max }), { minLength: w * h, maxLength: w * h }).map((v) => image(w, h, 1, Float32Array.from(v))));

describe('PNG round trips', () => {
  it('8-bit grey: write then read gives the same values and bit depth', () => {
    fc.assert(
      fc.property(greyImage(255), (img) => {
        const back = decodePng(encodePng(img, { bitDepth: 8 }));
        expect(back.bitDepth).toBe(8);
        expect(back.image).toEqual(img);
      }),
      { numRuns: 40 },
    );
  });

  it('16-bit grey: values above 255 survive (no rescaling)', () => {
    fc.assert(
      fc.property(greyImage(65535), (img) => {
        const back = decodePng(encodePng(img, { bitDepth: 16 }));
        expect(back.bitDepth).toBe(16);
        expect(back.image).toEqual(img);
      }),
      { numRuns: 40 },
    );
  });

  it('8-bit RGB keeps 3 planar channels; grey: true gives BT.601 luminance', () => {
    const img = image(2, 1, 3, Float32Array.of(255, 0, 0, 255, 0, 10));
    const file = path.join(tmp.dir, 'rgb.png');
    writePng(file, img);
    expect(readPng(file).image).toEqual(img);
    const grey = readPng(file, { grey: true }).image;
    expect(grey.channels).toBe(1);
    expect(grey.data[0]).toBeCloseTo(0.299 * 255, 3);
    expect(grey.data[1]).toBeCloseTo(0.587 * 255 + 0.114 * 10, 3);
  });

  it('writes atomically: no temp file is left and the target appears whole', () => {
    const file = path.join(tmp.dir, 'atomic', 'a.png');
    writePng(file, image(3, 3, 1, new Float32Array(9).fill(7)));
    expect(fs.readdirSync(path.dirname(file))).toEqual(['a.png']);
    expect(readPng(file).image.data[4]).toBe(7);
  });

  it('encodes interleaved 8-bit RGB pixels (a plot Raster) that decode to the same colours, planar', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.infiniteStream(fc.integer({ min: 0, max: 255 })), (width, height, values) => {
        const data = Uint8Array.from(values.take(width * height * 3));
        const bytes = encodeRgbPng({ width, height, data });
        expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
        const { image: back, bitDepth } = decodePng(bytes);
        expect([back.width, back.height, back.channels, bitDepth]).toEqual([width, height, 3, 8]);
        const n = width * height;
        for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) expect(back.data[c * n + i]).toBe(data[3 * i + c]);
      }),
      { numRuns: 30 },
    );
  });

  it('refuses RGB pixels whose byte count does not match the size, naming both', () => {
    expect(() => encodeRgbPng({ width: 2, height: 2, data: new Uint8Array(11) })).toThrow('encodeRgbPng: 11 bytes for 2×2 pixels; expected 12 (3 per pixel)');
  });

  it('clamps and rounds values outside the bit depth when writing', () => {
    const back = decodePng(encodePng(image(3, 1, 1, Float32Array.of(-5, 2.6, 300))));
    expect(Array.from(back.image.data)).toEqual([0, 3, 255]);
  });
});

describe('PNG colour types and bit depths', () => {
  it.each([1, 2, 4])('%i-bit grey reads raw values 0…2^bits−1', (bits) => {
    const max = 2 ** bits - 1;
    const samples = Array.from({ length: 15 }, (_, i) => i % (max + 1));
    const raw = decodePng(pngBytes({ width: 5, height: 3, bitDepth: bits, colorType: 0, samples }));
    expect(raw.bitDepth).toBe(bits);
    expect(Array.from(raw.image.data)).toEqual(samples);
  });

  it('grey+alpha and RGBA drop the alpha channel', () => {
    const ga = decodePng(pngBytes({ width: 2, height: 1, bitDepth: 8, colorType: 4, samples: [10, 0, 20, 255] }));
    expect(ga.image.channels).toBe(1);
    expect(Array.from(ga.image.data)).toEqual([10, 20]);
    const rgba = decodePng(pngBytes({ width: 1, height: 1, bitDepth: 16, colorType: 6, samples: [1000, 2000, 3000, 0] }));
    expect(rgba.image.channels).toBe(3);
    expect(Array.from(rgba.image.data)).toEqual([1000, 2000, 3000]);
  });

  it('palette: colours by default (1 channel for a grey palette), indices on request', () => {
    const colour = pngBytes({ width: 3, height: 1, bitDepth: 4, colorType: 3, samples: [0, 1, 2], palette: [[0, 0, 0], [255, 0, 0], [0, 0, 255]] });
    expect(Array.from(decodePng(colour).image.data)).toEqual([0, 255, 0, 0, 0, 0, 0, 0, 255]);
    expect(Array.from(decodePng(colour, 'x.png', { paletteIndex: true }).image.data)).toEqual([0, 1, 2]);
    const grey = pngBytes({ width: 2, height: 1, bitDepth: 8, colorType: 3, samples: [1, 0], palette: [[9, 9, 9], [200, 200, 200]] });
    const g = decodePng(grey).image;
    expect(g.channels).toBe(1);
    expect(Array.from(g.data)).toEqual([200, 9]);
  });

  it('a grey tRNS colour does not zero the pixels of that value', () => {
    const bytes = pngBytes({ width: 3, height: 1, bitDepth: 8, colorType: 0, samples: [5, 7, 5], trns: Uint8Array.of(0, 5) });
    expect(Array.from(decodePng(bytes).image.data)).toEqual([5, 7, 5]);
  });
});

describe('bad PNG files', () => {
  const expectDataError = (f: () => unknown, ...parts: string[]): void => {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    for (const p of parts) expect((err as Error).message).toContain(p);
  };

  it('a non-image file names the file', () => {
    const f = put(tmp.dir, 'bad/notes.png', Buffer.from('hello, not a png'));
    expectDataError(() => readPng(f), 'bad/notes.png', 'not a PNG');
  });

  it('a truncated file names the file', () => {
    const whole = encodePng(image(16, 16, 1, new Float32Array(256).fill(3)));
    const f = put(tmp.dir, 'bad/cut.png', whole.subarray(0, whole.length - 30));
    expectDataError(() => readPng(f), 'bad/cut.png', 'cannot decode PNG');
  });

  it('an unsupported bit depth is named', () => {
    const bytes = pngBytes({ width: 2, height: 2, bitDepth: 3, colorType: 0, samples: [0, 1, 2, 3] });
    expectDataError(() => decodePng(bytes, 'odd.png'), 'odd.png', 'bit depth 3');
  });

  it('an unsupported colour type is named', () => {
    const bytes = pngBytes({ width: 2, height: 2, bitDepth: 8, colorType: 5, samples: [0, 1, 2, 3] });
    expectDataError(() => decodePng(bytes, 'odd.png'), 'odd.png', 'colour type 5');
  });

  it('a missing file is a DataError naming it', () => {
    expectDataError(() => readPng(path.join(tmp.dir, 'nope.png')), 'nope.png', 'cannot read');
  });
});
