import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { relu as reluRule, reluRef, reluRefVjp } from '../../src/layers/relu.js';
import { maxErrors } from '../../src/tensor/tensor64.js';
import { directionalCheck } from '../../src/autodiff/gradcheck.js';
import { rng } from '../../src/tensor/random.js';
import type { Shape } from '../../src/tensor/tensor.js';
import { disposeRuntimes, runtimeFor, testBackends } from '../helpers/backends.js';
import { onDevice } from '../helpers/device.js';
import { as64, randomTensor } from '../helpers/random.js';
import { reluBackward, reluBackwardOnDevice } from '../../src/kernels/relu.js';
import { readTensor, uploadTensor } from '../../src/tensor/device-tensor.js';

afterAll(disposeRuntimes);

// The op through the device path: inputs on the device on a resident runtime (webgpu), results read back.
const relu = onDevice(reluRule);

const shapeArb = fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }));

// Tolerance: exact. max(x, 0) and the masked copy are exact in float32.
describe.each(testBackends)('relu on %s', (backend) => {
  it('forward and VJP equal the float64 reference exactly', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.integer(), async (s, seed) => {
        const shape: Shape = s;
        const x = randomTensor(shape, seed);
        const dy = randomTensor(shape, seed + 1);
        const before = x.data.slice();
        const { out } = await relu.forward(rt, [x], {});
        expect(maxErrors(out.data, reluRef(as64(x)).data).abs).toBe(0);
        const [dx] = await relu.vjp(rt, dy, [x], out, {}, null);
        expect(dx!.shape).toEqual(x.shape);
        expect(maxErrors(dx!.data, reluRefVjp(as64(x), as64(dy)).data).abs).toBe(0);
        expect(x.data).toEqual(before);
      }),
      { numRuns: 15 },
    );
  });

  it('the VJP mask kernel equals the float64 reference exactly (the op uses it only where tensors live on the device)', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.integer(), async (s, seed) => {
        const shape: Shape = s;
        const y = randomTensor(shape, seed);
        const dy = randomTensor(shape, seed + 1);
        const want = reluRefVjp(as64(y), as64(dy)).data;
        const kernel = await rt.scope(async () => readTensor(rt, await reluBackwardOnDevice(rt, await uploadTensor(rt, dy), await uploadTensor(rt, y))));
        expect(maxErrors(kernel.data, want).abs).toBe(0);
        const either = await rt.scope(async () => readTensor(rt, await reluBackward(rt, await uploadTensor(rt, dy), await uploadTensor(rt, y))));
        expect(maxErrors(either.data, want).abs).toBe(0);
      }),
      { numRuns: 10 },
    );
  });

  it('is exact at a paper-size shape (64×570×570, beyond 2^24 values)', async () => {
    const rt = await runtimeFor(backend);
    const x = randomTensor([1, 64, 570, 570], 7);
    const { out } = await relu.forward(rt, [x], {});
    expect(maxErrors(out.data, reluRef(as64(x)).data).abs).toBe(0);
  });
});

describe('relu reference VJP', () => {
  it('matches finite differences along random directions', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        // Values bounded away from the kink at 0 so the central difference is exact.
        const x = as64(randomTensor([1, 2, 3, 3], seed));
        const safe = { shape: x.shape, data: x.data.map((v) => (Math.abs(v) < 0.1 ? v + 0.2 * Math.sign(v || 1) : v)) };
        const c = directionalCheck((i) => reluRef(i[0]!), (i, u) => [reluRefVjp(i[0]!, u)], [safe], [0], rng(seed));
        expect(c.rel).toBeLessThan(1e-6);
      }),
      { numRuns: 20 },
    );
  });
});

describe('relu VJP mask on the host (branchless, on float32 bit patterns)', () => {
  it('equals y > 0 ? dy : 0 for every special value: ±0, ±∞, NaNs of either sign, denormals, extremes', async () => {
    const rt = await runtimeFor('webasm');
    const specials = [0, -0, 1, -1, Infinity, -Infinity, NaN, 1e-45, -1e-45, 1.17e-38, -1.17e-38, 3.4e38, -3.4e38, 0.5, -0.5];
    const bitsOf = (v: number, negNaN: boolean): number => {
      const f = new Float32Array([v]);
      const i = new Int32Array(f.buffer);
      if (Number.isNaN(v) && negNaN) i[0] = i[0]! | (1 << 31);
      return i[0]!;
    };
    const yBits: number[] = [];
    const gBits: number[] = [];
    for (const y of specials)
      for (const g of specials)
        for (const neg of [false, true]) {
          yBits.push(bitsOf(y, neg));
          gBits.push(bitsOf(g, !neg));
        }
    const y = new Float32Array(new Int32Array(yBits).buffer);
    const dy = new Float32Array(new Int32Array(gBits).buffer);
    const shape = [1, 1, 1, y.length] as const;
    const dx = await reluBackward(rt, { shape, data: dy }, { shape, data: y });
    const got = new Int32Array((dx as { data: Float32Array }).data.buffer);
    // expected, bit for bit: the branchy definition on the same float32 values
    const want = Array.from(y, (v, i) => (v > 0 ? gBits[i]! : 0));
    expect(Array.from(got)).toEqual(want);
  });
});
