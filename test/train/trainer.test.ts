import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train, TrainingError } from '../../src/train/trainer.js';
import { adam, sgd } from '../../src/train/optim.js';
import { initParams } from '../../src/unet/params.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { disposeRuntimes, runtimeFor } from '../helpers/backends.js';
import { smallConfig, syntheticItems } from './helpers.js';

afterAll(disposeRuntimes);

const items = syntheticItems(4);
const tmp = (): string => mkdtempSync(join(tmpdir(), 'unet-train-'));
const base = { config: smallConfig, items, lr: 0.003, schedule: { kind: 'constant' } as const, seed: 7 };

describe('training', () => {
  it('a few dozen steps on synthetic cells lower the loss', async () => {
    const rt = await runtimeFor('webasm');
    const losses: number[] = [];
    await train({ ...base, rt, params: initParams(smallConfig, 7), optimizer: adam(), steps: 40, outDir: tmp(), onStep: (s) => losses.push(s.loss) });
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(losses).toHaveLength(40);
    expect(mean(losses.slice(-10))).toBeLessThan(0.7 * mean(losses.slice(0, 10)));
  });

  it('is deterministic: the same seed gives bit-identical weights', async () => {
    const rt = await runtimeFor('cpu');
    const run = async () =>
      (await train({ ...base, rt, params: initParams(smallConfig, 7), optimizer: sgd(0.99), lr: 0.01, steps: 3, outDir: tmp() })).params;
    const [a, b] = [await run(), await run()];
    for (const k of Object.keys(a)) expect(b[k]!.data).toEqual(a[k]!.data);
  });

  it('resume from a checkpoint equals an uninterrupted run, bit for bit (cpu)', async () => {
    const rt = await runtimeFor('cpu');
    const common = { ...base, rt, optimizer: sgd(0.99), lr: 0.01, checkpointEvery: 2 };
    const full = await train({ ...common, params: initParams(smallConfig, 7), steps: 5, outDir: tmp() });
    const dir = tmp();
    await train({ ...common, params: initParams(smallConfig, 7), steps: 2, outDir: dir });
    const ck = await loadCheckpoint(join(dir, 'last.safetensors'));
    expect(ck.training!.step).toBe(2);
    const resumed = await train({ ...common, params: ck.params, steps: 5, outDir: dir, resume: { state: ck.training!.state, step: ck.training!.step, best: -Infinity } });
    expect(resumed.steps).toBe(5);
    for (const k of Object.keys(full.params)) expect(resumed.params[k]!.data).toEqual(full.params[k]!.data);
    // The log of a resumed run continues the first one.
    const steps = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
    expect(steps).toEqual([1, 2, 3, 4, 5]);
  });

  it('a NaN loss stops training naming the step, and the last good checkpoint stays', async () => {
    const rt = await runtimeFor('cpu');
    const dir = tmp();
    await train({ ...base, rt, params: initParams(smallConfig, 7), optimizer: sgd(0.99), steps: 2, outDir: dir, checkpointEvery: 1 });
    const file = join(dir, 'last.safetensors');
    const before = readFileSync(file);
    const ck = await loadCheckpoint(file);
    const poisoned = items.map((it) => ({ ...it, image: { ...it.image, data: it.image.data.map(() => NaN) } }));
    await expect(
      train({ ...base, items: poisoned, rt, params: ck.params, optimizer: sgd(0.99), steps: 4, outDir: dir, checkpointEvery: 1, resume: { state: ck.training!.state, step: 2, best: -Infinity } }),
    ).rejects.toThrow(new TrainingError(`step 3: loss is NaN; training stopped, the last good checkpoint in ${dir} is kept (try a lower --lr)`));
    expect(readFileSync(file)).toEqual(before);
    expect(statSync(file).size).toBeGreaterThan(0);
  });

  it('writes last.safetensors, best.safetensors and the validation log', async () => {
    const rt = await runtimeFor('cpu');
    const dir = tmp();
    let calls = 0;
    await train({
      ...base, rt, params: initParams(smallConfig, 7), optimizer: adam(), steps: 3, outDir: dir, validateEvery: 2,
      validate: async () => ({ metrics: { iou: 0.5 + calls }, score: 0.5 + calls++ }),
    });
    expect(calls).toBe(2); // at step 2 and once more at the end (step 3)
    expect(existsSync(join(dir, 'best.safetensors'))).toBe(true);
    expect((await loadCheckpoint(join(dir, 'best.safetensors'))).training!.step).toBe(3);
    const vals = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'validation');
    expect(vals.map((v) => v.step)).toEqual([2, 3]);
  });
});
