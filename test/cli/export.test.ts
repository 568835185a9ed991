import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportModel } from '../../src/cli/commands/export.js';
import { UsageError } from '../../src/cli/args.js';
import { PRESETS } from '../../src/unet/config.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { initParams } from '../../src/unet/params.js';
import { adam, initState } from '../../src/train/optim.js';
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { parse } from 'yaml';
import { onnxMetadata } from '../../src/export/onnx.js';
import { readNpy } from '../../src/export/npy.js';
import { runOnnx } from '../export/helpers.js';
import { randomTensor } from '../helpers/random.js';

let out: string[] = [];
beforeEach(() => {
  out = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
});
afterEach(() => vi.restoreAllMocks());
const dir = mkdtempSync(join(tmpdir(), 'unet-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('export', () => {
  it('keeps weights and config, drops the optimizer state', async () => {
    const params = initParams(PRESETS.tiny, 3);
    const optimizer = adam();
    const from = join(dir, 'last.safetensors');
    await saveCheckpoint(from, {
      config: PRESETS.tiny,
      params,
      training: { optimizer, state: initState(optimizer, params), step: 7, seed: 0, extra: '{}' },
    });
    const to = join(dir, 'model.safetensors');
    expect(await exportModel.run(['--model', from, '--out', to])).toBe(0);
    const m = await loadCheckpoint(to);
    expect(m.training).toBeUndefined();
    expect(m.config).toEqual(PRESETS.tiny);
    for (const [k, v] of Object.entries(params)) expect(m.params[k]!.data).toEqual(v.data);
    expect(statSync(to).size).toBeLessThan(statSync(from).size / 2);
    expect(out.join('\n')).toMatch(/120,690 parameters, trained 7 steps/);
  });

  it('--out that is a folder, or under a file, is a clear UsageError (exit 2)', async () => {
    const e = await exportModel.run(['--model', join(dir, 'x.safetensors'), '--out', dir]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(`export: --out ${dir} is a folder; expected a file name to write`);
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    await expect(exportModel.run(['--model', join(dir, 'x.safetensors'), '--out', join(file, 'm.safetensors')])).rejects.toThrow(
      new UsageError(`export: --out ${join(file, 'm.safetensors')}: ${file} is a file, not a folder`),
    );
  });

  it('names the missing flag', async () => {
    await expect(exportModel.run(['--model', join(dir, 'x.safetensors')])).rejects.toThrow(UsageError);
  });
});

describe('export --format onnx | bioimageio', () => {
  const model = join(dir, 'tiny-model.safetensors');
  beforeAll(async () => {
    await saveCheckpoint(model, { config: PRESETS.tiny, params: initParams(PRESETS.tiny, 5) });
    writeFileSync(join(dir, 'tiny-model.md'), '# tiny model card\n');
  });

  it('onnx: a graph onnxruntime runs, with the source and its sha256 in the metadata', async () => {
    const to = join(dir, 'tiny.onnx');
    expect(await exportModel.run(['--model', model, '--out', to, '--format', 'onnx'])).toBe(0);
    expect(out.join('\n')).toMatch(/tiny\.onnx: ONNX opset 17, \d+ KiB; input \[N, 1, H, W\] with H, W = 92 \+ 8k; logits \[N, 2, H − 88, W − 88\]/);
    const bytes = readFileSync(to);
    expect(onnxMetadata(bytes)['source']).toBe('tiny-model.safetensors');
    expect((await runOnnx(bytes, randomTensor([1, 1, 132, 132], 1))).shape).toEqual([1, 2, 44, 44]);
  });

  it('bioimageio: a zip with rdf.yaml, the model card beside the model as documentation, the given authors', async () => {
    const to = join(dir, 'tiny.zip');
    expect(await exportModel.run(['--model', model, '--out', to, '--format', 'bioimageio', '--authors', 'A. Person; B. Person', '--tags', 'test', '--backend', 'webasm'])).toBe(0);
    const files = unzipSync(readFileSync(to));
    const rdf = parse(new TextDecoder().decode(files['rdf.yaml'])) as { name: string; authors: { name: string }[]; tags: string[]; config: { 'unet-ts': { source: string } } };
    expect(rdf.name).toBe('tiny-model');
    expect(rdf.authors).toEqual([{ name: 'A. Person' }, { name: 'B. Person' }]);
    expect(rdf.tags).toContain('test');
    expect(rdf.config['unet-ts'].source).toBe('tiny-model.safetensors');
    expect(new TextDecoder().decode(files['documentation.md'])).toBe('# tiny model card\n');
    expect(readNpy(files['test_input.npy']!).shape).toEqual([1, 1, 380, 380]);
  });

  it('usage errors: unknown format, flags of another format, bioimageio without authors', async () => {
    const run = (...a: string[]) => exportModel.run(['--model', model, '--out', join(dir, 'x.out'), ...a]);
    await expect(run('--format', 'tflite')).rejects.toThrow(new UsageError('export: --format tflite: expected one of safetensors, onnx, bioimageio'));
    await expect(run('--output', 'probabilities')).rejects.toThrow(new UsageError('export: --output applies to --format onnx or bioimageio, not safetensors'));
    await expect(run('--format', 'onnx', '--sample', 'a.png')).rejects.toThrow(new UsageError('export: --sample applies to --format bioimageio, not onnx'));
    await expect(run('--format', 'onnx', '--output', 'softmax')).rejects.toThrow(new UsageError('export: --output softmax: expected logits or probabilities'));
    await expect(run('--format', 'bioimageio')).rejects.toThrow(/--format bioimageio needs --authors/);
  });
});
