import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { edt, edtSquared } from '../../src/data/distance.js';

const bruteForce = (w: number, h: number, m: readonly number[]): number[] =>
  Array.from({ length: w * h }, (_, i) => {
    let best = Infinity;
    for (let j = 0; j < w * h; j++) {
      if (m[j] === 0) continue;
      best = Math.min(best, ((i % w) - (j % w)) ** 2 + (Math.floor(i / w) - Math.floor(j / w)) ** 2);
    }
    return best;
  });

const mask = fc
  .record({ w: fc.integer({ min: 1, max: 12 }), h: fc.integer({ min: 1, max: 12 }), p: fc.double({ min: 0, max: 1, noNaN: true }) })
  .chain(({ w, h, p }) => fc.array(fc.double({ min: 0, max: 1, noNaN: true }).map((u) => (u < p * 0.5 ? 1 : 0)), { minLength: w * h, maxLength: w * h }).map((data) => ({ w, h, data })));

describe('Euclidean distance transform (Felzenszwalb–Huttenlocher)', () => {
  it('equals the brute-force squared distance on random masks', () => {
    fc.assert(
      fc.property(mask, ({ w, h, data }) => {
        expect(Array.from(edtSquared({ width: w, height: h, data }))).toEqual(bruteForce(w, h, data));
      }),
      { numRuns: 300 },
    );
  });

  it('is +∞ everywhere without features, 0 on features, and √ of the squared one', () => {
    expect(Array.from(edt({ width: 2, height: 1, data: [0, 0] }))).toEqual([Infinity, Infinity]);
    const d = edt({ width: 3, height: 3, data: [0, 0, 0, 0, 1, 0, 0, 0, 0] });
    expect(d[4]).toBe(0);
    expect(d[0]).toBeCloseTo(Math.SQRT2, 6);
    expect(d[1]).toBe(1);
  });
});
