/**
 * Device residency (issue 3): on a resident runtime (webgpu) a training step keeps every
 * activation and cotangent on the device — only the loss, the parameter gradients and a few
 * small sums are read back — and the GPU memory gpu.js holds is the same after step 1 and
 * after step 1,000 (nothing leaks per step). On the CPU-side backends there is no device
 * memory: `compute` returns host arrays and no device array is ever alive.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { lossAndGrads } from '../../src/train/step.js';
import { initState, sgd, update } from '../../src/train/optim.js';
import { initParams, type Params } from '../../src/unet/params.js';
import { geometry } from '../../src/unet/geometry.js';
import type { UNetConfig } from '../../src/unet/config.js';
import { size, type Tensor } from '../../src/tensor/tensor.js';
import { rng } from '../../src/tensor/random.js';
import { isResidentBackend, type Runtime } from '../../src/runtime/runtime.js';
import { disposeRuntimes, runtimeFor, testBackends } from '../helpers/backends.js';

afterAll(disposeRuntimes);

// Activations far larger than the parameters, so a read-back activation would show: depth 1,
// base 2, 64² input (91,416 activation values in the forward pass against 434 parameters;
// measured: 3,344 bytes read back per step).
const cfg: UNetConfig = { inChannels: 1, classes: 2, depth: 1, base: 2, dropout: 0.5, padding: 'valid', tile: 64 };

const sample = (c: UNetConfig, seed: number) => {
  const g = geometry(c)(c.tile);
  if (g._tag === 'Left') throw new Error(g.left.message);
  const { input: n, output: o } = g.right;
  const r = rng(seed);
  const t = (ch: number, s: number, f: () => number): Tensor => ({ shape: [1, ch, s, s], data: Float32Array.from({ length: ch * s * s }, f) });
  return { image: t(1, n, () => r.normal()), labels: t(1, o, () => r.int(2)), weights: t(1, o, () => 0.5 + r.uniform()) };
};

const train = async (rt: Runtime, steps: number, onStep: (i: number) => void) => {
  let params: Params = initParams(cfg, 1);
  const opt = sgd(0.99);
  let state = initState(opt, params);
  for (let i = 1; i <= steps; i++) {
    const { grads, loss } = await lossAndGrads(rt, cfg, params, sample(cfg, i), i);
    expect(Number.isFinite(loss)).toBe(true);
    ({ params, state } = update(opt, state, params, grads, 1e-3));
    onStep(i);
  }
  return params;
};

const paramBytes = (p: Params): number => Object.values(p).reduce((s, t) => s + 4 * size(t.shape), 0);

describe.each(testBackends.filter(isResidentBackend))('residency on %s', (backend) => {
  it('reads back only the loss, the gradients and small sums in a step; device memory does not grow over 1,000 steps', async () => {
    const rt = await runtimeFor(backend);
    expect(rt.resident).toBe(true);
    const before = rt.stats().readBytes;
    const params = await train(rt, 1, () => undefined);
    const read = rt.stats().readBytes - before;
    // dw partial sums are padded to 4 lanes: at most ~2× the parameters, plus the loss sums.
    expect(read).toBeLessThanOrEqual(2 * paramBytes(params) + 1024);
    const after1 = rt.stats();
    expect(after1.deviceArrays).toBe(0);
    const samples: number[] = [];
    await train(rt, 1000, (i) => {
      if (i === 1 || i % 250 === 0) samples.push(rt.stats().gpuBytes);
    });
    const after1000 = rt.stats();
    expect(after1000.deviceArrays).toBe(0);
    expect(after1000.kernels).toBe(after1.kernels);
    // All GPU buffers gpu.js holds (outputs, uploads, staging): the same after step 1 and 1,000.
    expect(new Set(samples).size, `GPU bytes at steps 1, 250, …, 1000: ${samples.join(', ')}`).toBe(1);
  }, 600_000);
});

describe.each(testBackends)('scopes on %s', (backend) => {
  it('a training step leaves no device array alive; a scope frees what it made except its result', async () => {
    const rt = await runtimeFor(backend);
    await train(rt, 1, () => undefined);
    expect(rt.stats().deviceArrays).toBe(0);
    const kept = await rt.scope(async () => {
      await rt.upload(new Float32Array(16));
      return rt.upload(Float32Array.of(1, 2, 3));
    });
    // The returned array survives its scope (moved to the enclosing one; here: none).
    expect(Array.from(await rt.read(kept))).toEqual([1, 2, 3]);
    expect(rt.stats().deviceArrays).toBe(rt.resident ? 1 : 0);
  });
});
