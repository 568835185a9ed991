import { describe, expect, it } from 'vitest';
import { contingency } from '../../src/metrics/contingency.js';

describe('contingency', () => {
  it('counts pairs, sums and skips (hand example)', () => {
    // S = 1 1 2 2 9,  T = 5 5 5 6 undefined (pixel 4 not counted)
    // n(1,5) = 2, n(2,5) = 1, n(2,6) = 1; s = [2, 2]; t = [3, 1]
    const S = [1, 1, 2, 2, 9];
    const T = [5, 5, 5, 6, undefined];
    const c = contingency(5, (i) => S[i], (i) => T[i]);
    expect(c.n).toBe(4);
    expect([...c.rowLabels]).toEqual([1, 2]);
    expect([...c.colLabels]).toEqual([5, 6]);
    expect([...c.rowSums]).toEqual([2, 2]);
    expect([...c.colSums]).toEqual([3, 1]);
    expect([...c.cellRow]).toEqual([0, 1, 1]);
    expect([...c.cellCol]).toEqual([0, 0, 1]);
    expect([...c.cellCount]).toEqual([2, 1, 1]);
  });

  it('grows past its initial capacity and revisits cells out of order', () => {
    // 100 pixels: rows i mod 20, columns i mod 7 → row r meets columns r, r+20, … mod 7
    const c = contingency(100, (i) => i % 20, (i) => i % 7);
    expect(c.n).toBe(100);
    expect(c.rowSums.length).toBe(20);
    expect(c.colSums.length).toBe(7);
    expect([...c.cellCount].reduce((a, b) => a + b, 0)).toBe(100);
    // pixels 0 and 140 would share (0, 0); within 100 pixels, row 0 = {0,20,40,60,80} → cols 0,6,5,4,3: all distinct
    expect(c.cellCount.length).toBe(100);
    const d = contingency(6, (i) => [1, 2, 1, 2, 1, 2][i], (i) => [5, 5, 6, 5, 5, 6][i]);
    // (1,5): pixels 0, 4; (2,5): 1, 3; (1,6): 2; (2,6): 5
    expect([...d.cellCount]).toEqual([2, 2, 1, 1]);
  });

  it('gives each singleton pixel its own row', () => {
    const c = contingency(4, (i) => (i < 2 ? 1 : 'singleton'), () => 7);
    expect([...c.rowSums]).toEqual([2, 1, 1]);
    expect([...c.rowLabels]).toEqual([1, NaN, NaN]);
    expect([...c.cellCount]).toEqual([2, 1, 1]);
  });
});
