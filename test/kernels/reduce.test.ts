/**
 * Per-channel sums (src/kernels/reduce.ts): the two-stage kernel on every backend, and the
 * function the ops call (the kernel on a resident runtime, a float64 host pass elsewhere),
 * against a float64 reference within the float32 summation bound.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { channelSums, channelSumsOnDevice, MIN_STAGE1_THREADS, rowBlocks } from '../../src/kernels/reduce.js';
import { uploadTensor } from '../../src/tensor/device-tensor.js';
import type { Shape } from '../../src/tensor/tensor.js';
import { disposeRuntimes, runtimeFor, testBackends } from '../helpers/backends.js';
import { randomTensor } from '../helpers/random.js';

afterAll(disposeRuntimes);

const shapeArb = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 70 }));

/** Σ and Σ|·| per channel in float64. */
const reference = (shape: Shape, d: Float32Array): { sum: number[]; abs: number[] } => {
  const [n, c, h, w] = shape;
  const sum = new Array<number>(c).fill(0);
  const abs = new Array<number>(c).fill(0);
  for (let ni = 0; ni < n; ni++)
    for (let ci = 0; ci < c; ci++)
      for (let i = 0; i < h * w; i++) {
        const v = d[(ni * c + ci) * h * w + i]!;
        sum[ci]! += v;
        abs[ci]! += Math.abs(v);
      }
  return { sum, abs };
};

// Tolerance: a float32 sum of K terms errs by at most ~K·2^-24·Σ|terms| (any order); we allow 2×.
describe.each(testBackends)('channel sums on %s', (backend) => {
  it('the kernel and the function the ops call equal the float64 sums within the float32 bound', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.integer(), async (s, seed) => {
        const shape: Shape = s;
        const t = randomTensor(shape, seed);
        const { sum, abs } = reference(shape, t.data);
        const k = shape[0] * shape[2] * shape[3];
        const check = (got: Float32Array): void => {
          expect(got.length).toBe(shape[1]);
          for (let c = 0; c < shape[1]; c++) expect(Math.abs(got[c]! - sum[c]!)).toBeLessThanOrEqual(2 * k * 2 ** -24 * abs[c]! + 1e-30);
        };
        check(await rt.scope(async () => channelSumsOnDevice(rt, 'test.sums', await uploadTensor(rt, t))));
        check(await rt.scope(async () => channelSums(rt, 'test.sums', await uploadTensor(rt, t))));
      }),
      { numRuns: 12 },
    );
  });
});

describe('rowBlocks', () => {
  it('covers the rows with even blocks: b blocks of r rows, the last one not much shorter', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 50000 }), (rows, cols, outputs) => {
        const { r, b } = rowBlocks(rows, cols, outputs, 1);
        expect(r * b).toBeGreaterThanOrEqual(rows);
        expect(r * (b - 1)).toBeLessThan(rows);
        // even: the last block has more than r − b rows (66 rows as 33 + 33, not 64 + 2)
        expect(rows - r * (b - 1)).toBeGreaterThan(r - b);
      }),
    );
  });

  it('with threads per block, makes enough blocks for MIN_STAGE1_THREADS stage-1 threads where the rows allow, still even', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 20000 }), fc.integer({ min: 1, max: 3 }), (rows, cols, threads, n) => {
        const { r, b } = rowBlocks(rows, cols, 4 * threads, n, threads);
        expect(r * b).toBeGreaterThanOrEqual(rows);
        expect(r * (b - 1)).toBeLessThan(rows);
        expect(rows - r * (b - 1)).toBeGreaterThan(r - b);
        // (r = 1 is already the most blocks; partials past 2^24 values make blocks longer again)
        if (r > 1 && 4 * threads * n * rows <= 1 << 24) expect(b * threads * n).toBeGreaterThanOrEqual(MIN_STAGE1_THREADS);
        expect(b).toBeGreaterThanOrEqual(rowBlocks(rows, cols, 4 * threads, n).b);
      }),
    );
  });
});
