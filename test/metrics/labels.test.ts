import { describe, expect, it } from 'vitest';
import { labels } from '../../src/metrics/labels.js';
import { MetricError } from '../../src/metrics/metric-error.js';

describe('labels', () => {
  it('builds an Int32Array label map', () => {
    const m = labels(2, 1, [0, 3]);
    expect(m).toEqual({ width: 2, height: 1, data: Int32Array.of(0, 3) });
  });

  it('throws a MetricError naming what is wrong and what was expected', () => {
    expect(() => labels(2, 2, [0, 3])).toThrow(new MetricError('labels', 'labels: 2 values, 2×2 needs 4'));
    expect(() => labels(-1, 2, [])).toThrow('labels: size -1×2 is not two non-negative integers');
    expect(() => labels(2, 1, [0, 0.5])).toThrow('labels: value 0.5 at index 1 is not an integer');
  });
});
