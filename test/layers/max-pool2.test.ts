import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { maxPool2 as maxPool2Rule, maxPool2Ref, maxPool2RefVjp } from '../../src/layers/max-pool2.js';
import { maxErrors, type Tensor64 } from '../../src/tensor/tensor64.js';
import { directionalCheck } from '../../src/autodiff/gradcheck.js';
import { rng } from '../../src/tensor/random.js';
import type { Shape, Tensor } from '../../src/tensor/tensor.js';
import { OpShapeError } from '../../src/tensor/shape-error.js';
import { disposeRuntimes, runtimeFor, testBackends } from '../helpers/backends.js';
import { onDevice } from '../helpers/device.js';
import { as64, randomTensor } from '../helpers/random.js';
import { maxPool2BackwardOnDevice, maxPool2Forward } from '../../src/kernels/max-pool2.js';
import { readTensor, uploadTensor } from '../../src/tensor/device-tensor.js';

afterAll(disposeRuntimes);

// The op through the device path: inputs on the device on a resident runtime (webgpu), results read back.
const maxPool2 = onDevice(maxPool2Rule);

// Even H, W (the shape rule rejects odd ones).
const shapeArb = fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }));
const toShape = ([n, c, h2, w2]: [number, number, number, number]): Shape => [n, c, 2 * h2, 2 * w2];

/** Values from {0, 1, 2}: most windows have ties. */
const tiedTensor = (shape: Shape, seed: number): Tensor => {
  const r = rng(seed);
  const data = new Float32Array(shape[0] * shape[1] * shape[2] * shape[3]);
  for (let i = 0; i < data.length; i++) data[i] = r.int(3);
  return { shape, data };
};

/** Distinct values 0.01 apart in random order: no ties, and no argmax change under FD steps. */
const distinct64 = (shape: Shape, seed: number): Tensor64 => {
  const r = rng(seed);
  const n = shape[0] * shape[1] * shape[2] * shape[3];
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  return { shape, data: Float64Array.from(perm, (p) => 0.01 * (p - n / 2)) };
};

// Tolerance: exact. The max selects one float32 input and the VJP copies dy values.
describe.each(testBackends)('maxPool2 on %s', (backend) => {
  it('the kernels equal the float64 reference exactly, ties included (the op uses them where tensors live on the device)', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.integer(), fc.boolean(), async (s, seed, ties) => {
        const shape = toShape(s);
        const x = ties ? tiedTensor(shape, seed) : randomTensor(shape, seed);
        const out: Shape = [shape[0], shape[1], shape[2] / 2, shape[3] / 2];
        const y = await rt.scope(async () => readTensor(rt, await maxPool2Forward(rt, await uploadTensor(rt, x), out)));
        expect(maxErrors(y.data, maxPool2Ref(as64(x)).data).abs).toBe(0);
        const dy = randomTensor(out, seed + 1);
        const dx = await rt.scope(async () => readTensor(rt, await maxPool2BackwardOnDevice(rt, await uploadTensor(rt, x), await uploadTensor(rt, dy))));
        expect(maxErrors(dx.data, maxPool2RefVjp(as64(x), as64(dy)).data).abs).toBe(0);
      }),
      { numRuns: 10 },
    );
  });

  it('forward and VJP equal the float64 reference exactly (random inputs)', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.integer(), async (s, seed) => {
        const shape = toShape(s);
        const x = randomTensor(shape, seed);
        const before = x.data.slice();
        const { out } = await maxPool2.forward(rt, [x], {});
        expect(out.shape).toEqual([shape[0], shape[1], shape[2] / 2, shape[3] / 2]);
        expect(maxErrors(out.data, maxPool2Ref(as64(x)).data).abs).toBe(0);
        const dy = randomTensor(out.shape, seed + 1);
        const dyBefore = dy.data.slice();
        const [dx] = await maxPool2.vjp(rt, dy, [x], out, {}, null);
        expect(dx!.shape).toEqual(x.shape);
        expect(maxErrors(dx!.data, maxPool2RefVjp(as64(x), as64(dy)).data).abs).toBe(0);
        expect(x.data).toEqual(before);
        expect(dy.data).toEqual(dyBefore);
      }),
      { numRuns: 15 },
    );
  });

  it('ties: the first maximum in row-major window order gets the whole gradient', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.integer(), async (s, seed) => {
        const shape = toShape(s);
        const x = tiedTensor(shape, seed);
        const { out } = await maxPool2.forward(rt, [x], {});
        expect(maxErrors(out.data, maxPool2Ref(as64(x)).data).abs).toBe(0);
        const dy = randomTensor(out.shape, seed + 1);
        const [dx] = await maxPool2.vjp(rt, dy, [x], out, {}, null);
        expect(maxErrors(dx!.data, maxPool2RefVjp(as64(x), as64(dy)).data).abs).toBe(0);
      }),
      { numRuns: 15 },
    );
    // Hand-made windows: all equal → (0,0); (0,1) and (1,1) tied → (0,1); (1,0),(1,1) tied → (1,0).
    // x [1, 1, 2, 6] holds three windows side by side.
    const x: Tensor = { shape: [1, 1, 2, 6], data: Float32Array.from([5, 5, 1, 7, 0, 0, 5, 5, 2, 7, 3, 3]) };
    const dy: Tensor = { shape: [1, 1, 1, 3], data: Float32Array.from([10, 20, 30]) };
    const { out } = await maxPool2.forward(rt, [x], {});
    expect(Array.from(out.data)).toEqual([5, 7, 3]);
    const [dx] = await maxPool2.vjp(rt, dy, [x], out, {}, null);
    expect(Array.from(dx!.data)).toEqual([10, 0, 0, 20, 0, 0, 0, 0, 0, 0, 30, 0]);
  });

  it('is exact at a paper-size shape (64×568×568 → 64×284×284, beyond 2^24 values)', async () => {
    const rt = await runtimeFor(backend);
    const x = randomTensor([1, 64, 568, 568], 11);
    const x64 = as64(x);
    const { out } = await maxPool2.forward(rt, [x], {});
    expect(maxErrors(out.data, maxPool2Ref(x64).data).abs).toBe(0);
    const dy = randomTensor(out.shape, 12);
    const [dx] = await maxPool2.vjp(rt, dy, [x], out, {}, null);
    expect(maxErrors(dx!.data, maxPool2RefVjp(x64, as64(dy)).data).abs).toBe(0);    expect(rt.fallbacks().size).toBe(0);
  });

  it('rejects odd H or W with the shape rule message', async () => {
    const rt = await runtimeFor(backend);
    await expect(maxPool2.forward(rt, [randomTensor([1, 1, 5, 4], 1)], {})).rejects.toThrow(OpShapeError);
    await expect(maxPool2.forward(rt, [randomTensor([1, 1, 4, 3], 1)], {})).rejects.toThrow(/maxPool2.*even H and W/);
  });
});

describe('maxPool2 reference VJP', () => {
  it('matches finite differences along random directions (inputs without ties)', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), (s, seed) => {
        const x = distinct64(toShape(s), seed);
        const c = directionalCheck((i) => maxPool2Ref(i[0]!), (i, u) => [maxPool2RefVjp(i[0]!, u)], [x], [0], rng(seed));
        expect(c.rel).toBeLessThan(1e-6);
      }),
      { numRuns: 20 },
    );
  });
});
