import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportModel } from '../../src/cli/commands/export.js';
import { UsageError } from '../../src/cli/args.js';
import { PRESETS } from '../../src/unet/config.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { initParams } from '../../src/unet/params.js';
import { adam, initState } from '../../src/train/optim.js';

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
