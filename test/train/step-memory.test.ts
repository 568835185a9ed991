/**
 * The training step and `predictLogits` reuse host memory (src/runtime/core.ts pool): the tape
 * releases consumed cotangents and, at the end of the step, the activations. Reuse must never
 * change a value: the same step repeated on a warm pool gives bit-identical gradients, results
 * handed out earlier stay intact, and the step stops allocating.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { benchSample, modelTarget } from '../../src/bench/model.js';
import { lossAndGrads } from '../../src/train/step.js';
import { initParams } from '../../src/unet/params.js';
import { predictLogits } from '../../src/unet/model.js';
import { apply, inferenceCtx, leaf, valueAndGrad, type Ctx, type Var } from '../../src/autodiff/tape.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { disposeRuntimes, runtimeFor } from '../helpers/backends.js';
import { randomTensor } from '../helpers/random.js';

afterAll(disposeRuntimes);

const target124 = { ...modelTarget('tiny', false), tile: 124, out: 36 };

describe.each(['cpu', 'webasm'] as const)('memory reuse on %s', (backend) => {
  it('the same training step on a warm pool gives bit-identical loss and gradients, and earlier results stay intact', async () => {
    const rt = await runtimeFor(backend);
    const params = initParams(target124.config, 3);
    const sample = benchSample(target124, 5);
    const first = await lossAndGrads(rt, target124.config, params, sample, 7, 'dice+ce');
    const snapshot = Object.fromEntries(Object.entries(first.grads).map(([k, g]) => [k, g.data.slice()]));
    const logits1 = await predictLogits(inferenceCtx(rt), target124.config, params, sample.image);
    const logitsCopy = logits1.data.slice();
    for (let i = 0; i < 2; i++) {
      const again = await lossAndGrads(rt, target124.config, params, sample, 7, 'dice+ce');
      expect(again.loss).toBe(first.loss);
      for (const [k, g] of Object.entries(again.grads)) expect(Array.from(g.data), k).toEqual(Array.from(snapshot[k]!));
      const logits = await predictLogits(inferenceCtx(rt), target124.config, params, sample.image);
      expect(Array.from(logits.data)).toEqual(Array.from(logitsCopy));
    }
    // what the first calls returned was not recycled under the later ones
    for (const [k, g] of Object.entries(first.grads)) expect(Array.from(g.data), k).toEqual(Array.from(snapshot[k]!));
    expect(Array.from(logits1.data)).toEqual(Array.from(logitsCopy));
  });

  it('a VJP skips the cotangent of an input that needs none (the image), and the gradients stay the same', async () => {
    const rt = await runtimeFor(backend);
    const x = randomTensor([1, 2, 12, 12], 1);
    const w = randomTensor([2, 2, 3, 3], 2);
    const b = randomTensor([1, 2, 1, 1], 3);
    const labels = { shape: [1, 1, 10, 10] as const, data: new Float32Array(100).map((_, i) => i % 2) };
    const weights = { shape: [1, 1, 10, 10] as const, data: new Float32Array(100).fill(1) };
    const lossFn = (image: (p: Record<string, Var>, ctx: Ctx) => Var) => async (ctx: Ctx, p: Record<string, Var>) =>
      apply(ctx, 'softmaxCrossEntropy', [await apply(ctx, 'conv2d', [image(p, ctx), p['w']!, p['b']!], { pad: 0, relu: false }), leaf(ctx, labels), leaf(ctx, weights)], {});
    let calls = rt.stats().calls;
    const withImage = await valueAndGrad<Record<string, Tensor>>(lossFn((p) => p['x']!))(rt, { x, w, b });
    const callsWith = rt.stats().calls - calls;
    calls = rt.stats().calls;
    const without = await valueAndGrad<Record<string, Tensor>>(lossFn((_, ctx) => leaf(ctx, x)))(rt, { w, b });
    const callsWithout = rt.stats().calls - calls;
    expect(callsWithout).toBeLessThan(callsWith); // the image's dx conv did not run
    expect(without.value).toBe(withImage.value);
    expect(Array.from(without.grads['w']!.data)).toEqual(Array.from(withImage.grads['w']!.data));
    expect(Array.from(without.grads['b']!.data)).toEqual(Array.from(withImage.grads['b']!.data));
  });
});
