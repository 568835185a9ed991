/**
 * Optimisers as pure functions: (state, params, grads, lr) → { params, state }, new arrays
 * every step (nothing is updated in place, so a failed step leaves the previous state whole).
 *
 * SGD with momentum (paper Sec. 3: "a high momentum (0.99) such that a large number of the
 * previously seen training samples determine the update"), in the PyTorch form
 *   v ← μ·v + g + λ·θ,  θ ← θ − η·v;
 * Adam (Kingma & Ba 2015) with bias correction and L2 weight decay λ·θ added to g.
 */
import * as t from 'io-ts';
import type { Tensor } from '../tensor/tensor.js';

export type Params = Readonly<Record<string, Tensor>>;

export const OptimizerConfigCodec = t.union([
  t.type({ kind: t.literal('sgd'), momentum: t.number, weightDecay: t.number }),
  t.type({ kind: t.literal('adam'), beta1: t.number, beta2: t.number, eps: t.number, weightDecay: t.number }),
]);
export type OptimizerConfig = t.TypeOf<typeof OptimizerConfigCodec>;

export const sgd = (momentum = 0.99, weightDecay = 0): OptimizerConfig => ({ kind: 'sgd', momentum, weightDecay });
export const adam = (weightDecay = 0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8): OptimizerConfig => ({ kind: 'adam', beta1, beta2, eps, weightDecay });

/** Per-parameter buffers (momentum; Adam's first and second moments) and the step count. */
export interface OptimizerState {
  readonly step: number;
  readonly buffers: Readonly<Record<string, Tensor>>;
}

const like = (p: Tensor): Tensor => ({ shape: p.shape, data: new Float32Array(p.data.length) });

/** The zero state for `params`: buffer names are `<param>.m` (and `<param>.v` for Adam). */
export const initState = (cfg: OptimizerConfig, params: Params): OptimizerState => {
  const buffers: Record<string, Tensor> = {};
  for (const [k, p] of Object.entries(params)) {
    buffers[`${k}.m`] = like(p);
    if (cfg.kind === 'adam') buffers[`${k}.v`] = like(p);
  }
  return { step: 0, buffers };
};

const buffer = (s: OptimizerState, name: string): Float32Array => {
  const b = s.buffers[name];
  if (!b) throw new Error(`optimizer state has no buffer '${name}' (does the checkpoint match the model?)`);
  return b.data;
};

// The element loops, apart from `update` and fed plain numbers: inlined in `update` they read
// `cfg.…` and `g.data` through polymorphic objects and V8 boxed every intermediate (7 MB of
// heap numbers per `tiny` step, extra garbage collections); here every value stays a double.

/** v ← μ·v + g + λ·θ, θ ← θ − η·v. */
const sgdLoop = (theta: Float32Array, m: Float32Array, p: Float32Array, g: Float32Array, m0: Float32Array, mu: number, wd: number, lr: number): void => {
  for (let i = 0; i < theta.length; i++) {
    const gi = g[i]! + wd * p[i]!;
    m[i] = mu * m0[i]! + gi;
    theta[i] = p[i]! - lr * m[i]!;
  }
};

/** Adam with bias corrections c1 = 1 − β1^t, c2 = 1 − β2^t. */
const adamLoop = (
  theta: Float32Array,
  m: Float32Array,
  v: Float32Array,
  p: Float32Array,
  g: Float32Array,
  m0: Float32Array,
  v0: Float32Array,
  [beta1, beta2, eps, wd, lr, c1, c2]: readonly [number, number, number, number, number, number, number],
): void => {
  for (let i = 0; i < theta.length; i++) {
    const gi = g[i]! + wd * p[i]!;
    m[i] = beta1 * m0[i]! + (1 - beta1) * gi;
    v[i] = beta2 * v0[i]! + (1 - beta2) * gi * gi;
    theta[i] = p[i]! - (lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + eps);
  }
};

/** One update with learning rate `lr`. */
export const update = (cfg: OptimizerConfig, state: OptimizerState, params: Params, grads: Params, lr: number): { params: Params; state: OptimizerState } => {
  const step = state.step + 1;
  const next: Record<string, Tensor> = {};
  const buffers: Record<string, Tensor> = {};
  for (const [k, p] of Object.entries(params)) {
    const g = grads[k];
    if (!g) throw new Error(`no gradient for parameter '${k}'`);
    const m0 = buffer(state, `${k}.m`);
    const theta = new Float32Array(p.data.length);
    const m = new Float32Array(p.data.length);
    if (cfg.kind === 'sgd') {
      sgdLoop(theta, m, p.data, g.data, m0, cfg.momentum, cfg.weightDecay, lr);
    } else {
      const v0 = buffer(state, `${k}.v`);
      const v = new Float32Array(p.data.length);
      adamLoop(theta, m, v, p.data, g.data, m0, v0, [cfg.beta1, cfg.beta2, cfg.eps, cfg.weightDecay, lr, 1 - cfg.beta1 ** step, 1 - cfg.beta2 ** step]);
      buffers[`${k}.v`] = { shape: p.shape, data: v };
    }
    buffers[`${k}.m`] = { shape: p.shape, data: m };
    next[k] = { shape: p.shape, data: theta };
  }
  return { params: next, state: { step, buffers } };
};

/** Averages gradients of several micro-steps (gradient accumulation). */
export const meanGrads = (all: readonly Params[]): Params => {
  const first = all[0];
  if (!first) throw new Error('meanGrads: no gradients');
  const out: Record<string, Tensor> = {};
  for (const [k, g0] of Object.entries(first)) {
    const sum = new Float32Array(g0.data.length);
    for (const g of all) {
      const d = g[k]!.data;
      for (let i = 0; i < sum.length; i++) sum[i]! += d[i]!;
    }
    for (let i = 0; i < sum.length; i++) sum[i]! /= all.length;
    out[k] = { shape: g0.shape, data: sum };
  }
  return out;
};
