import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { adam, initState, meanGrads, sgd, update } from '../../src/train/optim.js';
import { learningRate } from '../../src/train/schedule.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const t = (...v: number[]): Tensor => ({ shape: [1, 1, 1, v.length], data: Float32Array.from(v) });

describe('optimisers', () => {
  it('SGD with momentum: v ← μv + g, θ ← θ − ηv (two steps by hand)', () => {
    const cfg = sgd(0.9);
    const p = { w: t(1, -2) };
    const g = { w: t(0.5, 1) };
    let s = initState(cfg, p);
    const one = update(cfg, s, p, g, 0.1);
    // v1 = g = (0.5, 1); θ1 = (1 − 0.05, −2 − 0.1)
    expect(Array.from(one.params.w!.data)).toEqual([Math.fround(0.95), Math.fround(-2.1)]);
    s = one.state;
    const two = update(cfg, s, one.params, g, 0.1);
    // v2 = 0.9·v1 + g = (0.95, 1.9); θ2 = θ1 − 0.1·v2
    expect(two.params.w!.data[0]).toBeCloseTo(0.95 - 0.095, 6);
    expect(two.params.w!.data[1]).toBeCloseTo(-2.1 - 0.19, 6);
    expect(two.state.step).toBe(2);
  });

  it('Adam: the first step moves each weight by lr·sign(g) (bias correction)', () => {
    fc.assert(
      fc.property(fc.float({ min: -100, max: 100, noNaN: true }).filter((x) => Math.abs(x) > 1e-3), (gv) => {
        const cfg = adam();
        const p = { w: t(0.25) };
        const r = update(cfg, initState(cfg, p), p, { w: t(gv) }, 0.01);
        expect(r.params.w!.data[0]).toBeCloseTo(0.25 - 0.01 * Math.sign(gv), 5);
      }),
    );
  });

  it('never changes its inputs and rejects a missing gradient', () => {
    const cfg = sgd();
    const p = { w: t(1, 2) };
    const s = initState(cfg, p);
    const before = p.w.data.slice();
    update(cfg, s, p, { w: t(1, 1) }, 0.5);
    expect(p.w.data).toEqual(before);
    expect(s.buffers['w.m']!.data).toEqual(new Float32Array(2));
    expect(() => update(cfg, s, p, {}, 0.5)).toThrow(/no gradient for parameter 'w'/);
  });

  it('weight decay adds λθ to the gradient', () => {
    const cfg = sgd(0, 0.1);
    const p = { w: t(2) };
    const r = update(cfg, initState(cfg, p), p, { w: t(0) }, 1);
    expect(r.params.w!.data[0]).toBeCloseTo(2 - 0.2, 6);
  });

  it('gradient accumulation averages micro-steps', () => {
    expect(Array.from(meanGrads([{ w: t(1, 2) }, { w: t(3, 6) }]).w!.data)).toEqual([2, 4]);
  });

  it('learning-rate schedules', () => {
    expect(learningRate({ kind: 'constant' }, 0.1)(500)).toBe(0.1);
    expect(learningRate({ kind: 'step', every: 10, gamma: 0.5 }, 1)(25)).toBe(0.25);
    expect(learningRate({ kind: 'poly', total: 100, power: 1 }, 1)(25)).toBeCloseTo(0.75);
    expect(learningRate({ kind: 'poly', total: 100, power: 1 }, 1)(200)).toBe(0);
  });

  it('cosine decays from η to final·η over total steps, then stays; warm-up ramps linearly first', () => {
    const cos = { kind: 'cosine', total: 100, final: 0.01 } as const;
    expect(learningRate(cos, 1e-3)(0)).toBe(1e-3);
    expect(learningRate(cos, 1e-3)(50)).toBeCloseTo(1e-3 * (0.01 + 0.99 / 2), 15);
    expect(learningRate(cos, 1e-3)(100)).toBeCloseTo(1e-5, 15);
    expect(learningRate(cos, 1e-3)(250)).toBeCloseTo(1e-5, 15);
    const lrs = Array.from({ length: 101 }, (_, i) => learningRate(cos, 1)(i));
    lrs.slice(1).forEach((x, i) => expect(x).toBeLessThan(lrs[i]!));
    const warm = learningRate(cos, 1, 4);
    expect([0, 1, 2, 3].map(warm)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(warm(4)).toBe(learningRate(cos, 1)(4));
    expect(learningRate({ kind: 'constant' }, 0.1, 2)(0)).toBe(0.05);
  });
});
