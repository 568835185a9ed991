import { afterAll, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastElapsed, logUpTo, train, TrainingError } from '../../src/train/trainer.js';
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
    // What a run killed after its step-2 checkpoint leaves in the log: steps 3 and 4, and a torn line.
    appendFileSync(join(dir, 'log.jsonl'), '{"type":"step","step":3,"loss":1}\n{"type":"validation","step":4,"score":0}\n{"type":"step","st');
    const resumed = await train({ ...common, params: ck.params, steps: 5, outDir: dir, resume: { state: ck.training!.state, step: ck.training!.step, best: -Infinity } });
    expect(resumed.steps).toBe(5);
    for (const k of Object.keys(full.params)) expect(resumed.params[k]!.data).toEqual(full.params[k]!.data);
    // The log of a resumed run continues the first one, without repeating steps 3 and 4.
    const lines = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; elapsed: number });
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3, 4, 5]);
    // Its clock (`elapsed`, for learning curves against time) continues the first run's too.
    lines.slice(1).forEach((l, i) => expect(l.elapsed).toBeGreaterThanOrEqual(lines[i]!.elapsed));
    expect(lines[0]!.elapsed).toBeGreaterThan(0);
  });

  it('lastElapsed is the largest elapsed of the log (0 for none), skipping torn lines', () => {
    expect(lastElapsed('{"step":1,"elapsed":2.5}\n{"type":"validation","step":1,"elapsed":7}\n{"step":2,"elap')).toBe(7);
    expect(lastElapsed('{"step":1}\n')).toBe(0);
    expect(lastElapsed('')).toBe(0);
  });

  it('logUpTo keeps the lines up to a step and drops torn ones', () => {
    expect(logUpTo('{"step":1}\n{"type":"validation","step":2}\n{"step":3}\n{"st', 2)).toBe('{"step":1}\n{"type":"validation","step":2}\n');
    expect(logUpTo('', 5)).toBe('');
  });

  it('non-finite training data is refused before the first step, naming the image and what is wrong', async () => {
    const rt = await runtimeFor('cpu');
    const dir = tmp();
    const poisoned = items.map((it, i) => (i === 2 ? { ...it, image: { ...it.image, data: it.image.data.map((v, j) => (j === 5 ? NaN : v)) } } : it));
    const run = (o: Partial<Parameters<typeof train>[0]>) => train({ ...base, rt, params: initParams(smallConfig, 7), optimizer: sgd(0.99), steps: 2, outDir: dir, ...o });
    await expect(run({ items: poisoned })).rejects.toThrow(new TrainingError('training image 3 of 4: its image has 1 non-finite value(s) (NaN/Infinity; the first at index 5); expected finite intensities; cannot train on it'));
    await expect(run({ items: poisoned, names: ['a', 'b', 'c', 'd'] })).rejects.toThrow(/^training image c: its image has 1 non-finite/);
    const badWeights = items.map((it, i) => (i === 0 ? { ...it, weights: { ...it.weights, data: it.weights.data.map(() => Infinity) } } : it));
    await expect(run({ items: badWeights })).rejects.toThrow(/training image 1 of 4: its weight map \(computed from its labels\) has \d+ non-finite/);
    const badLabels = items.map((it, i) => (i === 1 ? { ...it, classes: { ...it.classes, data: it.classes.data.map(() => 7) } } : it));
    await expect(run({ items: badLabels })).rejects.toThrow(/training image 2 of 4: its labels hold class 7 at index 0; the network has 2 classes/);
    const nanParams = { ...initParams(smallConfig, 7) };
    const k = Object.keys(nanParams)[0]!;
    nanParams[k] = { ...nanParams[k]!, data: nanParams[k]!.data.map(() => NaN) };
    await expect(run({ params: nanParams })).rejects.toThrow(`the starting weights are not finite (parameter ${k})`);
    expect(existsSync(join(dir, 'last.safetensors'))).toBe(false);
  });

  it('a loss that fails at the first step with finite inputs says so and claims no checkpoint', async () => {
    const rt = await runtimeFor('cpu');
    const dir = tmp();
    // Finite but huge weights: the forward pass overflows to Infinity, the loss is NaN.
    const huge = Object.fromEntries(Object.entries(initParams(smallConfig, 7)).map(([k, t]) => [k, { ...t, data: t.data.map((v) => v * 1e30) }]));
    const e = await train({ ...base, rt, params: huge, optimizer: sgd(0.99), steps: 3, outDir: dir, checkpointEvery: 1 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TrainingError);
    expect((e as Error).message).toMatch(/^step 1: (loss is NaN|gradient of .* is not finite): this run's first step already fails, with finite inputs and weights: check the data, labels and configuration before the learning rate; training stopped, no checkpoint was written$/);
    expect(existsSync(join(dir, 'last.safetensors'))).toBe(false);
  });

  it('a loss that diverges later names the last good checkpoint, which stays untouched', async () => {
    const rt = await runtimeFor('cpu');
    const dir = tmp();
    await train({ ...base, rt, params: initParams(smallConfig, 7), optimizer: sgd(0.99), steps: 2, outDir: dir, checkpointEvery: 1 });
    const file = join(dir, 'last.safetensors');
    const before = readFileSync(file);
    const ck = await loadCheckpoint(file);
    // An absurd learning rate: step 3 updates to huge weights, step 4's loss is not finite.
    const e = await train({ ...base, rt, params: ck.params, optimizer: sgd(0.99), lr: 1e30, steps: 6, outDir: dir, checkpointEvery: 10, resume: { state: ck.training!.state, step: 2, best: -Infinity, from: file } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TrainingError);
    expect((e as Error).message).toMatch(new RegExp(`^step [4-6]: .*(try a lower --lr); training stopped, the last good checkpoint, ${file.replace(/[.]/g, '\\.')} \\(step 2\\), is kept$`));
    expect(readFileSync(file)).toEqual(before);
    expect(statSync(file).size).toBeGreaterThan(0);
  });

  it('an aborted signal stops after the current step with a checkpoint and no final validation', async () => {
    const rt = await runtimeFor('cpu');
    const dir = tmp();
    const stop = new AbortController();
    let validations = 0;
    const r = await train({
      ...base, rt, params: initParams(smallConfig, 7), optimizer: sgd(0.99), steps: 50, outDir: dir, checkpointEvery: 100, validateEvery: 100, signal: stop.signal,
      validate: async () => ({ metrics: {}, score: validations++ }),
      onStep: (s) => { if (s.step === 2) stop.abort(); },
    });
    expect(r).toMatchObject({ steps: 2, interrupted: true, checkpoint: join(dir, 'last.safetensors') });
    expect(validations).toBe(0);
    expect((await loadCheckpoint(r.checkpoint)).training!.step).toBe(2);
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
