import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { labelMap, type Labels } from '../../src/data/labels.js';
import { classBalance, parseClassWeights, weightMap, weightMapCache } from '../../src/data/weight-map.js';

/** Labels from an instance-id grid (class 1 wherever an id is set). */
const fromIds = (w: number, ids: number[]): Labels => {
  const h = ids.length / w;
  return { instances: labelMap(w, h, Int32Array.from(ids)), classes: labelMap(w, h, Int32Array.from(ids, (v) => (v > 0 ? 1 : 0))), numClasses: 2 };
};

/** Eq. 2 by brute force: d1, d2 over all objects, for every pixel. */
const bruteForce = (l: Labels, w0: number, sigma: number): number[] => {
  const { instances, classes } = l;
  const w = classes.width;
  const wc = classBalance(2)(classes);
  const ids = [...new Set(instances.data)].filter((v) => v !== 0);
  return Array.from(classes.data, (c, i) => {
    const base = wc[c]!;
    if (c !== 0) return base;
    const ds = ids
      .map((id) => {
        let best = Infinity;
        instances.data.forEach((v, j) => {
          if (v === id) best = Math.min(best, Math.hypot((i % w) - (j % w), Math.floor(i / w) - Math.floor(j / w)));
        });
        return best;
      })
      .sort((a, b) => a - b);
    const s = (ds[0] ?? Infinity) + (ds[1] ?? Infinity);
    return s < Infinity ? base + w0 * Math.exp(-(s * s) / (2 * sigma * sigma)) : base;
  });
};

const instanceGrid = fc
  .record({ w: fc.integer({ min: 2, max: 14 }), h: fc.integer({ min: 2, max: 14 }) })
  .chain(({ w, h }) => fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }) }), { minLength: w * h, maxLength: w * h }).map((ids) => ({ w, ids })));

describe('weight map (Sec. 3, Eq. 2)', () => {
  it('w_c balances classes: mean weight 1 over the image, inverse frequency per class', () => {
    const wc = classBalance(2)(labelMap(4, 1, Int32Array.of(0, 0, 0, 1)));
    expect(wc[0]).toBeCloseTo(4 / 6, 10);
    expect(wc[1]).toBeCloseTo(2, 10);
    expect(Array.from(classBalance(3)(labelMap(2, 1, Int32Array.of(2, 2))))).toEqual([0, 0, 1]);
  });

  it('is ≥ w_c everywhere and equal to w_c on objects', () => {
    fc.assert(
      fc.property(instanceGrid, ({ w, ids }) => {
        const l = fromIds(w, ids);
        const wc = classBalance(2)(l.classes);
        const wm = weightMap()(l).data;
        l.classes.data.forEach((c, i) => {
          expect(wm[i]!).toBeGreaterThanOrEqual(Math.fround(wc[c]!));
          if (c !== 0) expect(wm[i]).toBe(Math.fround(wc[c]!));
        });
      }),
      { numRuns: 60 },
    );
  });

  it('matches brute-force d1/d2 within the tolerance, also where objects lie beyond the window', () => {
    // σ = 1, w0 = 10, tol = 0.01 → window radius √(2 ln 1000) ≈ 3.7 px: windows matter here.
    fc.assert(
      fc.property(instanceGrid, ({ w, ids }) => {
        const l = fromIds(w, ids);
        const got = weightMap({ sigma: 1, tolerance: 0.01 })(l).data;
        bruteForce(l, 10, 1).forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(0.01 + 1e-5));
      }),
      { numRuns: 60 },
    );
    const l = fromIds(9, [1, 0, 0, 0, 0, 0, 0, 0, 2]);
    const exact = weightMap()(l).data;
    bruteForce(l, 10, 5).forEach((v, i) => expect(exact[i]).toBeCloseTo(v, 4));
  });

  it('is highest in the narrow gap between two touching objects', () => {
    // Two 6×6 squares 2 px apart and a third square far away, in a 40×16 image.
    const w = 40;
    const ids = Array.from({ length: w * 16 }, (_, i) => {
      const x = i % w;
      const y = Math.floor(i / w);
      if (y < 5 || y > 10) return 0;
      return x >= 2 && x < 8 ? 1 : x >= 10 && x < 16 ? 2 : x >= 30 && x < 36 ? 3 : 0;
    });
    const l = fromIds(w, ids);
    const wm = weightMap()(l).data;
    let arg = 0;
    wm.forEach((v, i) => (v > wm[arg]! ? (arg = i) : undefined));
    expect([8, 9]).toContain(arg % w);
    const wc0 = classBalance(2)(l.classes)[0]!;
    // In the 2-px gap d1 = 1, d2 = 2 → w_c + 10·exp(−9/50); next to the lone square much less.
    expect(wm[7 * w + 8]).toBeCloseTo(wc0 + 10 * Math.exp(-9 / 50), 4);
    expect(wm[7 * w + 36]!).toBeLessThan(wm[7 * w + 8]! - 5);
  });

  it('the cache computes a weight map once per key', () => {
    const cache = weightMapCache();
    const l = fromIds(3, [1, 0, 2]);
    const a = cache.get('set/a', l);
    expect(cache.get('set/a', l)).toBe(a);
    expect(cache.size()).toBe(1);
    expect(cache.get('set/b', l)).not.toBe(a);
    expect(cache.size()).toBe(2);
  });
});

describe('parseClassWeights', () => {
  it('keeps the named choices and parses one weight ≥ 0 per class', () => {
    for (const name of ['balanced', 'dataset', 'none'] as const) expect(parseClassWeights(2)(name)).toEqual(E.right(name));
    expect(parseClassWeights(3)('1, 0.5,2')).toEqual(E.right([1, 0.5, 2]));
  });
  it('names the value and what was expected', () => {
    expect(parseClassWeights(2)('inverse')).toEqual(E.left('--class-weights inverse; expected balanced, dataset, none or comma-separated numbers ≥ 0 (one per class)'));
    expect(parseClassWeights(2)('1,')).toEqual(E.left('--class-weights 1,; expected balanced, dataset, none or comma-separated numbers ≥ 0 (one per class)'));
    expect(parseClassWeights(2)('1,-2')).toEqual(E.left('--class-weights 1,-2; expected balanced, dataset, none or comma-separated numbers ≥ 0 (one per class)'));
    expect(parseClassWeights(2)('1,2,3')).toEqual(E.left('--class-weights 1,2,3 gives 3 weight(s); the network has 2 classes'));
  });
});
