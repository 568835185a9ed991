import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { maxErrors, to32, to64, zeros64 } from '../../src/tensor/tensor64.js';

describe('tensor64', () => {
  it('to64 / to32 round-trip float32 values exactly and copy', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true }), { minLength: 6, maxLength: 6 }), (vals) => {
        const t = { shape: [1, 1, 2, 3] as const, data: Float32Array.from(vals) };
        const d = to64(t);
        expect(d.shape).toEqual(t.shape);
        expect(Array.from(d.data)).toEqual(Array.from(t.data));
        const back = to32(d);
        expect(back.data).toEqual(t.data);
        expect(back.data).not.toBe(t.data);
      }),
    );
    expect(zeros64([1, 2, 3, 4]).data).toEqual(new Float64Array(24));
  });

  it('maxErrors gives max absolute and relative (floored) error', () => {
    expect(maxErrors([1, 2, 3], [1, 2, 3])).toEqual({ abs: 0, rel: 0 });
    const e = maxErrors([1.5, 0.0001, 10], [1, 0, 10.5]);
    expect(e.abs).toBeCloseTo(0.5, 12);
    // |0.0001 − 0| / 1e-3 = 0.1 (floor), 0.5 / 1 = 0.5
    expect(e.rel).toBeCloseTo(0.5, 12);
    expect(maxErrors([0.0001], [0]).rel).toBeCloseTo(0.1, 12);
  });

  it('maxErrors treats NaN as an infinite error and rejects length mismatch', () => {
    expect(maxErrors([1, NaN], [1, 2])).toEqual({ abs: Infinity, rel: Infinity });
    expect(maxErrors([1, 2], [1, NaN])).toEqual({ abs: Infinity, rel: Infinity });
    expect(() => maxErrors([1], [1, 2])).toThrow(/lengths 1 and 2/);
  });
});
