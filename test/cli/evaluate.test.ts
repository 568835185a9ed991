import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError } from '../../src/cli/args.js';
import { evaluate } from '../../src/cli/commands/evaluate.js';
import { image } from '../../src/data/image.js';
import { readImage, readImageFile } from '../../src/data/image-file.js';
import { labelsFromImage } from '../../src/data/labels.js';
import { writePng } from '../../src/data/png.js';
import { instanceMap } from '../../src/infer/outputs.js';
import { tableRow } from '../../src/infer/report.js';
import { segmentImage } from '../../src/infer/tiles.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';
import { disposeRuntimes, runtimeFor } from '../helpers/backends.js';
import { randomModel } from '../infer/helpers.js';
import { expectRejection } from '../helpers/errors.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unet-cli-evaluate-'));
const modelFile = path.join(dir, 'model.safetensors');
const model = randomModel({ depth: 2, base: 2, tile: 64 }, 1);
const sub = (name: string): string => path.join(dir, name);

const run = async (argv: readonly string[]): Promise<{ code: number; out: string[] }> => {
  const out: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return { code: await evaluate.run(argv), out };
  } finally {
    log.mockRestore();
    write.mockRestore();
  }
};

beforeAll(async () => {
  for (const d of ['images', 'labels', 'instances']) fs.mkdirSync(sub(d));
  await saveCheckpoint(modelFile, model);
  const rt = await runtimeFor('cpu');
  // ground truth = the model's own prediction: ISBI-style masks (255 = class 1) and object ids
  for (const [stem, w, h, f] of [['a', 40, 33, 0.21], ['b', 27, 36, 0.37]] as const) {
    const file = path.join(sub('images'), `${stem}.png`);
    writePng(file, image(w, h, 1, Float32Array.from({ length: w * h }, (_, i) => 128 + 120 * Math.sin(i * f) * Math.cos(i * 0.013))));
    const seg = await segmentImage(rt, model, readImage(file), { keep: 'none' });
    writePng(path.join(sub('labels'), `${stem}.png`), image(w, h, 1, Float32Array.from(seg.labels, (v) => 255 * v)));
    writePng(path.join(sub('instances'), `${stem}.png`), image(w, h, 1, Float32Array.from(instanceMap(seg.labels, w, h).map.data)), { bitDepth: 16 });
  }
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await disposeRuntimes();
});

