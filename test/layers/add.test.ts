import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { add as addRule } from '../../src/layers/add.js';
import { addOnDevice } from '../../src/kernels/add.js';
import { readTensor, uploadTensor } from '../../src/tensor/device-tensor.js';
import type { Shape } from '../../src/tensor/tensor.js';
import { disposeRuntimes, runtimeFor, testBackends } from '../helpers/backends.js';
import { onDevice } from '../helpers/device.js';
import { randomTensor } from '../helpers/random.js';

afterAll(disposeRuntimes);

const add = onDevice(addRule);
const shapeArb = fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }));

// Tolerance: exact. The float32 sum of two float32 values is one rounding of the exact sum,
// which is what Math.fround(a + b) computes (a + b is exact in float64).
describe.each(testBackends)('add on %s', (backend) => {
  it('the op and the kernel equal the float32 sum exactly; the VJP passes dy to both inputs', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.integer(), async (s, seed) => {
        const shape: Shape = s;
        const [a, b] = [randomTensor(shape, seed), randomTensor(shape, seed + 1)];
        const want = Array.from(a.data, (v, i) => Math.fround(v + b.data[i]!));
        const { out } = await add.forward(rt, [a, b], {});
        expect(Array.from(out.data)).toEqual(want);
        const kernel = await rt.scope(async () => readTensor(rt, await addOnDevice(rt, await uploadTensor(rt, a), await uploadTensor(rt, b))));
        expect(Array.from(kernel.data)).toEqual(want);
        const dy = randomTensor(shape, seed + 2);
        const [da, db] = await add.vjp(rt, dy, [a, b], out, {}, null);
        expect(Array.from(da!.data)).toEqual(Array.from(dy.data));
        expect(Array.from(db!.data)).toEqual(Array.from(dy.data));
      }),
      { numRuns: 10 },
    );
  });
});
