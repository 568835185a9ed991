/**
 * The in-memory step (src/train/session.ts) is the trainer's step: the same tiles, losses and,
 * on cpu, bit-identical weights as `train` (which writes files); and syntheticLabelled +
 * trainingItemOf give the items the trainer's helpers build by hand.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../../src/train/trainer.js';
import { adam } from '../../src/train/optim.js';
import { initParams } from '../../src/unet/params.js';
import { startTraining, trainStep, type TrainState } from '../../src/train/session.js';
import { syntheticLabelled, trainingItemOf } from '../../src/data/synthetic-set.js';
import { disposeRuntimes, runtimeFor } from '../helpers/backends.js';
import { smallConfig, syntheticItems } from './helpers.js';

afterAll(disposeRuntimes);

describe('trainStep (training in memory)', () => {
  it('takes the steps of train(): the same losses and bit-identical weights on cpu', async () => {
    const rt = await runtimeFor('cpu');
    const items = syntheticItems(3);
    const common = { rt, config: smallConfig, items, optimizer: adam(), lr: 0.003, schedule: { kind: 'poly', total: 4, power: 0.9 } as const, seed: 5 };
    const logged: number[] = [];
    const want = await train({ ...common, params: initParams(smallConfig, 5), steps: 4, outDir: mkdtempSync(join(tmpdir(), 'unet-session-')), onStep: (s) => logged.push(s.loss) });
    const step = trainStep(common);
    let s: TrainState = startTraining(smallConfig, adam(), 5);
    const losses: number[] = [];
    const lrs: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await step(s);
      expect(r.step.step).toBe(i + 1);
      losses.push(r.step.loss);
      lrs.push(r.step.lr);
      s = r.state;
    }
    expect(losses).toEqual(logged);
    expect(lrs[0]).toBe(0.003);
    expect(lrs[3]).toBeLessThan(lrs[0]!);
    expect(s.step).toBe(4);
    for (const k of Object.keys(want.params)) expect(s.params[k]!.data).toEqual(want.params[k]!.data);
  });

  it('refuses an invalid tile and an empty item list; a non-finite loss names the step and leaves the state alone', async () => {
    const rt = await runtimeFor('cpu');
    const items = syntheticItems(1);
    const base = { rt, config: smallConfig, items, optimizer: adam(), lr: 0.003, schedule: { kind: 'constant' } as const, seed: 1 };
    expect(() => trainStep({ ...base, tile: 61 })).toThrow(RangeError);
    expect(() => trainStep({ ...base, items: [] })).toThrow(/no training items/);
    const bad = [{ ...items[0]!, image: { ...items[0]!.image, data: items[0]!.image.data.map(() => NaN) } }];
    const s = startTraining(smallConfig, adam(), 1);
    await expect(trainStep({ ...base, items: bad })(s)).rejects.toThrow(/^step 1: /);
    expect(s.step).toBe(0);
  });

  it('syntheticLabelled + trainingItemOf: a normalised image, 0/1 classes and weights ≥ the class weight', () => {
    const l = syntheticLabelled({ width: 64, height: 48 })(3);
    expect([l.image.width, l.image.height, l.raw.width]).toEqual([64, 48, 64]);
    const mean = l.image.data.reduce((a, v) => a + v, 0) / l.image.data.length;
    expect(Math.abs(mean)).toBeLessThan(1e-4);
    expect(new Set(l.labels.classes.data)).toEqual(new Set([0, 1]));
    const item = trainingItemOf(l);
    expect(item.weights.data.length).toBe(64 * 48);
    expect(item.weights.data.every((w) => w > 0 && Number.isFinite(w))).toBe(true);
    expect(trainingItemOf(l, { w0: 0, classWeights: 'none' }).weights.data.every((w) => w === 1)).toBe(true);
  });
});
