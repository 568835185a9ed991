import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { image } from '../../src/data/image.js';
import { labelMap } from '../../src/data/labels.js';
import { crop, cropLabels, mirrorIndex, mirrorPad, mirrorPadLabels } from '../../src/data/mirror.js';

const imgArb = fc
  .record({ w: fc.integer({ min: 1, max: 7 }), h: fc.integer({ min: 1, max: 7 }), c: fc.integer({ min: 1, max: 3 }) })
  .chain(({ w, h, c }) => fc.array(fc.integer({ min: -99, max: 99 }), { minLength: w * h * c, maxLength: w * h * c }).map((v) => image(w, h, c, Float32Array.from(v))));
const padArb = fc.record({ top: fc.nat(12), bottom: fc.nat(12), left: fc.nat(12), right: fc.nat(12) });

describe('mirror extrapolation (reflect-101: … c b | a b c …)', () => {
  it('does not repeat the edge pixel and continues periodically', () => {
    expect([-4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6].map((i) => mirrorIndex(3, i))).toEqual([0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2]);
    expect([-1, 0, 1].map((i) => mirrorIndex(1, i))).toEqual([0, 0, 0]);
    const row = mirrorPad({ top: 0, bottom: 0, left: 2, right: 2 })(image(3, 1, 1, Float32Array.of(1, 2, 3)));
    expect(Array.from(row.data)).toEqual([3, 2, 1, 2, 3, 2, 1]);
  });

  it('mirror-pad then crop is the identity (images and label maps)', () => {
    fc.assert(
      fc.property(imgArb, padArb, (img, p) => {
        const padded = mirrorPad(p)(img);
        expect(padded.width).toBe(img.width + p.left + p.right);
        expect(padded.height).toBe(img.height + p.top + p.bottom);
        expect(crop({ x: p.left, y: p.top, width: img.width, height: img.height })(padded)).toEqual(img);
        const m = labelMap(img.width, img.height, Int32Array.from(img.data.subarray(0, img.width * img.height)));
        expect(cropLabels({ x: p.left, y: p.top, width: m.width, height: m.height })(mirrorPadLabels(p)(m))).toEqual(m);
      }),
      { numRuns: 100 },
    );
  });

  it('a padded pixel equals its mirror image across the edge', () => {
    fc.assert(
      fc.property(imgArb, padArb, (img, p) => {
        const padded = mirrorPad(p)(img);
        for (let y = 0; y < padded.height; y++) {
          for (let x = 0; x < padded.width; x++) {
            const sx = mirrorIndex(img.width, x - p.left);
            const sy = mirrorIndex(img.height, y - p.top);
            expect(padded.data[y * padded.width + x]).toBe(img.data[sy * img.width + sx]);
          }
        }
      }),
      { numRuns: 30 },
    );
  });

  it('crop outside the image is a RangeError', () => {
    expect(() => crop({ x: 1, y: 0, width: 3, height: 1 })(image(3, 1, 1, new Float32Array(3)))).toThrow(RangeError);
  });
});
