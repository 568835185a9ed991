import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concat as concatRule, concatRef, concatRefVjp } from '../../src/layers/concat.js';
import { maxErrors } from '../../src/tensor/tensor64.js';
import { directionalCheck } from '../../src/autodiff/gradcheck.js';
import { rng } from '../../src/tensor/random.js';
import type { Shape } from '../../src/tensor/tensor.js';
import { OpShapeError } from '../../src/tensor/shape-error.js';
import { disposeRuntimes, runtimeFor, testBackends } from '../helpers/backends.js';
import { onDevice } from '../helpers/device.js';
import { as64, randomTensor } from '../helpers/random.js';
import { channelSliceOnDevice, concatOnDevice } from '../../src/kernels/concat.js';
import { readTensor, uploadTensor } from '../../src/tensor/device-tensor.js';

afterAll(disposeRuntimes);

// The op through the device path: inputs on the device on a resident runtime (webgpu), results read back.
const concat = onDevice(concatRule);

/** Shapes of a and b: equal N, H, W; channel counts Ca, Cb. */
const caseArb = fc
  .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }))
  .map(([n, ca, cb, h, w]) => ({ a: [n, ca, h, w] as Shape, b: [n, cb, h, w] as Shape }));

// Tolerance: exact. Concatenation and splitting only copy float32 values.
describe.each(testBackends)('concat on %s', (backend) => {
  it('the kernels equal the float64 reference exactly (the op uses them where tensors live on the device)', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(caseArb, fc.integer(), async (s, seed) => {
        const [a, b] = [randomTensor(s.a, seed), randomTensor(s.b, seed + 1)];
        const out: Shape = [s.a[0], s.a[1] + s.b[1], s.a[2], s.a[3]];
        const y = await rt.scope(async () => readTensor(rt, await concatOnDevice(rt, await uploadTensor(rt, a), await uploadTensor(rt, b), out)));
        expect(maxErrors(y.data, concatRef(as64(a), as64(b)).data).abs).toBe(0);
        const dy = randomTensor(out, seed + 2);
        const [ra, rb] = concatRefVjp(as64(a), as64(b), as64(dy));
        const part = (shape: Shape, off: number) => rt.scope(async () => readTensor(rt, await channelSliceOnDevice(rt, await uploadTensor(rt, dy), shape, off)));
        expect(maxErrors((await part(s.a, 0)).data, ra.data).abs).toBe(0);
        expect(maxErrors((await part(s.b, s.a[1])).data, rb.data).abs).toBe(0);
      }),
      { numRuns: 10 },
    );
  });

  it('forward and VJP equal the float64 reference exactly', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(caseArb, fc.integer(), async (s, seed) => {
        const a = randomTensor(s.a, seed);
        const b = randomTensor(s.b, seed + 1);
        const [aBefore, bBefore] = [a.data.slice(), b.data.slice()];
        const { out } = await concat.forward(rt, [a, b], {});
        expect(out.shape).toEqual([s.a[0], s.a[1] + s.b[1], s.a[2], s.a[3]]);
        expect(maxErrors(out.data, concatRef(as64(a), as64(b)).data).abs).toBe(0);
        const dy = randomTensor(out.shape, seed + 2);
        const dyBefore = dy.data.slice();
        const [da, db] = await concat.vjp(rt, dy, [a, b], out, {}, null);
        const [ra, rb] = concatRefVjp(as64(a), as64(b), as64(dy));
        expect(da!.shape).toEqual(a.shape);
        expect(db!.shape).toEqual(b.shape);
        expect(maxErrors(da!.data, ra.data).abs).toBe(0);
        expect(maxErrors(db!.data, rb.data).abs).toBe(0);
        expect(a.data).toEqual(aBefore);
        expect(b.data).toEqual(bBefore);
        expect(dy.data).toEqual(dyBefore);
      }),
      { numRuns: 15 },
    );
  });

  it('orders channels as [a; b] per batch item (hand-made case)', async () => {
    const rt = await runtimeFor(backend);
    // N = 2, H = W = 1: a has 1 channel, b has 2.
    const a = { shape: [2, 1, 1, 1] as Shape, data: Float32Array.from([1, 2]) };
    const b = { shape: [2, 2, 1, 1] as Shape, data: Float32Array.from([10, 11, 20, 21]) };
    const { out } = await concat.forward(rt, [a, b], {});
    expect(Array.from(out.data)).toEqual([1, 10, 11, 2, 20, 21]);
    const [da, db] = await concat.vjp(rt, out, [a, b], out, {}, null);
    expect(Array.from(da!.data)).toEqual([1, 2]);
    expect(Array.from(db!.data)).toEqual([10, 11, 20, 21]);
    // A part with 0 channels (allowed by the shape rule) is skipped, not passed to a kernel.
    const empty = { shape: [2, 0, 1, 1] as Shape, data: new Float32Array(0) };
    const e = await concat.forward(rt, [empty, b], {});
    expect(e.out.shape).toEqual([2, 2, 1, 1]);
    expect(Array.from(e.out.data)).toEqual([10, 11, 20, 21]);
    const [de, dbe] = await concat.vjp(rt, e.out, [empty, b], e.out, {}, null);
    expect(de!.shape).toEqual([2, 0, 1, 1]);
    expect(Array.from(dbe!.data)).toEqual([10, 11, 20, 21]);
  });

  it('is exact at a paper-size shape (two 64×392×392 maps → 128×392×392, beyond 2^24 values)', async () => {
    const rt = await runtimeFor(backend);
    const a = randomTensor([1, 64, 392, 392], 31);
    const b = randomTensor([1, 64, 392, 392], 32);
    const { out } = await concat.forward(rt, [a, b], {});
    expect(maxErrors(out.data, concatRef(as64(a), as64(b)).data).abs).toBe(0);
    const dy = randomTensor(out.shape, 33);
    const [da, db] = await concat.vjp(rt, dy, [a, b], out, {}, null);
    const [ra, rb] = concatRefVjp(as64(a), as64(b), as64(dy));
    expect(maxErrors(da!.data, ra.data).abs).toBe(0);
    expect(maxErrors(db!.data, rb.data).abs).toBe(0);
    expect(rt.fallbacks().size).toBe(0);
  });

  it('rejects inputs that differ in N, H or W with the shape rule message', async () => {
    const rt = await runtimeFor(backend);
    const a = randomTensor([1, 2, 4, 4], 1);
    await expect(concat.forward(rt, [a, randomTensor([1, 2, 4, 5], 2)], {})).rejects.toThrow(OpShapeError);
    await expect(concat.forward(rt, [a, randomTensor([2, 2, 4, 4], 2)], {})).rejects.toThrow(/concat.*equal N, H, W/);
  });
});

describe('concat reference VJP', () => {
  it('matches finite differences along random directions', () => {
    fc.assert(
      fc.property(caseArb, fc.integer(), (s, seed) => {
        const inputs = [as64(randomTensor(s.a, seed)), as64(randomTensor(s.b, seed + 1))];
        const c = directionalCheck((i) => concatRef(i[0]!, i[1]!), (i, u) => concatRefVjp(i[0]!, i[1]!, u), inputs, [0, 1], rng(seed));
        expect(c.rel).toBeLessThan(1e-6);
      }),
      { numRuns: 20 },
    );
  });
});
