/**
 * One training step (paper Sec. 3: batch 1, a large tile): forward through the U-Net on the
 * tape, the weighted softmax cross-entropy of Eq. 1 against the tile's labels and Eq. 2
 * weights, backward, and the gradient of every parameter.
 */
import { leaf, valueAndGrad } from '../autodiff/tape.js';
import { add, softDice, softmaxCrossEntropy } from '../autodiff/ops.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Sample } from '../data/tiles.js';
import type { UNetConfig } from '../unet/config.js';
import { unetForward } from '../unet/model.js';
import type { Params } from '../unet/params.js';

export interface StepResult {
  readonly loss: number;
  readonly grads: Params;
}

/**
 * The training loss: 'ce' is the paper's weighted cross-entropy (Eq. 1); 'dice+ce' adds the
 * soft Dice loss of the foreground classes (optional, not in the paper; src/layers/soft-dice.ts),
 * summed on the tape with the `add` op: loss = CE + Dice, both with weight 1.
 */
export type LossKind = 'ce' | 'dice+ce';

/** Loss and gradients of one sample; `dropoutSeed` fixes the step's dropout mask. */
export const lossAndGrads = (
  rt: Runtime,
  cfg: UNetConfig,
  params: Params,
  sample: Sample,
  dropoutSeed: number,
  loss: LossKind = 'ce',
): Promise<StepResult> =>
  valueAndGrad<Params>(async (ctx, p) => {
    const logits = await unetForward(cfg, { dropoutSeed })(ctx, p, leaf(ctx, sample.image));
    const labels = leaf(ctx, sample.labels);
    const ce = await softmaxCrossEntropy(ctx, logits, labels, leaf(ctx, sample.weights));
    return loss === 'ce' ? ce : add(ctx, ce, await softDice(ctx, logits, labels));
  }, { releaseActivations: true })(rt, params).then(({ value, grads }) => ({ loss: value, grads }));

/** The first parameter whose gradient holds NaN or ±Infinity, if any. */
export const nonFiniteGradient = (grads: Params): string | undefined => {
  for (const [k, g] of Object.entries(grads)) {
    for (let i = 0; i < g.data.length; i++) if (!Number.isFinite(g.data[i]!)) return k;
  }
  return undefined;
};
