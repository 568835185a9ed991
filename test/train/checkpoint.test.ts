import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { encodeSafetensors, decodeSafetensors } from '../../src/checkpoint/safetensors.js';
import { initParams } from '../../src/unet/params.js';
import { PRESETS } from '../../src/unet/config.js';
import { initState, sgd } from '../../src/train/optim.js';

const cfg = PRESETS.tiny;
const params = initParams(cfg, 3);
const dir = mkdtempSync(join(tmpdir(), 'unet-ck-'));

const rewrite = (src: string, dst: string, edit: (t: Map<string, { shape: readonly number[]; data: Float32Array }>, m: Record<string, string>) => void): void => {
  const r = decodeSafetensors(new Uint8Array(readFileSync(src)), src);
  if (r._tag === 'Left') throw r.left;
  const tensors = new Map(r.right.tensors);
  const meta = { ...r.right.metadata };
  edit(tensors, meta);
  writeFileSync(dst, encodeSafetensors(tensors, meta));
};

describe('model checkpoints', () => {
  const file = join(dir, 'model.safetensors');

  it('round-trip params, config and optimizer state; names and shapes follow a PyTorch state_dict', async () => {
    const state = initState(sgd(), params);
    await saveCheckpoint(file, { config: cfg, params, training: { optimizer: sgd(), state, step: 12, seed: 5, extra: '{"best":0.5}' } });
    const ck = await loadCheckpoint(file);
    expect(ck.config).toEqual(cfg);
    for (const [k, v] of Object.entries(params)) expect(ck.params[k]!.data).toEqual(v.data);
    expect(ck.training!.step).toBe(12);
    expect(ck.training!.seed).toBe(5);
    expect(Object.keys(ck.training!.state.buffers).length).toBe(Object.keys(params).length);
    const raw = decodeSafetensors(new Uint8Array(readFileSync(file)), file);
    if (raw._tag === 'Left') throw raw.left;
    expect(raw.right.tensors.get('down.0.conv1.weight')!.shape).toEqual([8, 1, 3, 3]);
    expect(raw.right.tensors.get('down.0.conv1.bias')!.shape).toEqual([8]);
    expect(raw.right.tensors.get('up.0.upconv.weight')!.shape).toEqual([16, 8, 2, 2]);
  });

  it('rejects a truncated file naming it', async () => {
    await saveCheckpoint(file, { config: cfg, params });
    const bytes = readFileSync(file);
    const cut = join(dir, 'cut.safetensors');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
    await expect(loadCheckpoint(cut)).rejects.toThrow(/cut\.safetensors: .*out of range: the data section has \d+ bytes/);
  });

  it('rejects a file that is not safetensors at all', async () => {
    const junk = join(dir, 'junk.safetensors');
    writeFileSync(junk, 'this is not a checkpoint');
    await expect(loadCheckpoint(junk)).rejects.toThrow(/junk\.safetensors/);
  });

  it('rejects a missing tensor, a wrong shape, a bad config and a foreign file', async () => {
    await saveCheckpoint(file, { config: cfg, params });
    const f = (n: string): string => join(dir, n);
    rewrite(file, f('missing.st'), (t) => t.delete('out.bias'));
    await expect(loadCheckpoint(f('missing.st'))).rejects.toThrow(/missing\.st: tensor 'out\.bias' is missing/);
    rewrite(file, f('shape.st'), (t) => t.set('out.weight', { shape: [3, 8, 1, 1], data: new Float32Array(24) }));
    await expect(loadCheckpoint(f('shape.st'))).rejects.toThrow(/tensor 'out\.weight' has shape \[3, 8, 1, 1\], the config needs \[2, 8, 1, 1\]/);
    rewrite(file, f('config.st'), (_, m) => (m['config'] = JSON.stringify({ ...cfg, depth: 0 })));
    await expect(loadCheckpoint(f('config.st'))).rejects.toThrow(/config\.st.*depth/);
    rewrite(file, f('foreign.st'), (_, m) => delete m['format']);
    await expect(loadCheckpoint(f('foreign.st'))).rejects.toThrow(/not a unet-ts checkpoint/);
    await expect(loadCheckpoint(f('nope.st'))).rejects.toThrow(/nope\.st: cannot read/);
  });
});
