import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { componentsWhere, connectedComponents, thresholdComponents } from '../../src/metrics/components.js';
import { labelMap } from './arbitraries.js';

const lab = (width: number, height: number, data: number[]) => ({ width, height, data });

/** Reference: union-find over 4-neighbours, canonical numbering in raster order. */
const reference = (m: { width: number; height: number; data: ArrayLike<number> }): number[] => {
  const n = m.width * m.height;
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const fg = (i: number) => m.data[i] !== 0;
  for (let i = 0; i < n; i++) {
    if (!fg(i)) continue;
    if (i % m.width > 0 && fg(i - 1)) parent[find(i)] = find(i - 1);
    if (i >= m.width && fg(i - m.width)) parent[find(i)] = find(i - m.width);
  }
  const names = new Map<number, number>();
  return Array.from({ length: n }, (_, i) => {
    if (!fg(i)) return 0;
    const r = find(i);
    if (!names.has(r)) names.set(r, names.size + 1);
    return names.get(r)!;
  });
};

describe('connectedComponents (4-connectivity)', () => {
  it('separates diagonal neighbours', () => {
    // 1 1 0      1 1 0
    // 0 0 1  →   0 0 2
    const c = connectedComponents(lab(3, 2, [1, 1, 0, 0, 0, 1]));
    expect([...c.labels.data]).toEqual([1, 1, 0, 0, 0, 2]);
    expect(c.count).toBe(2);
  });

  it('follows a U shape into one component', () => {
    // 1 0 1
    // 1 0 1
    // 1 1 1   (connected through the bottom row)
    const c = connectedComponents(lab(3, 3, [1, 0, 1, 1, 0, 1, 1, 1, 1]));
    expect([...c.labels.data]).toEqual([1, 0, 1, 1, 0, 1, 1, 1, 1]);
    expect(c.count).toBe(1);
  });

  it('numbers components in raster order of their first pixel and merges touching values', () => {
    // 0 3 0 5      0 1 0 2
    // 4 0 0 5  →   3 0 0 2
    const c = connectedComponents(lab(4, 2, [0, 3, 0, 5, 4, 0, 0, 5]));
    expect([...c.labels.data]).toEqual([0, 1, 0, 2, 3, 0, 0, 2]);
    const touching = connectedComponents(lab(2, 1, [3, 5]));
    expect([...touching.labels.data]).toEqual([1, 1]);
  });

  it('thresholds strictly above t', () => {
    const c = thresholdComponents(new Float32Array([0.9, 0.5, 0.8, 0.6]), 4, 1, 0.5);
    expect([...c.labels.data]).toEqual([1, 0, 2, 2]);
    expect(thresholdComponents(new Float32Array([1, 1]), 2, 1, 1).count).toBe(0);
  });

  it('handles an empty image and a predicate', () => {
    expect(connectedComponents(lab(0, 0, [])).count).toBe(0);
    expect([...componentsWhere(2, 2, (i) => i !== 1).labels.data]).toEqual([1, 0, 1, 1]);
  });

  it('equals a union-find reference and leaves the input alone', () => {
    fc.assert(
      fc.property(labelMap(2, 12), (m) => {
        const before = Int32Array.from(m.data);
        const c = connectedComponents(m);
        expect([...c.labels.data]).toEqual(reference(m));
        expect(c.count).toBe(Math.max(0, ...reference(m)));
        expect(m.data).toEqual(before);
      }),
    );
  });
});
