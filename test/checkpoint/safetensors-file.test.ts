import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensorsFile, writeSafetensorsFile } from '../../src/checkpoint/safetensors-file.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'unet-ts-ckpt-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('safetensors files', () => {
  it('write then read', async () => {
    const path = join(dir, 'm.safetensors');
    const w = await writeSafetensorsFile(path, { 'enc.bias': { shape: [3], data: new Float32Array([1, 2, 3]) } }, { epoch: '7' })();
    expect(E.isRight(w)).toBe(true);
    const r = await readSafetensorsFile(path)();
    if (E.isLeft(r)) throw r.left;
    expect(r.right.metadata).toEqual({ epoch: '7' });
    expect([...r.right.tensors.get('enc.bias')!.data]).toEqual([1, 2, 3]);
  });

  it('reports a missing file and an encoding error with the path', async () => {
    const missing = join(dir, 'nope.safetensors');
    const r = await readSafetensorsFile(missing)();
    expect(E.isLeft(r) && r.left.message).toMatch(new RegExp(`^${missing.replace(/[.]/g, '\\.')}: cannot read: .*ENOENT`));
    const bad = await writeSafetensorsFile(join(dir, 'bad.safetensors'), { w: { shape: [2], data: new Float32Array(1) } })();
    expect(E.isLeft(bad) && bad.left.message).toBe(`${join(dir, 'bad.safetensors')}: tensor 'w': shape [2] needs 2 values, data has 1`);
  });

  it('a failed write is a CheckpointError naming the file and the atomic-write step', async () => {
    const target = join(dir, 'm.safetensors', 'x.safetensors'); // inside a file written above
    const w = await writeSafetensorsFile(target, { b: { shape: [1], data: new Float32Array(1) } })();
    expect(E.isLeft(w) && w.left.name).toBe('CheckpointError');
    expect(E.isLeft(w) && w.left.message).toMatch(new RegExp(`^${target.replace(/[.]/g, '\\.')}: atomic write failed \\(create the folder`));
  });
});
