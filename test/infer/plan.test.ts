import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { autoTile, tileCount, tileOrigins, tilePlan, tilingCost } from '../../src/infer/plan.js';
import { geometry, minimumInput, validAbove } from '../../src/unet/geometry.js';

describe('tilePlan', () => {
  it('the paper network: 572 → 388 output, 92 halo, origins every 384 px (multiples of 16)', () => {
    expect(tilePlan({ depth: 4 }, 572)).toEqual(E.right({ tile: 572, output: 388, context: 92, stride: 384, grid: 16 }));
    expect(tilePlan({ depth: 3 }, 252)).toEqual(E.right({ tile: 252, output: 164, context: 44, stride: 160, grid: 8 }));
  });

  it('an invalid size names the nearest valid ones; a too small output names the smallest tile that works', () => {
    expect(tilePlan({ depth: 3 }, 250)).toEqual(E.left(expect.stringContaining('nearest valid sizes: 244 or 252')));
    // 92 is valid for depth 3 but its output (4 px) is less than one 8-px grid cell
    expect(E.isRight(geometry({ depth: 3 })(92))).toBe(true);
    expect(tilePlan({ depth: 3 }, 92)).toEqual(E.left(expect.stringContaining('the smallest tile that works is 100')));
  });

  it('same padding keeps a context margin of the valid halo, leaving at least one grid cell', () => {
    expect(tilePlan({ depth: 2, padding: 'same' }, 64)).toEqual(E.right({ tile: 64, output: 24, context: 20, stride: 24, grid: 4 }));
    expect(tilePlan({ depth: 2, padding: 'same' }, 8)).toEqual(E.right({ tile: 8, output: 4, context: 2, stride: 4, grid: 4 }));
  });

  it('for every depth and valid tile: stride on the grid, within one cell of the output, n = output + 2·context', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 2000 }), fc.constantFrom('valid' as const, 'same' as const), (depth, k, padding) => {
        const n = validAbove({ depth, padding }, k);
        const p = tilePlan({ depth, padding }, n);
        if (E.isLeft(p)) {
          expect(p.left).toContain('the smallest tile that works');
          return;
        }
        const { output, context, stride, grid } = p.right;
        expect(grid).toBe(2 ** depth);
        expect(stride % grid).toBe(0);
        expect(stride).toBeLessThanOrEqual(output);
        expect(output - stride).toBeLessThan(grid);
        expect(output + 2 * context).toBe(n);
      }),
    );
  });
});

describe('tileOrigins', () => {
  it('the clipped blocks [origin, origin + stride) cover every pixel exactly once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 600 }), (size, stride) => {
        const origins = tileOrigins(size, stride);
        const cover = new Uint8Array(size);
        for (const o of origins) for (let p = o; p < Math.min(size, o + stride); p++) cover[p]!++;
        expect(cover.every((c) => c === 1)).toBe(true);
        expect(origins.every((o) => o % stride === 0 && o < size)).toBe(true);
      }),
    );
    expect(tileOrigins(3, 384)).toEqual([0]);
  });

  it('tileCount multiplies rows and columns', () => {
    const p = tilePlan({ depth: 3 }, 252);
    if (E.isLeft(p)) throw new Error(p.left);
    expect(tileCount(p.right, 2000, 3000)).toBe(13 * 19);
  });
});

describe('autoTile', () => {
  it('the examples: 316 for a 128² image with the small preset, 396 (2 × 2) for 400², 524 (6 × 6, as many as 572 needs) for 2000²', () => {
    expect(autoTile({ depth: 4 }, 128, 128, 572)).toBe(316);
    expect(autoTile({ depth: 4 }, 400, 400, 572)).toBe(396);
    expect(autoTile({ depth: 4 }, 2000, 2000, 572)).toBe(524);
    expect(autoTile({ depth: 4 }, 3000, 3000, 572)).toBe(572); // 8 × 8; no smaller tile reaches 8 per side
  });

  it('for a square image that one tile up to the cap covers: the smallest valid tile covering it in one tile', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 600 }), fc.integer({ min: 0, max: 40 }), (depth, size, k) => {
        const cap = validAbove({ depth }, minimumInput({ depth }) + (k + 1) * 2 ** depth); // output ≥ one grid cell
        let cover = 1;
        for (; ; cover++) {
          const p = tilePlan({ depth }, cover);
          if (E.isRight(p) && p.right.stride >= size) break;
        }
        if (cover <= cap) expect(autoTile({ depth }, size, size, cap)).toBe(cover);
        else expect(autoTile({ depth }, size, size, cap)).toBeLessThanOrEqual(cap);
      }),
    );
  });

  it('is the valid tile ≤ cap of least work (smallest on a tie), and the smallest covering tile when one fits under the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 0, max: 30 }),
        fc.constantFrom('valid' as const, 'same' as const),
        (depth, h, w, k, padding) => {
          const cfg = { depth, padding };
          // a cap with a usable plan, as a model's tile is
          let cap = validAbove(cfg, minimumInput(cfg) + k * 2 ** depth);
          while (E.isLeft(tilePlan(cfg, cap))) cap = validAbove(cfg, cap + 1);
          const capPlan = tilePlan(cfg, cap);
          if (E.isLeft(capPlan)) throw new Error(capPlan.left);
          const t = autoTile(cfg, h, w, cap);
          expect(t).toBeLessThanOrEqual(cap);
          const chosen = tilePlan(cfg, t);
          if (E.isLeft(chosen)) throw new Error(chosen.left);
          expect(chosen.right.context).toBeGreaterThanOrEqual(capPlan.right.context);
          // brute force over every size up to the cap
          let best = Infinity;
          let bestTile = 0;
          let cover: number | undefined;
          for (let n = 1; n <= cap; n++) {
            const p = tilePlan(cfg, n);
            if (E.isLeft(p) || p.right.context < capPlan.right.context) continue;
            const c = tilingCost(p.right, h, w);
            if (c < best) [best, bestTile] = [c, n];
            if (cover === undefined && p.right.stride >= Math.max(h, w)) cover = n;
          }
          expect(t).toBe(bestTile);
          expect(tilingCost(chosen.right, h, w)).toBe(best);
          // a long thin image can take a row of smaller tiles; a square one that fits, one tile
          if (cover !== undefined && h === w) expect(t).toBe(cover);
        },
      ),
    );
  });
});
