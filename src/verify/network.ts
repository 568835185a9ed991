/**
 * End-to-end gradient check of a whole U-Net: the taped kernel gradient (float32) of the
 * weighted loss against central finite differences of the float64 reference network along a
 * random direction v in parameter space:  ⟨∇L, v⟩  vs  (L(θ + εv) − L(θ − εv)) / 2ε.
 * ε = 1e-7 (fine in float64): a larger ε moves some of the thousands of ReLU and max-pool
 * inputs across their kinks and the difference stops measuring the gradient (measured: ε = 1e-3
 * gives 5–8 % disagreement on a depth-2 net, ε = 1e-7 gives 1e-6).
 */
import { to64 } from '../tensor/tensor64.js';
import { rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Runtime } from '../runtime/runtime.js';
import { lossAndGrads } from '../train/step.js';
import { geometry } from '../unet/geometry.js';
import type { UNetConfig } from '../unet/config.js';
import { initParams } from '../unet/params.js';
import { unetLossRef, type Params64 } from '../unet/reference.js';

export interface NetworkCheck {
  readonly fd: number;
  readonly taped: number;
  readonly rel: number;
  readonly params: number;
}

/** The whole networks `unet-ts check` (and the browser tests) check: a valid-padded depth 2 and a same-padded depth 1, each at its tile. */
export const CHECK_NETWORKS: readonly { readonly label: string; readonly cfg: UNetConfig }[] = [
  { label: 'unet depth 2 valid', cfg: { inChannels: 1, classes: 2, depth: 2, base: 2, dropout: 0, padding: 'valid', tile: 44 } },
  { label: 'unet depth 1 same', cfg: { inChannels: 2, classes: 3, depth: 1, base: 3, dropout: 0, padding: 'same', tile: 8 } },
];

/** Checks a small network (dropout off) at its smallest valid tile ≥ `tile`. */
export const checkNetworkGradient = async (rt: Runtime, cfg: UNetConfig, tile: number, seed = 1, eps = 1e-7): Promise<NetworkCheck> => {
  const c = { ...cfg, dropout: 0 };
  const g = geometry(c)(tile);
  if (g._tag === 'Left') throw new Error(g.left.message);
  const { input: n, output: o } = g.right;
  const r = rng(seed);
  const params = initParams(c, seed);
  const x: Tensor = { shape: [1, c.inChannels, n, n], data: new Float32Array(c.inChannels * n * n).map(() => r.normal()) };
  const labels: Tensor = { shape: [1, 1, o, o], data: new Float32Array(o * o).map(() => r.int(c.classes)) };
  const weights: Tensor = { shape: [1, 1, o, o], data: new Float32Array(o * o).map(() => 0.5 + r.uniform()) };
  const { grads } = await lossAndGrads(rt, c, params, { image: x, labels, weights }, 0);
  const v = Object.fromEntries(Object.entries(params).map(([k, p]) => [k, p.data.map(() => r.normal())]));
  let taped = 0;
  let count = 0;
  for (const [k, gk] of Object.entries(grads)) {
    const vk = v[k]!;
    for (let i = 0; i < vk.length; i++) taped += gk.data[i]! * vk[i]!;
    count += vk.length;
  }
  const shifted = (sign: number): Params64 =>
    Object.fromEntries(Object.entries(params).map(([k, p]) => [k, { shape: p.shape, data: Float64Array.from(p.data, (x, i) => x + sign * eps * v[k]![i]!) }]));
  const [x64, l64, w64] = [to64(x), to64(labels), to64(weights)];
  const fd = ((await unetLossRef(c, shifted(1), x64, l64, w64)) - (await unetLossRef(c, shifted(-1), x64, l64, w64))) / (2 * eps);
  return { fd, taped, rel: Math.abs(fd - taped) / Math.max(Math.abs(fd), Math.abs(taped), 1e-12), params: count };
};
