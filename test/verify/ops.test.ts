import { afterAll, describe, expect, it } from 'vitest';
import { checkOps } from '../../src/verify/ops.js';
import { checkNetworkGradient } from '../../src/verify/network.js';
import { disposeRuntimes, runtimeFor, testBackends } from '../helpers/backends.js';

afterAll(disposeRuntimes);

// The small cases of `unet-ts check` on every backend (the paper-size cases run in each
// layer's own test file). Tolerances are stated per op in src/verify/ops.ts.
describe.each(testBackends)('check on %s', (backend) => {
  it('every op passes forward, VJP and finite-difference checks', async () => {
    const rt = await runtimeFor(backend);
    const rows = await checkOps(rt, { large: false });
    const failed = rows.filter((r) => !r.ok).map((r) => `${r.op} ${r.pass} rel ${r.relError}`);
    expect(failed).toEqual([]);
    expect(rows.length).toBeGreaterThanOrEqual(30);
    expect([...rt.fallbacks()]).toEqual([]);
  });

  // End to end (issue 3): the taped kernel gradient of a whole small U-Net against central
  // finite differences of the float64 reference network, along random directions.
  it.each([
    ['depth 2, valid', { inChannels: 1, classes: 2, depth: 2, base: 2, dropout: 0, padding: 'valid', tile: 44 }, 1],
    ['depth 2, valid, other seed', { inChannels: 1, classes: 2, depth: 2, base: 3, dropout: 0, padding: 'valid', tile: 60 }, 2],
    ['depth 1, same, 3 classes', { inChannels: 2, classes: 3, depth: 1, base: 3, dropout: 0, padding: 'same', tile: 8 }, 3],
  ] as const)('whole U-Net gradient (%s) matches finite differences', async (_, cfg, seed) => {
    const rt = await runtimeFor(backend);
    const r = await checkNetworkGradient(rt, cfg, cfg.tile, seed);
    expect(r.rel).toBeLessThan(1e-4);
  });
});
