import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MetricError } from '../../src/metrics/metric-error.js';
import { pixelError } from '../../src/metrics/pixel-error.js';
import { labelMap, labelPair } from './arbitraries.js';

describe('pixelError', () => {
  it('counts differing pixels (hand example)', () => {
    // pred 0 1 / 1 1, gt 0 1 / 0 1: pixel (0,1) differs → 1/4
    expect(pixelError({ width: 2, height: 2, data: [0, 1, 1, 1] }, { width: 2, height: 2, data: [0, 1, 0, 1] })).toBe(0.25);
    // 3 of 5 differ
    expect(pixelError({ width: 5, height: 1, data: [1, 1, 1, 0, 0] }, { width: 5, height: 1, data: [0, 0, 1, 1, 0] })).toBe(0.6);
  });

  it('rejects maps of different sizes, NaN for no pixels', () => {
    const r = () => pixelError({ width: 2, height: 1, data: [0, 1] }, { width: 1, height: 2, data: [0, 1] });
    expect(r).toThrow(MetricError);
    expect(r).toThrow('pixelError: prediction is 2×1, ground truth is 1×2');
    expect(pixelError({ width: 0, height: 3, data: [] }, { width: 0, height: 3, data: [] })).toBeNaN();
  });

  it('is 0 on identical maps, in [0, 1], symmetric', () => {
    fc.assert(fc.property(labelMap(3), (m) => pixelError(m, m) === 0));
    fc.assert(
      fc.property(labelPair(3), ([a, b]) => {
        const e = pixelError(a, b);
        expect(e).toBeGreaterThanOrEqual(0);
        expect(e).toBeLessThanOrEqual(1);
        expect(pixelError(b, a)).toBe(e);
      }),
    );
  });
});
