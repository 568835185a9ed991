/**
 * The U-Net forward pass (paper Sec. 2, Fig. 1) on the GPU.js kernels: the architecture of
 * ./architecture.ts run with the taped ops, so the same code trains (with a tape) and infers
 * (without one). Dropout acts only when training, with this step's seed.
 */
import { centerCrop, concat, conv2d, dropout, maxPool2, upConv2 } from '../autodiff/ops.js';
import { leaf, releaseActivations, type Ctx, type Var } from '../autodiff/tape.js';
import type { Tensor } from '../tensor/tensor.js';
import { readTensor } from '../tensor/device-tensor.js';
import { unet, type Layers } from './architecture.js';
import type { UNetConfig } from './config.js';
import type { Params } from './params.js';

/** Parameter variables by name. */
export type ParamVars = Readonly<Record<string, Var>>;

const param = (p: ParamVars, name: string): Var => {
  const v = p[name];
  if (!v) throw new Error(`unet: missing parameter '${name}'`);
  return v;
};

export interface ForwardOptions {
  /** Seed of this step's dropout mask (ignored when not training). */
  readonly dropoutSeed?: number;
}

/** The layers of ./architecture.ts as taped ops on parameter variables `p`. */
const tapedLayers = (c: UNetConfig, opts: ForwardOptions, ctx: Ctx, p: ParamVars): Layers<Var> => ({
  conv: (name, x, _cout, k, then) =>
    conv2d(ctx, x, param(p, `${name}.weight`), param(p, `${name}.bias`), { pad: k === 3 && c.padding === 'same' ? 1 : 0, relu: then === 'relu' }),
  maxPool: (x) => maxPool2(ctx, x),
  dropout: async (x) => (ctx.training && c.dropout > 0 ? dropout(ctx, x, { rate: c.dropout, seed: opts.dropoutSeed ?? 0 }) : x),
  upConv: (name, x) => upConv2(ctx, x, param(p, `${name}.weight`), param(p, `${name}.bias`)),
  crop: (skip, like) => centerCrop(ctx, skip, { h: like.value.shape[2], w: like.value.shape[3] }),
  concat: (a, b) => concat(ctx, a, b),
});

/**
 * Class logits [N, classes, out, out] for an input [N, inChannels, n, n] with n a valid size.
 *
 * @example
 * import { PRESETS, inferenceCtx, initParams, leaf, paramVars, unetForward, type Tensor } from 'unet-ts';
 * declare const x: Tensor; // input [1, 1, n, n], n a valid size of PRESETS.tiny
 * const ctx = inferenceCtx(rt);
 * const params = initParams(PRESETS.tiny, 42); // He init from seed 42
 * const logits = await unetForward(PRESETS.tiny)(ctx, paramVars(ctx, params), leaf(ctx, x));
 */
export const unetForward =
  (c: UNetConfig, opts: ForwardOptions = {}) =>
  (ctx: Ctx, p: ParamVars, x: Var): Promise<Var> =>
    unet(c, tapedLayers(c, opts, ctx, p))(x);

/** Parameters entering a computation as leaf variables. */
export const paramVars = (ctx: Ctx, params: Params): ParamVars =>
  Object.fromEntries(Object.entries(params).map(([k, t]) => [k, leaf(ctx, t)]));

/**
 * Logits of one input tensor (inference), on the host. On a resident runtime the activations
 * stay on the device inside one runtime scope; only the logits are read back, and the scope
 * frees the rest. On the host the ops are recorded on a tape only to know the activations:
 * once the logits are read they go back to the runtime's pool, and the next call (the next
 * tile) reuses their memory instead of allocating and collecting it (`small` at 572 on webasm,
 * docs/performance.md §5).
 */
export const predictLogits = async (ctx: Ctx, c: UNetConfig, params: Params, x: Tensor): Promise<Tensor> =>
  ctx.rt.scope(async () => {
    const rec: Ctx = { ...ctx, tape: { entries: [] } };
    const logits = await readTensor(ctx.rt, (await unetForward(c)(rec, paramVars(rec, params), leaf(rec, x))).value);
    releaseActivations(ctx.rt, rec.tape!, [logits]);
    return logits;
  });
