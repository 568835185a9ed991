import { describe, expect, it } from 'vitest';
import { formatTick, linearTicks, logTicks } from '../../src/plot/ticks.js';

describe('ticks', () => {
  it('linear: nice steps covering the data', () => {
    expect(linearTicks(0.13, 0.92)).toEqual({ min: 0, max: 1, step: 0.2, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(linearTicks(1, 50).ticks).toEqual([0, 10, 20, 30, 40, 50]);
    expect(linearTicks(-3.2, 7.7).ticks).toEqual([-5, 0, 5, 10]);
    // a constant widens to ±half its size
    expect(linearTicks(5, 5).ticks).toEqual([2, 3, 4, 5, 6, 7, 8]);
  });

  it('log: decades, with 2 and 5 when the range is short', () => {
    expect(logTicks(1e-4, 3).ticks).toEqual([1e-4, 1e-3, 0.01, 0.1, 1, 10]);
    expect(logTicks(0.02, 0.7).ticks).toEqual([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]);
  });

  it('formats labels', () => {
    expect(formatTick(0.4, 0.2)).toBe('0.4');
    expect(formatTick(1, 0.5)).toBe('1.0');
    expect(formatTick(20, 10)).toBe('20');
    expect(formatTick(0.0001)).toBe('1e-4');
    expect(formatTick(200000, 200000)).toBe('2e5');
    expect(formatTick(0.05)).toBe('0.05');
  });
});
