import { afterAll, describe, expect, it } from 'vitest';
import { apply, backward, inferenceCtx, leaf, trainingCtx, valueAndGrad, type Entry } from '../../src/autodiff/tape.js';
import { rules } from '../../src/layers/rules.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { disposeRuntimes, runtimeFor, testBackends } from '../helpers/backends.js';
import { onDevice } from '../helpers/device.js';
import { randomTensor } from '../helpers/random.js';

afterAll(disposeRuntimes);

describe('tape', () => {
  it('records one entry per op when training and none at inference', async () => {
    const rt = await runtimeFor('cpu');
    const x = randomTensor([1, 2, 4, 4], 1);
    const t = trainingCtx(rt);
    await apply(t, 'maxPool2', [await apply(t, 'relu', [leaf(t, x)], {})], {});
    expect(t.tape!.entries.map((e) => e.op)).toEqual(['relu', 'maxPool2']);
    const i = inferenceCtx(rt);
    const y = await apply(i, 'relu', [leaf(i, x)], {});
    expect(i.tape).toBeUndefined();
    expect(y.value.shape).toEqual(x.shape);
  });

  it.each(testBackends)('sums the cotangents of a variable used twice (a skip connection) on %s', async (backend) => {
    const rt = await runtimeFor(backend);
    const x = randomTensor([1, 1, 4, 4], 2);
    const labels: Tensor = { shape: [1, 1, 4, 4], data: new Float32Array(16).map((_, i) => i % 2) };
    const weights: Tensor = { shape: [1, 1, 4, 4], data: new Float32Array(16).fill(1) };
    // loss(x) = CE(concat(x, x)); d/dx = dlogits[channel 0] + dlogits[channel 1].
    const { grads } = await valueAndGrad<{ x: Tensor }>(async (ctx, p) =>
      apply(ctx, 'softmaxCrossEntropy', [await apply(ctx, 'concat', [p.x, p.x], {}), leaf(ctx, labels), leaf(ctx, weights)], {}),
    )(rt, { x });
    const cat = await onDevice(rules.concat).forward(rt, [x, x], {});
    const ce = await onDevice(rules.softmaxCrossEntropy).forward(rt, [cat.out, labels, weights], {});
    const [dl] = await onDevice(rules.softmaxCrossEntropy).vjp(rt, { shape: [1, 1, 1, 1], data: new Float32Array([1]) }, [cat.out, labels, weights], ce.out, {}, ce.saved);
    for (let i = 0; i < 16; i++) expect(grads.x.data[i]).toBeCloseTo(dl!.data[i]! + dl!.data[16 + i]!, 6);
  });

  it('gives a zero gradient to a parameter the loss does not use', async () => {
    const rt = await runtimeFor('cpu');
    const x = randomTensor([1, 2, 2, 2], 3);
    const unused = randomTensor([1, 1, 3, 3], 4);
    const labels: Tensor = { shape: [1, 1, 2, 2], data: new Float32Array([0, 1, 1, 0]) };
    const weights: Tensor = { shape: [1, 1, 2, 2], data: new Float32Array(4).fill(1) };
    const { grads, value } = await valueAndGrad<{ x: Tensor; unused: Tensor }>(async (ctx, p) =>
      apply(ctx, 'softmaxCrossEntropy', [p.x, leaf(ctx, labels), leaf(ctx, weights)], {}),
    )(rt, { x, unused });
    expect(Number.isFinite(value)).toBe(true);
    expect(grads.unused.shape).toEqual(unused.shape);
    expect(Array.from(grads.unused.data).every((v) => v === 0)).toBe(true);
  });

  it('rejects a cotangent whose shape differs from its input, naming the op and input', async () => {
    const rt = await runtimeFor('cpu');
    const ctx = trainingCtx(rt);
    const a = leaf(ctx, randomTensor([1, 1, 2, 2], 5));
    const b = leaf(ctx, randomTensor([1, 1, 2, 2], 6));
    const y = await apply(ctx, 'add', [a, b], {});
    const loss = await apply(ctx, 'softmaxCrossEntropy', [
      await apply(ctx, 'concat', [y, y], {}),
      leaf(ctx, { shape: [1, 1, 2, 2], data: new Float32Array(4) }),
      leaf(ctx, { shape: [1, 1, 2, 2], data: new Float32Array(4).fill(1) }),
    ], {});
    // A corrupted tape: add's second input claims another shape than the tensor add saw;
    // add's VJP passes dy through unchecked, so the tape's own shape check must catch it.
    const entry = ctx.tape!.entries[0] as Entry & { op: 'add' };
    ctx.tape!.entries[0] = { ...entry, inputs: [a, { id: b.id, value: randomTensor([1, 1, 3, 3], 7) }] } as Entry;
    await expect(backward(rt, ctx.tape!, loss, [a, b])).rejects.toThrow(/VJP of add returned \[1, 1, 2, 2\] for input 1, whose shape is \[1, 1, 3, 3\]/);
  });

  it('rejects a non-scalar loss', async () => {
    const rt = await runtimeFor('cpu');
    const ctx = trainingCtx(rt);
    const y = await apply(ctx, 'relu', [leaf(ctx, randomTensor([1, 1, 2, 2], 7))], {});
    await expect(backward(rt, ctx.tape!, y, [])).rejects.toThrow(/scalar/);
  });

  it('names the op and shapes when a shape rule fails', async () => {
    const rt = await runtimeFor('cpu');
    const ctx = trainingCtx(rt);
    await expect(apply(ctx, 'maxPool2', [leaf(ctx, randomTensor([1, 1, 5, 4], 8))], {})).rejects.toThrow(/maxPool2.*\[1, 1, 5, 4\]/);
  });
});