describe('unet-ts evaluate', () => {
  it('prints a table per image and the mean, writes the same numbers as JSON', async () => {
    const json = sub('report.json');
    const r = await run(['--model', modelFile, '--images', sub('images'), '--labels', sub('labels'), '--json', json, '--backend', 'cpu', '--out', sub('out')]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/model\.safetensors: 2 images, tile auto \(per image, at most 64\), cpu$/);
    expect(r.out[1]).toBe(`image                    pixel err    fg IoU      Dice  Rand err    V_Info\n${'-'.repeat(74)}`);
    const perfect = '    0.0000    1.0000    1.0000    0.0000    1.0000';
    expect(r.out.slice(2, 4)).toEqual([`${'a'.padEnd(24)}${perfect}`, `${'b'.padEnd(24)}${perfect}`]);
    expect(r.out[4]).toBe('-'.repeat(74));
    expect(r.out[5]).toBe(`${'mean'.padEnd(24)}${perfect}`);
    // the constant baseline: each image's majority class (background here, ~40 % foreground):
    // pixel error = the foreground fraction, nothing found (IoU, Dice 0, Rand error 1, V_Info 0)
    const minority = ['a', 'b'].map((stem) => {
      const v = readImage(path.join(sub('labels'), `${stem}.png`)).data;
      const f = v.filter((x) => x > 0).length / v.length;
      expect(f).toBeGreaterThan(0.2);
      expect(f).toBeLessThan(0.5);
      return f;
    });
    const names = ['pixelError', 'iou', 'dice', 'randError', 'vInfo'] as const;
    expect(r.out[6]).toBe(tableRow('constant (majority)', names, { pixelError: (minority[0]! + minority[1]!) / 2, iou: 0, dice: 0, randError: 1, vInfo: 0 }));
    expect(r.out[6]).toMatch(/^constant \(majority\) +0\.[1-4]\d{3}    0\.0000    0\.0000    1\.0000    0\.0000$/);
    expect(r.out[7]).toBe('model beats the constant on pixel error in 2 of 2 images');
    expect(r.out[8]).toMatch(/^baselines /);
    expect(r.out[9]).toMatch(/^  constant \(majority\): every pixel the most frequent class/);
    expect(r.out[10]).toBe(`wrote ${json}`);
    const report = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(report.baselines.map((b: { name: string }) => b.name)).toEqual(['constant (majority)']);
    expect(report.baselines[0].images.map((m: { name: string; pixelError: number }) => [m.name, m.pixelError])).toEqual([
      ['a', expect.closeTo(minority[0]!, 12)],
      ['b', expect.closeTo(minority[1]!, 12)],
    ]);
    expect(report.images.map((m: { name: string }) => m.name)).toEqual(['a', 'b']);
    expect(report.mean).toEqual({ pixelError: 0, iou: 1, dice: 1, randError: 0, vInfo: expect.closeTo(1, 12) });
    expect(report.tile).toBe('auto');
    expect(fs.readdirSync(sub('out')).sort()).toEqual(['a_labels.png', 'a_overlay.png', 'b_labels.png', 'b_overlay.png']);
  });

  it('--tile forces one size for every image: named in the header and the JSON, same scores as auto', async () => {
    const json = sub('tile60.json');
    const r = await run(['--model', modelFile, '--images', sub('images'), '--labels', sub('labels'), '--json', json, '--backend', 'cpu', '--tile', '60']);
    expect(r.out[0]).toMatch(/model\.safetensors: 2 images, tile 60, cpu$/);
    const report = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(report.tile).toBe(60);
    expect(report.mean).toEqual({ pixelError: 0, iou: 1, dice: 1, randError: 0, vInfo: expect.closeTo(1, 12) });
  });

  it('--instances reads object ids and adds SEG', async () => {
    const json = sub('instances.json');
    const r = await run(['--model', modelFile, '--images', sub('images'), '--labels', sub('instances'), '--instances', '--json', json, '--backend', 'cpu']);
    expect(r.out[1]).toMatch(/V_Info       SEG\n/);
    const seg = JSON.parse(fs.readFileSync(json, 'utf8')).mean.seg;
    // touching objects lose their contact pixels in the ground truth (separation borders), so SEG ≤ 1
    expect(seg).toBeGreaterThan(0.5);
    expect(seg).toBeLessThanOrEqual(1);
    // the oracle is the drawn objects' foreground, without the separation borders: exactly the
    // model's prediction here (the objects are its 4-connected components), so it scores the same
    const report = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(report.baselines.map((b: { name: string }) => b.name)).toEqual(['constant (majority)', 'oracle fg components']);
    const oracle = report.baselines[1].mean;
    for (const k of ['pixelError', 'iou', 'dice', 'seg']) expect(oracle[k]).toBeCloseTo(report.mean[k], 12);
    // its pixel error is the separation borders: drawn foreground pixels that are background in the truth
    const borders = ['a', 'b'].map((stem) => {
      const file = path.join(sub('instances'), `${stem}.png`);
      const img = readImageFile(file, { paletteIndex: true }).image;
      const drawn = img.data.filter((v) => v > 0).length;
      const kept = labelsFromImage({ kind: 'instances' })(img).classes.data.filter((v) => v > 0).length;
      return (drawn - kept) / img.data.length;
    });
    expect(borders.some((b) => b > 0)).toBe(true); // the fixture has touching (diagonal) objects
    expect(oracle.pixelError).toBeCloseTo((borders[0]! + borders[1]!) / 2, 12);
    expect(r.out.find((l) => l.startsWith('oracle fg components '))).toBe(tableRow('oracle fg components', ['pixelError', 'iou', 'dice', 'randError', 'vInfo', 'seg'], oracle));
  });

  it('--engine onnx: the table and JSON numbers of the gpujs engine; an unknown engine is a usage error', async () => {
    const base = ['--model', modelFile, '--images', sub('images'), '--labels', sub('labels')];
    const [a, b] = [sub('engine-gpujs.json'), sub('engine-onnx.json')];
    const gpujs = await run([...base, '--backend', 'cpu', '--json', a]);
    const onnx = await run([...base, '--engine', 'onnx', '--json', b]);
    expect(onnx.out[0]).toMatch(/model\.safetensors: 2 images, tile auto \(per image, at most 64\), onnxruntime$/);
    expect(onnx.out.slice(1, -1)).toEqual(gpujs.out.slice(1, -1)); // all but the header and the "wrote FILE" line
    const [ra, rb] = [JSON.parse(fs.readFileSync(a, 'utf8')), JSON.parse(fs.readFileSync(b, 'utf8'))];
    expect(rb.images).toEqual(ra.images);
    await expectRejection(run([...base, '--engine', 'ort']), UsageError, 'evaluate: --engine ort: unknown engine; expected gpujs or onnx');
  });

  it('--names and --val-fraction score only the held-out images, as train splits them', async () => {
    const base = ['--model', modelFile, '--images', sub('images'), '--labels', sub('labels'), '--backend', 'cpu'];
    const named = await run([...base, '--names', 'b']);
    expect(named.out[0]).toMatch(/: 1 images,/);
    expect(named.out[2]).toMatch(/^b /);
    // fraction 0.5 of 2 images holds out exactly one, chosen by the seeded shuffle of train
    const half = await run([...base, '--val-fraction', '0.5', '--seed', '3']);
    expect(half.out[0]).toMatch(/: 1 images,/);
    await expect(run([...base, '--names', 'zz'])).rejects.toThrow(/validation names not in data set .*: zz/);
    await expect(run([...base, '--names', 'a', '--val-fraction', '0.5'])).rejects.toThrow('give --names or --val-fraction, not both');
  });

  it('fails with one clear line on bad input', async () => {
    await expect(run(['--model', sub('none.safetensors'), '--images', sub('images'), '--labels', sub('labels')])).rejects.toThrow(/^model file .*none\.safetensors does not exist$/);
    await expect(run(['--model', modelFile, '--images', sub('images'), '--labels', sub('nolabels'), '--backend', 'cpu'])).rejects.toThrow('labels folder');
    await expect(run(['--model', modelFile, '--images', sub('images'), '--labels', sub('labels'), '--tile', '61'])).rejects.toThrow('nearest valid sizes: 60 or 64');
    await expect(run(['--model', modelFile, '--images', sub('images')])).rejects.toThrow('evaluate: --labels is required');
  });

  it('bad flag values are UsageErrors (exit 2) naming the flag, the value and what was expected', async () => {
    const base = ['--model', modelFile, '--images', sub('images'), '--labels', sub('labels')];
    const usage = (argv: readonly string[], message: string | RegExp): Promise<void> => expectRejection(run(argv), UsageError, message);
    await usage([...base, '--tile', '61'], /^evaluate: --tile 61: .*nearest valid sizes: 60 or 64$/);
    // the largest image is 40×33: one tile of 80 covers it (depth 2: output 80 − 2·20 = stride 40); at most 84
    await usage([...base, '--tile', '10004'], /^evaluate: --tile 10004 is far larger than the largest image \(.*a\.png, 40×33\): tile 80 already covers it in one tile; expected at most 84$/);
    await usage([...base, '--backend', 'nosuch'], 'evaluate: --backend nosuch: unknown backend; expected one of webgpu, headlessgl, webasm, cpu or auto');
    await usage([...base, '--val-fraction', '1.5'], 'evaluate: --val-fraction 1.5: expected a number > 0 and < 1');
    await usage([...base, '--val-fraction', '-0.5'], 'evaluate: --val-fraction -0.5: expected a number > 0 and < 1');
    await usage([...base, '--val-fraction', '0.5', '--seed', '-1'], 'evaluate: --seed -1: expected a number ≥ 0 and ≤ 4294967295');
    await usage([...base, '--names', 'a,,b'], 'evaluate: --names a,,b: an empty name; expected comma-separated image stems');
    await usage([...base, '--json', sub('images')], `evaluate: --json ${sub('images')} is a folder; expected a file name to write`);
    const file = sub('a-file');
    fs.writeFileSync(file, 'x');
    await usage([...base, '--backend', 'cpu', '--out', file], `evaluate: --out ${file} is an existing file; expected a folder (existing or to be created)`);
  });
});
