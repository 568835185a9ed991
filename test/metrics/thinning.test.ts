import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connectedComponents } from '../../src/metrics/components.js';
import { thinBoundaries } from '../../src/metrics/thinning.js';
import { labelMap } from './arbitraries.js';

const neighbours = (i: number, w: number, n: number): number[] =>
  [i % w > 0 ? i - 1 : -1, i % w < w - 1 ? i + 1 : -1, i - w, i + w].filter((j) => j >= 0 && j < n);

describe('thinBoundaries', () => {
  it('thins a 1-D boundary to one or zero pixels', () => {
    expect([...thinBoundaries({ width: 5, height: 1, data: [1, 0, 0, 0, 2] }).data]).toEqual([1, 1, 0, 2, 2]);
    expect([...thinBoundaries({ width: 4, height: 1, data: [1, 0, 0, 2] }).data]).toEqual([1, 1, 2, 2]);
  });

  it('leaves a one-pixel anti-diagonal between two corner segments (hand example)', () => {
    // 1 0 0      1 1 0     round 1: the four pixels next to one segment join it
    // 0 0 0  →   1 0 2     round 2: (2,0), (1,1), (0,2) touch both 1 and 2: stay boundary
    // 0 0 2      0 2 2
    const t = thinBoundaries({ width: 3, height: 3, data: [1, 0, 0, 0, 0, 0, 0, 0, 2] });
    expect([...t.data]).toEqual([1, 1, 0, 1, 0, 2, 0, 2, 2]);
  });

  it('leaves an image without segments unchanged, and the input alone', () => {
    expect([...thinBoundaries({ width: 2, height: 2, data: [0, 0, 0, 0] }).data]).toEqual([0, 0, 0, 0]);
    const input = Int32Array.from([1, 0, 0, 2]);
    thinBoundaries({ width: 4, height: 1, data: input });
    expect([...input]).toEqual([1, 0, 0, 2]);
  });

  it('keeps segments, grows each connectedly, and leaves 0 only between ≥ 2 segments', () => {
    fc.assert(
      fc.property(labelMap(1, 12), (mask) => {
        const seeds = connectedComponents(mask).labels;
        const t = thinBoundaries(seeds);
        const n = t.data.length;
        for (let i = 0; i < n; i++) {
          const mine = t.data[i]!;
          const around = neighbours(i, t.width, n).map((j) => t.data[j]!);
          if (seeds.data[i] !== 0) expect(mine).toBe(seeds.data[i]); // segments keep their pixels
          else if (mine !== 0) expect(around).toContain(mine); // grown pixels touch their segment
          else {
            const distinct = new Set(around.filter((l) => l !== 0));
            expect(distinct.size === 0 || distinct.size >= 2).toBe(true);
          }
        }
        // grown segments stay 4-connected and distinct: as many components as seeds
        const regions = new Set(Array.from(t.data).filter((l) => l !== 0));
        expect(regions.size).toBe(connectedComponents(mask).count);
      }),
      { numRuns: 50 },
    );
  });
});
