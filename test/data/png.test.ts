import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/errors.js';
import { image } from '../../src/data/image.js';
import { decodePng, encodePng, encodeRgbPng, readPng, writePng } from '../../src/data/png.js';
import { DEFAULT_MAX_PIXELS } from '../../src/data/limits.js';
import { chunk, pngBytes, put, tempDir } from './helpers.js';
import { errorOf } from '../helpers/errors.js';

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
    expectDataError(() => readPng(f), 'bad/cut.png', 'truncated');
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

/** A PNG from an IHDR and a zlib payload for IDAT, every CRC right: only the image data is wrong. */
const pngWithData = (width: number, height: number, raw: Uint8Array, opts: { readonly zlibBytes?: Uint8Array } = {}): Buffer => {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // 8-bit grey
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', opts.zlibBytes ?? zlib.deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
};

/** Filtered rows (filter byte 0) of an 8-bit grey image with value v everywhere. */
const rows = (width: number, height: number, v: number): Buffer => {
  const b = Buffer.alloc(height * (width + 1), v);
  for (let y = 0; y < height; y++) b[y * (width + 1)] = 0;
  return b;
};


describe('damaged PNGs are refused (issue 18), never decoded into other pixels', () => {
  it('an IDAT stream too short for the header: was accepted with rows from leftover buffer bytes', () => {
    const bytes = pngWithData(8, 4, rows(8, 2, 7)); // 2 of the 4 rows the header promises
    const err = errorOf(() => decodePng(bytes, 'data/short.png'));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toBe('data/short.png: truncated image data: 18 of 36 bytes');
  });

  it('a zlib stream cut short (no end, no Adler-32) says how much of the data is there', () => {
    const whole = zlib.deflateSync(rows(64, 64, 3), { level: 0 }); // stored: bytes come out as they go in
    const bytes = pngWithData(64, 64, new Uint8Array(0), { zlibBytes: whole.subarray(0, 1000) });
    expect(errorOf(() => decodePng(bytes, 'cut.png')).message).toMatch(/^cut\.png: truncated image data: \d+ of 4160 bytes \(the zlib stream ends early\)$/);
  });

  it('more image data than the header needs', () => {
    const err = errorOf(() => decodePng(pngWithData(8, 2, rows(8, 3, 1)), 'long.png'));
    expect(err.message).toBe('long.png: too much image data: more than the 18 bytes 8×2 needs (damaged file)');
  });

  it('an invalid row filter byte is named with its row', () => {
    const raw = rows(4, 3, 9);
    raw[5] = 7; // row 1's filter type
    expect(errorOf(() => decodePng(pngWithData(4, 3, raw), 'f.png')).message).toBe('f.png: invalid filter type 7 at the start of row 1; expected 0–4 (damaged file)');
  });

  it('a truncated file names the file and the chunk, not pngjs\'s "read requests waiting on finished stream"', () => {
    const whole = encodePng(image(32, 32, 1, Float32Array.from({ length: 1024 }, (_, i) => i % 251)));
    for (const cut of [whole.length - 1, whole.length - 12, whole.length - 20, 40, 12]) {
      const err = errorOf(() => decodePng(whole.subarray(0, cut), '/data/images/cells.png'));
      expect(err).toBeInstanceOf(DataError);
      expect(err.message).toMatch(/^images\/cells\.png: truncated: /);
      expect(err.message).not.toMatch(/read requests/);
      expect((err as DataError).file).toBe('/data/images/cells.png');
    }
  });

  it('a flipped byte anywhere in a chunk is a CRC mismatch naming the chunk', () => {
    const whole = encodePng(image(8, 8, 1, new Float32Array(64).fill(100)));
    const idat = whole.indexOf('IDAT', 0, 'latin1');
    const bad = Buffer.from(whole);
    bad[idat + 6] = bad[idat + 6]! ^ 0x10;
    expect(errorOf(() => decodePng(bad, 'x.png')).message).toMatch(/^x\.png: CRC mismatch in chunk IDAT at byte 33 \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\): the file is damaged$/);
  });
});

describe('absurd sizes are refused from the header, before anything is inflated (issue 18)', () => {
  const claiming = (width: number, height: number): Buffer => pngWithData(width, height, new Uint8Array(0), { zlibBytes: zlib.deflateSync(rows(16, 16, 0)) });

  it('a 1 KB PNG claiming 30000×30000 (took 4.2 GB and over 30 s) fails at once', () => {
    const bytes = claiming(30000, 30000);
    expect(bytes.length).toBeLessThan(1024);
    const t0 = performance.now();
    const err = errorOf(() => decodePng(bytes, 'bomb.png'));
    expect(performance.now() - t0).toBeLessThan(500);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toBe(
      'bomb.png: 30000×30000 = 900000000 pixels exceeds the limit of 268435456 (2^28, the default) pixels (a damaged header or a decompression bomb?); pass a larger maxPixels to read it',
    );
  });

  it('100000×100000 (was Node\'s "size out of range") is the same DataError', () => {
    expect(errorOf(() => decodePng(claiming(100000, 100000), 'huge.png')).message).toMatch(/^huge\.png: 100000×100000 = 10000000000 pixels exceeds the limit/);
    expect(DEFAULT_MAX_PIXELS).toBe(2 ** 28);
  });

  it('maxPixels lowers or raises the limit', () => {
    const bytes = encodePng(image(20, 20, 1, new Float32Array(400)));
    expect(errorOf(() => decodePng(bytes, 'a.png', { maxPixels: 399 })).message).toMatch(/^a\.png: 20×20 = 400 pixels exceeds the limit of 399 pixels/);
    expect(decodePng(bytes, 'a.png', { maxPixels: 400 }).image.width).toBe(20);
  });
});
