/**
 * Inference end to end on every backend: `predictLogits` (kernels, on the device on a
 * resident runtime) against the float64 reference network (`unetRef`), and on a resident
 * runtime nothing stays allocated on the device afterwards.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { inferenceCtx } from '../../src/autodiff/tape.js';
import { predictLogits } from '../../src/unet/model.js';
import { unetRef, type Params64 } from '../../src/unet/reference.js';
import { initParams } from '../../src/unet/params.js';
import { geometry } from '../../src/unet/geometry.js';
import type { UNetConfig } from '../../src/unet/config.js';
import { to64 } from '../../src/tensor/tensor64.js';
import { disposeRuntimes, runtimeFor, testBackends } from '../helpers/backends.js';
import { randomTensor } from '../helpers/random.js';
import { normRel } from '../helpers/compare.js';

afterAll(disposeRuntimes);

const configs: readonly [string, UNetConfig][] = [
  ['depth 2, valid, base 4', { inChannels: 1, classes: 2, depth: 2, base: 4, dropout: 0.5, padding: 'valid', tile: 60 }],
  ['depth 1, same, 2 channels, 3 classes', { inChannels: 2, classes: 3, depth: 1, base: 3, dropout: 0.5, padding: 'same', tile: 12 }],
];

// Tolerance: max |error| / max |reference| < 1e-5 (float32 kernels through ~10 layers of
// sums of ≤ 9·Cin terms; measured 0.8e-7 to 6.4e-7 on cpu, webasm and webgpu).
describe.each(testBackends)('predictLogits on %s', (backend) => {
  it.each(configs)('%s: equals the float64 reference network; frees what it made', async (_, cfg) => {
    const rt = await runtimeFor(backend);
    const g = geometry(cfg)(cfg.tile);
    if (g._tag === 'Left') throw new Error(g.left.message);
    const params = initParams(cfg, 3);
    const x = randomTensor([1, cfg.inChannels, g.right.input, g.right.input], 4);
    const before = rt.stats().deviceArrays;
    const logits = await predictLogits(inferenceCtx(rt), cfg, params, x);
    expect(rt.stats().deviceArrays).toBe(before);
    const p64: Params64 = Object.fromEntries(Object.entries(params).map(([k, t]) => [k, to64(t)]));
    const ref = await unetRef(cfg, p64, to64(x));
    expect(logits.shape).toEqual(ref.shape);
    expect(normRel(logits.data, ref.data)).toBeLessThan(1e-5);
  });
});
