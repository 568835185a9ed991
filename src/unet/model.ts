/**
 * The U-Net forward pass (paper Sec. 2, Fig. 1), built from taped ops so the same code
 * trains (with a tape) and infers (without one).
 *
 * Contracting path: per level two 3×3 convs + ReLU, then 2×2 max-pool. Bottom: two convs,
 * then dropout ("drop-out layers at the end of the contracting path", Sec. 3.1; applied to
 * the bottom's output, as the paper's Caffe model does after the last contracting convs).
 * Expanding path: 2×2 up-conv halving the channels, concatenation with the centre-cropped
 * skip map of the same level, two 3×3 convs + ReLU. Last: a 1×1 conv to the class logits.
 */
import { apply, leaf, type Ctx, type Var } from '../autodiff/tape.js';
import type { Tensor } from '../tensor/tensor.js';
import { readTensor } from '../tensor/device-tensor.js';
import type { UNetConfig } from './config.js';
import type { Params } from './params.js';

/** Parameter variables by name. */
export type ParamVars = Readonly<Record<string, Var>>;

const param = (p: ParamVars, name: string): Var => {
  const v = p[name];
  if (!v) throw new Error(`unet: missing parameter '${name}'`);
  return v;
};

const convRelu = async (ctx: Ctx, p: ParamVars, name: string, x: Var, pad: number): Promise<Var> =>
  apply(ctx, 'relu', [await apply(ctx, 'conv2d', [x, param(p, `${name}.weight`), param(p, `${name}.bias`)], { pad })], {});

const block = async (ctx: Ctx, p: ParamVars, prefix: string, x: Var, pad: number): Promise<Var> =>
  convRelu(ctx, p, `${prefix}.conv2`, await convRelu(ctx, p, `${prefix}.conv1`, x, pad), pad);

export interface ForwardOptions {
  /** Seed of this step's dropout mask (ignored when not training). */
  readonly dropoutSeed?: number;
}

/**
 * Class logits [N, classes, out, out] for an input [N, inChannels, n, n] with n a valid size.
 *
 * @example
 * const ctx = inferenceCtx(rt);
 * const logits = await unetForward(PRESETS.tiny)(ctx, paramVars(ctx, params), leaf(ctx, image));
 */
export const unetForward =
  (c: UNetConfig, opts: ForwardOptions = {}) =>
  async (ctx: Ctx, p: ParamVars, x: Var): Promise<Var> => {
    const pad = c.padding === 'valid' ? 0 : 1;
    const skips: Var[] = [];
    let h = x;
    for (let i = 0; i < c.depth; i++) {
      h = await block(ctx, p, `down.${i}`, h, pad);
      skips.push(h);
      h = await apply(ctx, 'maxPool2', [h], {});
    }
    h = await block(ctx, p, 'bottom', h, pad);
    if (ctx.training && c.dropout > 0) h = await apply(ctx, 'dropout', [h], { rate: c.dropout, seed: opts.dropoutSeed ?? 0 });
    for (let i = c.depth - 1; i >= 0; i--) {
      const up = await apply(ctx, 'upConv2', [h, param(p, `up.${i}.upconv.weight`), param(p, `up.${i}.upconv.bias`)], {});
      const size = up.value.shape[2];
      const skip = await apply(ctx, 'centerCrop', [skips[i]!], { h: size, w: up.value.shape[3] });
      h = await block(ctx, p, `up.${i}`, await apply(ctx, 'concat', [skip, up], {}), pad);
    }
    return apply(ctx, 'conv2d', [h, param(p, 'out.weight'), param(p, 'out.bias')], { pad: 0 });
  };

/** Parameters entering a computation as leaf variables. */
export const paramVars = (ctx: Ctx, params: Params): ParamVars =>
  Object.fromEntries(Object.entries(params).map(([k, t]) => [k, leaf(ctx, t)]));

/**
 * Logits of one input tensor without recording a tape (inference), on the host. On a
 * resident runtime the activations stay on the device inside one runtime scope; only the
 * logits are read back, and the scope frees the rest.
 */
export const predictLogits = async (ctx: Ctx, c: UNetConfig, params: Params, x: Tensor): Promise<Tensor> =>
  ctx.rt.scope(async () => readTensor(ctx.rt, (await unetForward(c)(ctx, paramVars(ctx, params), leaf(ctx, x))).value));
