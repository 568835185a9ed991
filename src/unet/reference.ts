/**
 * The whole U-Net and its loss in float64, composed from the layers' plain-TypeScript
 * references: the oracle for the end-to-end gradient check (finite differences of this
 * function against the kernels' taped gradient) and for `unet-ts check`.
 * Dropout is left out (the check runs the deterministic network: rate 0).
 */
import type { Tensor64 } from '../tensor/tensor64.js';
import { conv2dRef } from '../layers/conv2d.js';
import { reluRef } from '../layers/relu.js';
import { maxPool2Ref } from '../layers/max-pool2.js';
import { upConv2Ref } from '../layers/up-conv2.js';
import { centerCropRef } from '../layers/center-crop.js';
import { concatRef } from '../layers/concat.js';
import { softmaxCrossEntropyRef } from '../layers/softmax-cross-entropy.js';
import type { UNetConfig } from './config.js';

export type Params64 = Readonly<Record<string, Tensor64>>;

const get = (p: Params64, k: string): Tensor64 => {
  const t = p[k];
  if (!t) throw new Error(`unet reference: missing parameter '${k}'`);
  return t;
};

/** Float64 logits of the network (no dropout). */
export const unetRef = (c: UNetConfig, p: Params64, x: Tensor64): Tensor64 => {
  const pad = c.padding === 'valid' ? 0 : 1;
  const conv = (name: string, h: Tensor64): Tensor64 => reluRef(conv2dRef(h, get(p, `${name}.weight`), get(p, `${name}.bias`), pad));
  const block = (prefix: string, h: Tensor64): Tensor64 => conv(`${prefix}.conv2`, conv(`${prefix}.conv1`, h));
  const skips: Tensor64[] = [];
  let h = x;
  for (let i = 0; i < c.depth; i++) {
    h = block(`down.${i}`, h);
    skips.push(h);
    h = maxPool2Ref(h);
  }
  h = block('bottom', h);
  for (let i = c.depth - 1; i >= 0; i--) {
    const up = upConv2Ref(h, get(p, `up.${i}.upconv.weight`), get(p, `up.${i}.upconv.bias`));
    const skip = centerCropRef(skips[i]!, { h: up.shape[2], w: up.shape[3] });
    h = block(`up.${i}`, concatRef(skip, up));
  }
  return conv2dRef(h, get(p, 'out.weight'), get(p, 'out.bias'), 0);
};

/** Float64 weighted cross-entropy loss of the network on one sample. */
export const unetLossRef = (c: UNetConfig, p: Params64, x: Tensor64, labels: Tensor64, weights: Tensor64): number =>
  softmaxCrossEntropyRef(unetRef(c, p, x), labels, weights).data[0]!;
