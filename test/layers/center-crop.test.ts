import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { centerCrop as centerCropRule, centerCropRef, centerCropRefVjp } from '../../src/layers/center-crop.js';
import { maxErrors } from '../../src/tensor/tensor64.js';
import { directionalCheck } from '../../src/autodiff/gradcheck.js';
import { rng } from '../../src/tensor/random.js';
import type { Shape } from '../../src/tensor/tensor.js';
import { OpShapeError } from '../../src/tensor/shape-error.js';
import { disposeRuntimes, runtimeFor, testBackends } from '../helpers/backends.js';
import { onDevice } from '../helpers/device.js';
import { as64, randomTensor } from '../helpers/random.js';
import { centerCropBackwardOnDevice, centerCropOnDevice } from '../../src/kernels/center-crop.js';
import { readTensor, uploadTensor } from '../../src/tensor/device-tensor.js';

afterAll(disposeRuntimes);

// The op through the device path: inputs on the device on a resident runtime (webgpu), results read back.
const centerCrop = onDevice(centerCropRule);

/** A shape and a valid crop: margins 2·my, 2·mx (even, so the crop is centred exactly). */
const caseArb = fc
  .tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.nat(), fc.nat())
  .map(([n, c, H, W, a, b]) => {
    const my = a % (Math.floor((H - 1) / 2) + 1);
    const mx = b % (Math.floor((W - 1) / 2) + 1);
    return { shape: [n, c, H, W] as Shape, attrs: { h: H - 2 * my, w: W - 2 * mx } };
  });

// Tolerance: exact. Crop and zero-padding only copy float32 values.
describe.each(testBackends)('centerCrop on %s', (backend) => {
  it('the kernels equal the float64 reference exactly (the op uses them where tensors live on the device)', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(caseArb, fc.integer(), async ({ shape, attrs }, seed) => {
        const x = randomTensor(shape, seed);
        const out: Shape = [shape[0], shape[1], attrs.h, attrs.w];
        const y = await rt.scope(async () => readTensor(rt, await centerCropOnDevice(rt, await uploadTensor(rt, x), out)));
        expect(maxErrors(y.data, centerCropRef(as64(x), attrs).data).abs).toBe(0);
        const dy = randomTensor(out, seed + 1);
        const dx = await rt.scope(async () => readTensor(rt, await centerCropBackwardOnDevice(rt, await uploadTensor(rt, dy), shape)));
        expect(maxErrors(dx.data, centerCropRefVjp(as64(x), as64(dy), attrs).data).abs).toBe(0);
      }),
      { numRuns: 10 },
    );
  });

  it('forward and VJP equal the float64 reference exactly', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(caseArb, fc.integer(), async ({ shape, attrs }, seed) => {
        const x = randomTensor(shape, seed);
        const before = x.data.slice();
        const { out } = await centerCrop.forward(rt, [x], attrs);
        expect(out.shape).toEqual([shape[0], shape[1], attrs.h, attrs.w]);
        expect(maxErrors(out.data, centerCropRef(as64(x), attrs).data).abs).toBe(0);
        const dy = randomTensor(out.shape, seed + 1);
        const dyBefore = dy.data.slice();
        const [dx] = await centerCrop.vjp(rt, dy, [x], out, attrs, null);
        expect(dx!.shape).toEqual(x.shape);
        expect(maxErrors(dx!.data, centerCropRefVjp(as64(x), as64(dy), attrs).data).abs).toBe(0);
        expect(x.data).toEqual(before);
        expect(dy.data).toEqual(dyBefore);
      }),
      { numRuns: 15 },
    );
  });

  it('crops the centre of a hand-made map and pads the cotangent with zeros', async () => {
    const rt = await runtimeFor(backend);
    // 4×4 values 0..15 → centre 2×2 = [5, 6, 9, 10].
    const x = { shape: [1, 1, 4, 4] as Shape, data: Float32Array.from({ length: 16 }, (_, i) => i) };
    const { out } = await centerCrop.forward(rt, [x], { h: 2, w: 2 });
    expect(Array.from(out.data)).toEqual([5, 6, 9, 10]);
    const dy = { shape: out.shape, data: Float32Array.from([1, 2, 3, 4]) };
    const [dx] = await centerCrop.vjp(rt, dy, [x], out, { h: 2, w: 2 }, null);
    expect(Array.from(dx!.data)).toEqual([0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0]);
  });

  it('is exact at a paper-size shape (64×568×568 cropped to 392×392, beyond 2^24 values)', async () => {
    const rt = await runtimeFor(backend);
    const attrs = { h: 392, w: 392 };
    const x = randomTensor([1, 64, 568, 568], 21);
    const x64 = as64(x);
    const { out } = await centerCrop.forward(rt, [x], attrs);
    expect(maxErrors(out.data, centerCropRef(x64, attrs).data).abs).toBe(0);
    const dy = randomTensor(out.shape, 22);
    const [dx] = await centerCrop.vjp(rt, dy, [x], out, attrs, null);
    expect(maxErrors(dx!.data, centerCropRefVjp(x64, as64(dy), attrs).data).abs).toBe(0);
    expect(rt.fallbacks().size).toBe(0);
  });

  it('rejects crops that are too large or off-centre with the shape rule message', async () => {
    const rt = await runtimeFor(backend);
    const x = randomTensor([1, 1, 6, 6], 1);
    await expect(centerCrop.forward(rt, [x], { h: 8, w: 4 })).rejects.toThrow(OpShapeError);
    await expect(centerCrop.forward(rt, [x], { h: 3, w: 4 })).rejects.toThrow(/centerCrop.*odd margin/);
  });
});

describe('centerCrop reference VJP', () => {
  it('matches finite differences along random directions', () => {
    fc.assert(
      fc.property(caseArb, fc.integer(), ({ shape, attrs }, seed) => {
        const x = as64(randomTensor(shape, seed));
        const c = directionalCheck((i) => centerCropRef(i[0]!, attrs), (i, u) => [centerCropRefVjp(i[0]!, u, attrs)], [x], [0], rng(seed));
        expect(c.rel).toBeLessThan(1e-6);
      }),
      { numRuns: 20 },
    );
  });
});
