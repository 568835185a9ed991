import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dropout as dropoutRule, dropoutMask, dropoutRef, dropoutRefVjp } from '../../src/layers/dropout.js';
import { maxErrors } from '../../src/tensor/tensor64.js';
import { directionalCheck } from '../../src/autodiff/gradcheck.js';
import { rng } from '../../src/tensor/random.js';
import type { Shape, Tensor } from '../../src/tensor/tensor.js';
import { disposeRuntimes, runtimeFor, testBackends } from '../helpers/backends.js';
import { onDevice } from '../helpers/device.js';
import { as64, randomTensor } from '../helpers/random.js';

afterAll(disposeRuntimes);

// The op through the device path: inputs on the device on a resident runtime (webgpu), results read back.
const dropout = onDevice(dropoutRule);

const shapeArb = fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }));
const rateArb = fc.constantFrom(0, 0.1, 0.3, 0.5, 0.9);

const ones = (shape: Shape): Tensor => ({ shape, data: new Float32Array(shape[0] * shape[1] * shape[2] * shape[3]).fill(1) });
const mean = (a: Float32Array): number => {
  let s = 0;
  for (const v of a) s += v;
  return s / a.length;
};

// Tolerance: exact. Kernel and reference multiply the same float32 x by the same float32
// factor; the float32 product is correctly rounded, so it equals fround(float64 product).
describe.each(testBackends)('dropout on %s', (backend) => {
  it('forward and VJP equal the float64 reference exactly (rounded to float32)', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(shapeArb, rateArb, fc.integer(), async (s, rate, seed) => {
        const shape: Shape = s;
        const attrs = { rate, seed };
        const x = randomTensor(shape, seed);
        const before = x.data.slice();
        const { out, saved } = await dropout.forward(rt, [x], attrs);
        expect(out.shape).toEqual(shape);
        expect(saved.mask.data).toEqual(dropoutMask(shape, attrs).data);
        const mask64 = as64(saved.mask);
        expect(maxErrors(out.data, Float32Array.from(dropoutRef(as64(x), mask64).data)).abs).toBe(0);
        const dy = randomTensor(shape, seed + 1);
        const dyBefore = dy.data.slice();
        const [dx] = await dropout.vjp(rt, dy, [x], out, attrs, saved);
        expect(dx!.shape).toEqual(shape);
        expect(maxErrors(dx!.data, Float32Array.from(dropoutRefVjp(mask64, as64(dy)).data)).abs).toBe(0);
        expect(x.data).toEqual(before);
        expect(dy.data).toEqual(dyBefore);
      }),
      { numRuns: 15 },
    );
  });

  it('rate = 0 is the identity', async () => {
    const rt = await runtimeFor(backend);
    const x = randomTensor([2, 3, 5, 7], 3);
    const { out, saved } = await dropout.forward(rt, [x], { rate: 0, seed: 9 });
    expect(out.data).toEqual(x.data);
    expect(saved.mask.data.every((v) => v === 1)).toBe(true);
  });

  it('preserves the mean, drops a fraction ≈ rate, and is deterministic per seed', async () => {
    const rt = await runtimeFor(backend);
    const shape: Shape = [1, 4, 64, 64]; // 16,384 elements
    for (const rate of [0.2, 0.5]) {
      const x = ones(shape);
      const { out, saved } = await dropout.forward(rt, [x], { rate, seed: 1234 });
      // y = m·s with m ~ Bernoulli(1 − rate): mean 1, std of the mean √(rate/(1−rate)/n) ≤ 0.008.
      expect(Math.abs(mean(out.data) - 1)).toBeLessThan(0.04);
      const dropped = saved.mask.data.filter((v) => v === 0).length / saved.mask.data.length;
      expect(Math.abs(dropped - rate)).toBeLessThan(0.02);
      expect(new Set(saved.mask.data)).toEqual(new Set([0, Math.fround(1 / (1 - rate))]));
      const again = await dropout.forward(rt, [x], { rate, seed: 1234 });
      expect(again.out.data).toEqual(out.data);
      const other = await dropout.forward(rt, [x], { rate, seed: 1235 });
      expect(other.out.data).not.toEqual(out.data);
    }
  });

  it('uses the same mask on every backend (the host draws it from rng(seed))', async () => {
    const rt = await runtimeFor(backend);
    const x = ones([1, 1, 1, 8]);
    const { out } = await dropout.forward(rt, [x], { rate: 0.5, seed: 42 });
    // Golden values: rng(42).uniform() ≥ 0.5 ? 2 : 0 for the first 8 draws.
    const r = rng(42);
    expect(Array.from(out.data)).toEqual(Array.from({ length: 8 }, () => (r.uniform() >= 0.5 ? 2 : 0)));
  });

  it('is exact at the paper shape (1024×28×28, the end of the contracting path)', async () => {
    const rt = await runtimeFor(backend);
    const x = randomTensor([1, 1024, 28, 28], 41);
    const attrs = { rate: 0.5, seed: 7 };
    const { out, saved } = await dropout.forward(rt, [x], attrs);
    expect(maxErrors(out.data, Float32Array.from(dropoutRef(as64(x), as64(saved.mask)).data)).abs).toBe(0);
    expect(rt.fallbacks().size).toBe(0);
  });

  it('rejects a rate outside [0, 1) and a non-integer seed', async () => {
    const rt = await runtimeFor(backend);
    const x = ones([1, 1, 2, 2]);
    await expect(dropout.forward(rt, [x], { rate: 1, seed: 0 })).rejects.toThrow(/dropout: rate 1/);
    await expect(dropout.forward(rt, [x], { rate: -0.1, seed: 0 })).rejects.toThrow(/rate -0.1/);
    await expect(dropout.forward(rt, [x], { rate: Number.NaN, seed: 0 })).rejects.toThrow(/rate NaN/);
    await expect(dropout.forward(rt, [x], { rate: 0.5, seed: 0.5 })).rejects.toThrow(/seed 0.5/);
  });
});

describe('dropout reference VJP', () => {
  it('matches finite differences along random directions', () => {
    fc.assert(
      fc.property(shapeArb, rateArb, fc.integer(), (s, rate, seed) => {
        const shape: Shape = s;
        const mask = as64(dropoutMask(shape, { rate, seed }));
        const x = as64(randomTensor(shape, seed));
        const c = directionalCheck((i) => dropoutRef(i[0]!, mask), (_i, u) => [dropoutRefVjp(mask, u)], [x], [0], rng(seed));
        expect(c.rel).toBeLessThan(1e-6);
      }),
      { numRuns: 20 },
    );
  });
});
