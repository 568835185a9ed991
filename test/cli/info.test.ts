import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { info } from '../../src/cli/commands/info.js';
import { UsageError } from '../../src/cli/args.js';
import { configFromFlags } from '../../src/cli/model-source.js';
import { PRESETS } from '../../src/unet/config.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';
import { initParams } from '../../src/unet/params.js';

// `unet-ts info` in-process (main.test.ts runs the real process for exit codes).
let out: string[] = [];
let err: string[] = [];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
});
afterEach(() => vi.restoreAllMocks());

const dir = mkdtempSync(join(tmpdir(), 'unet-info-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('info', () => {
  it('--model FILE: the configuration stored in a checkpoint', async () => {
    const model = join(dir, 'tiny.safetensors');
    await saveCheckpoint(model, { config: PRESETS.tiny, params: initParams(PRESETS.tiny, 1) });
    expect(await info.run(['--model', model])).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('parameters: 120,690');
    expect(text).toContain('tile 252 → output 164, halo 44 px per side');
    await expect(info.run(['--model', model, '--preset', 'tiny'])).rejects.toThrow(UsageError);
    await expect(info.run(['--model', join(dir, 'missing.safetensors')])).rejects.toThrow(/missing\.safetensors: cannot read/);
  });

  it('defaults to the paper preset at its tile', async () => {
    expect(await info.run([])).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('parameters: 31,030,658');
    expect(text).toContain('skip crops per side (level 0…3): 88 / 40 / 16 / 4');
    expect(err).toEqual([]);
  });

  it('--preset small --tile 188: its parameter count and the smallest tile', async () => {
    expect(await info.run(['--preset', 'small', '--tile', '188'])).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('parameters: 1,940,834');
    expect(text).toContain('tile 188 → output 4, halo 92 px per side');
    expect(text).toContain('valid tiles near 188: 204');
  });

  it('an invalid tile is a UsageError (exit 2) naming the flag and the nearest valid sizes', async () => {
    await expect(info.run(['--preset', 'tiny', '--tile', '1'])).rejects.toThrow(UsageError);
    await expect(info.run(['--preset', 'tiny', '--tile', '1'])).rejects.toThrow(/^info: --tile 1: unet: tile size 1 is not valid for depth 3 .*92 \(the smallest valid size\)$/);
    await expect(info.run(['--tile', '570'])).rejects.toThrow(/^info: --tile 570: .*556 or 572$/);
    await expect(info.run(['--preset', 'tiny', '--tile', '573'])).rejects.toThrow(/nearest valid sizes: 572 or 580$/);
    await expect(info.run(['--tile', '-4'])).rejects.toThrow(new UsageError('info: --tile -4: expected a number ≥ 1 and ≤ 65536'));
    await expect(info.run(['--tile', '100000'])).rejects.toThrow(new UsageError('info: --tile 100000: expected a number ≥ 1 and ≤ 65536'));
    expect(out).toEqual([]);
  });

  it('bad usage is a UsageError naming the problem', async () => {
    await expect(info.run(['--preset', 'huge'])).rejects.toThrow(new UsageError("info: unknown preset 'huge'; expected one of paper, small, tiny"));
    await expect(info.run(['--tile', 'abc'])).rejects.toThrow(new UsageError('info: --tile abc is not an integer'));
    await expect(info.run(['--preset', 'paper', '--config', 'x.json'])).rejects.toThrow(new UsageError('info: give --preset or --config, not both'));
    await expect(info.run(['--bogus'])).rejects.toBeInstanceOf(UsageError);
  });

  it('--config FILE reads a JSON configuration', async () => {
    const p = file('same.json', JSON.stringify({ ...PRESETS.tiny, padding: 'same', tile: 64 }));
    expect(await info.run(['--config', p])).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('same convs');
    expect(text).toContain('tile 64 → output 64, halo 0 px per side');
    expect(text).toContain('skip crops per side (level 0…2): 0 / 0 / 0');
  });
});

describe('configFromFlags', () => {
  it('returns a preset by name, the fallback when none is given', () => {
    expect(configFromFlags('x', 'small', undefined)).toEqual(PRESETS.small);
    expect(configFromFlags('x', undefined, undefined)).toEqual(PRESETS.tiny);
    expect(configFromFlags('x', undefined, undefined, 'paper')).toEqual(PRESETS.paper);
  });

  it('a missing, malformed or invalid config file is an error naming the file and the problem', () => {
    const missing = join(dir, 'nope.json');
    expect(() => configFromFlags('x', undefined, missing)).toThrow(`${missing}: cannot read the model configuration`);
    const broken = file('broken.json', '{ "depth": ');
    expect(() => configFromFlags('x', undefined, broken)).toThrow(`${broken}: cannot read the model configuration`);
    const bad = file('bad.json', JSON.stringify({ ...PRESETS.paper, base: 0 }));
    expect(() => configFromFlags('x', undefined, bad)).toThrow(`${bad}: invalid model configuration: base: got 0`);
    const tile = file('tile.json', JSON.stringify({ ...PRESETS.paper, tile: 570 }));
    expect(() => configFromFlags('x', undefined, tile)).toThrow(/tile size 570 is not valid.*556 or 572/);
  });
});
