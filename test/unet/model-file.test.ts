/**
 * Models from bytes and URLs (src/unet/model-file.ts): what the browser build loads models with.
 * The same validation as a model file read from disk (readModelFile shares it).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { CheckpointError } from '../../src/checkpoint/checkpoint-error.js';
import { encodeSafetensors } from '../../src/checkpoint/safetensors.js';
import { bundledModel } from '../../src/unet/bundled.js';
import { readModelFile } from '../../src/unet/checkpoint.js';
import { decodeModel, encodeModel, loadModelUrl, type FetchLike } from '../../src/unet/model-file.js';
import { initParams } from '../../src/unet/params.js';
import type { UNetConfig } from '../../src/unet/config.js';

const cfg: UNetConfig = { inChannels: 1, classes: 2, depth: 1, base: 2, dropout: 0, padding: 'valid', tile: 20 };

describe('decodeModel / encodeModel / loadModelUrl', () => {
  it('round-trips a model through bytes, every parameter bit-exact', () => {
    const params = initParams(cfg, 3);
    const back = decodeModel(encodeModel({ config: cfg, params }), 'm.safetensors');
    expect(back.config).toEqual(cfg);
    expect(Object.keys(back.params).sort()).toEqual(Object.keys(params).sort());
    for (const [k, p] of Object.entries(params)) {
      expect(back.params[k]!.shape).toEqual(p.shape);
      expect(Array.from(back.params[k]!.data)).toEqual(Array.from(p.data));
    }
  });

  it('reads a shipped model from its bytes as readModelFile reads the file', async () => {
    const path = bundledModel('isbi2012-small');
    const fromBytes = decodeModel(new Uint8Array(readFileSync(path)), 'isbi2012-small.safetensors');
    const fromFile = await readModelFile(path);
    expect(fromBytes.config).toEqual(fromFile.config);
    const bytesOf = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    for (const [k, p] of Object.entries(fromFile.params)) expect(bytesOf(fromBytes.params[k]!.data).equals(bytesOf(p.data)), k).toBe(true);
  });

  it('rejects bytes that are not a unet-ts model, naming the source', () => {
    expect(() => decodeModel(new Uint8Array([1, 2, 3]), 'upload.safetensors')).toThrow(CheckpointError);
    expect(() => decodeModel(new Uint8Array([1, 2, 3]), 'upload.safetensors')).toThrow(/upload\.safetensors/);
    const other = encodeSafetensors({ w: { shape: [1], data: new Float32Array(1) } }, { format: 'something else' });
    expect(() => decodeModel(other, 'other.safetensors')).toThrow(/other\.safetensors.*not a unet-ts checkpoint/);
    const params = initParams(cfg, 3);
    const { ['out.weight']: _dropped, ...missing } = params;
    expect(() => decodeModel(encodeModel({ config: cfg, params: missing }), 'cut.safetensors')).toThrow(/tensor 'out\.weight' is missing/);
  });

  it('fetches a model from a URL; an HTTP error is a CheckpointError naming the URL and status', async () => {
    const bytes = encodeModel({ config: cfg, params: initParams(cfg, 4) });
    const served: FetchLike = async (url) =>
      url === '/models/m.safetensors'
        ? { ok: true, status: 200, arrayBuffer: async () => bytes.slice().buffer }
        : { ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0) };
    expect((await loadModelUrl('/models/m.safetensors', served)).config).toEqual(cfg);
    await expect(loadModelUrl('/models/none.safetensors', served)).rejects.toThrow(/\/models\/none\.safetensors.*HTTP 404/);
  });
});
