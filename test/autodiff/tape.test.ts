import { afterAll, describe, expect, it } from 'vitest';
import { apply, backward, inferenceCtx, leaf, trainingCtx, valueAndGrad, type Entry } from '../../src/autodiff/tape.js';
import { rules } from '../../src/layers/rules.js';
import { readTensor } from '../../src/tensor/device-tensor.js';
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

describe('tape memory reuse', () => {
  // loss = CE(2·concat(crop(x1), crop(x2))): the doubled cotangent is a pooled array (add), the
  // concat VJP hands out two views of it, and each crop VJP then allocates an array of exactly its
  // length — released too early, it would be handed out, zeroed, while the views still hold it.
  it.each(['cpu', 'webasm'] as const)('never releases a cotangent while a view of it is still to be read (%s)', async (backend) => {
    const rt = await runtimeFor(backend);
    const x1 = randomTensor([1, 1, 4, 8], 11);
    const x2 = randomTensor([1, 1, 4, 8], 12);
    const labels: Tensor = { shape: [1, 1, 4, 4], data: new Float32Array(16).map((_, i) => i % 2) };
    const weights: Tensor = { shape: [1, 1, 4, 4], data: new Float32Array(16).fill(1) };
    const { grads } = await valueAndGrad<{ x1: Tensor; x2: Tensor }>(async (ctx, p) => {
      const crop = (v: typeof p.x1) => apply(ctx, 'centerCrop', [v], { h: 4, w: 4 });
      const cat = await apply(ctx, 'concat', [await crop(p.x1), await crop(p.x2)], {});
      return apply(ctx, 'softmaxCrossEntropy', [await apply(ctx, 'add', [cat, cat], {}), leaf(ctx, labels), leaf(ctx, weights)], {});
    })(rt, { x1, x2 });
    // expected: dx_k[i][j + 2] = 2 · dlogits[k][i][j], from the rules alone
    const crops = [x1, x2].map((x) => Float32Array.from({ length: 16 }, (_, k) => x.data[Math.floor(k / 4) * 8 + (k % 4) + 2]!));
    const logits: Tensor = { shape: [1, 2, 4, 4], data: Float32Array.from([...crops[0]!, ...crops[1]!], (v) => 2 * v) };
    const ce = await rules.softmaxCrossEntropy.forward(rt, [logits, labels, weights], {});
    const [dl] = await rules.softmaxCrossEntropy.vjp(rt, { shape: [1, 1, 1, 1], data: new Float32Array([1]) }, [logits, labels, weights], ce.out, {}, ce.saved);
    const dlHost = await readTensor(rt, dl!);
    for (const [k, g] of [grads.x1, grads.x2].entries()) {
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 8; j++) {
          const want = j >= 2 && j < 6 ? 2 * dlHost.data[k * 16 + i * 4 + j - 2]! : 0;
          expect(g.data[i * 8 + j]).toBeCloseTo(want, 6);
        }
      expect(g.data.some((v) => v !== 0)).toBe(true);
    }
  });

  it('releaseActivations never recycles an input, even when an op output shares its memory', async () => {
    const rt = await runtimeFor('cpu');
    const data = rt.alloc(32); // an input made by the runtime's own pool
    data.set(Float32Array.from({ length: 32 }, (_, i) => i / 32));
    const x: Tensor = { shape: [1, 2, 4, 4], data };
    const empty: Tensor = { shape: [1, 0, 4, 4], data: new Float32Array(0) };
    const labels: Tensor = { shape: [1, 1, 4, 4], data: new Float32Array(16) };
    const weights: Tensor = { shape: [1, 1, 4, 4], data: new Float32Array(16).fill(1) };
    await valueAndGrad<{ x: Tensor }>(
      // concat with an empty part returns x's own values: its output shares x's memory
      async (ctx, p) => apply(ctx, 'softmaxCrossEntropy', [await apply(ctx, 'concat', [p.x, leaf(ctx, empty)], {}), leaf(ctx, labels), leaf(ctx, weights)], {}),
      { releaseActivations: true },
    )(rt, { x });
    expect(rt.alloc(32)).not.toBe(data);
    expect(Array.from(data)).toEqual(Array.from({ length: 32 }, (_, i) => Math.fround(i / 32)));
  });
});
