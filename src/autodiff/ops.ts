/**
 * Typed op calls: one thin wrapper over `apply` per op, so a network reads like its figure
 * (`relu(ctx, await conv2d(ctx, x, w, b, { pad: 0 }))`) and a wrong argument count or attribute
 * is a compile error at the call, not a lookup by name. Each records its op on the tape when
 * the context has one (training) and just runs it otherwise (inference).
 *
 * @example
 * import { conv2d, inferenceCtx, leaf, relu, type Tensor } from 'unet-ts';
 * declare const x: Tensor; // input [N, C, H, W]
 * declare const w: Tensor; // weights [C', C, k, k]
 * declare const b: Tensor; // bias [C']
 * const ctx = inferenceCtx(rt);
 * const y = await relu(ctx, await conv2d(ctx, leaf(ctx, x), leaf(ctx, w), leaf(ctx, b), { pad: 0 }));
 */
import type { Attrs } from '../layers/op.js';
import { apply, type Ctx, type Var } from './tape.js';

/** k×k convolution with bias, stride 1, zero padding `pad` (src/layers/conv2d.ts). */
export const conv2d = (ctx: Ctx, x: Var, w: Var, b: Var, attrs: Attrs<'conv2d'>): Promise<Var> => apply(ctx, 'conv2d', [x, w, b], attrs);

/** max(0, x) (src/layers/relu.ts). */
export const relu = (ctx: Ctx, x: Var): Promise<Var> => apply(ctx, 'relu', [x], {});

/** 2×2 max-pooling, stride 2 (src/layers/max-pool2.ts). */
export const maxPool2 = (ctx: Ctx, x: Var): Promise<Var> => apply(ctx, 'maxPool2', [x], {});

/** 2×2 up-convolution, stride 2, with bias (src/layers/up-conv2.ts). */
export const upConv2 = (ctx: Ctx, x: Var, w: Var, b: Var): Promise<Var> => apply(ctx, 'upConv2', [x, w, b], {});

/** The centre h×w window (src/layers/center-crop.ts). */
export const centerCrop = (ctx: Ctx, x: Var, attrs: Attrs<'centerCrop'>): Promise<Var> => apply(ctx, 'centerCrop', [x], attrs);

/** [a; b] along channels (src/layers/concat.ts). */
export const concat = (ctx: Ctx, a: Var, b: Var): Promise<Var> => apply(ctx, 'concat', [a, b], {});

/** Inverted dropout with a seeded mask (src/layers/dropout.ts). */
export const dropout = (ctx: Ctx, x: Var, attrs: Attrs<'dropout'>): Promise<Var> => apply(ctx, 'dropout', [x], attrs);

/** Weighted pixel-wise softmax cross-entropy, paper Eq. 1, normalised by Σw (src/layers/softmax-cross-entropy.ts). */
export const softmaxCrossEntropy = (ctx: Ctx, logits: Var, labels: Var, weights: Var): Promise<Var> =>
  apply(ctx, 'softmaxCrossEntropy', [logits, labels, weights], {});

/** Soft Dice loss over the foreground classes (src/layers/soft-dice.ts). */
export const softDice = (ctx: Ctx, logits: Var, labels: Var): Promise<Var> => apply(ctx, 'softDice', [logits, labels], {});

/** Element-wise sum (src/layers/add.ts). */
export const add = (ctx: Ctx, a: Var, b: Var): Promise<Var> => apply(ctx, 'add', [a, b], {});
