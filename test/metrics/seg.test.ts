import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MetricError } from '../../src/metrics/metric-error.js';
import { segScore } from '../../src/metrics/seg.js';
import { labelMap, labelPair, relabel } from './arbitraries.js';

const row = (data: number[]) => ({ width: data.length, height: 1, data });

describe('segScore (Cell Tracking Challenge SEG)', () => {
  it('Jaccard of the match (hand example)', () => {
    // R = {0,1,2,3} (|R| = 4), S = {0,1,2,4} (|S| = 4), |R∩S| = 3 > 2 → J = 3/(4+4−3) = 3/5
    const s = segScore(row([7, 7, 7, 0, 7]), row([1, 1, 1, 1, 0]));
    expect(s.seg).toBeCloseTo(0.6, 12);
    expect(s).toMatchObject({ objects: 1, matched: 1 });
    expect(s.jaccard.get(1)).toBeCloseTo(0.6, 12);
  });

  it('exactly half is no match', () => {
    // |R∩S| = 2 = ½|R| for both halves → J = 0
    expect(segScore(row([5, 5, 6, 6]), row([1, 1, 1, 1]))).toMatchObject({ seg: 0, matched: 0 });
  });

  it('averages over ground-truth objects, ignoring false positives (hand example)', () => {
    // R1 = {0,1}, S3 = {0,1,2}: 2 > 1 → J = 2/3.  R2 = {3,4,5}, S4 = {4}: 1 ≤ 1.5 → 0.
    // S9 = {6} is a false positive: not counted.  SEG = (2/3 + 0)/2 = 1/3
    const s = segScore(row([3, 3, 3, 0, 4, 0, 9]), row([1, 1, 0, 2, 2, 2, 0]));
    expect(s.seg).toBeCloseTo(1 / 3, 12);
    expect(s).toMatchObject({ objects: 2, matched: 1 });
    expect(s.jaccard.get(2)).toBe(0);
  });

  it('background never matches; no objects gives NaN; sizes must agree', () => {
    expect(segScore(row([0, 0, 0]), row([1, 1, 1])).seg).toBe(0);
    expect(segScore(row([1, 1]), row([0, 0])).seg).toBeNaN();
    expect(() => segScore(row([1]), row([1, 1]))).toThrow(new MetricError('segScore', 'segScore: prediction is 1×1, ground truth is 2×1'));
  });

  it('properties: 1 on itself, in [0, 1], invariant to label names, at most one match per object', () => {
    fc.assert(
      fc.property(labelMap(4), (m) => {
        const s = segScore(m, m);
        if (s.objects > 0) expect(s.seg).toBe(1);
      }),
    );
    fc.assert(
      fc.property(labelPair(4), ([a, b]) => {
        const s = segScore(a, b);
        if (s.objects === 0) return;
        expect(s.seg).toBeGreaterThanOrEqual(0);
        expect(s.seg).toBeLessThanOrEqual(1);
        expect(s.matched).toBeLessThanOrEqual(s.objects);
        expect(segScore(relabel(a, 2), b).seg).toBeCloseTo(s.seg, 12);
      }),
    );
  });
});
