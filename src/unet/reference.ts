/**
 * The whole U-Net and its loss in float64: the architecture of ./architecture.ts run with the
 * layers' plain-TypeScript references. The oracle for the end-to-end gradient check (finite
 * differences of this function against the kernels' taped gradient, src/verify/network.ts)
 * and for the model tests. Dropout is the identity (the check runs the deterministic network).
 */
import type { Tensor64 } from '../tensor/tensor64.js';
import { conv2dRef } from '../layers/conv2d.js';
import { reluRef } from '../layers/relu.js';
import { maxPool2Ref } from '../layers/max-pool2.js';
import { upConv2Ref } from '../layers/up-conv2.js';
import { centerCropRef } from '../layers/center-crop.js';
import { concatRef } from '../layers/concat.js';
import { softmaxCrossEntropyRef } from '../layers/softmax-cross-entropy.js';
import { unet, type Layers } from './architecture.js';
import type { UNetConfig } from './config.js';

export type Params64 = Readonly<Record<string, Tensor64>>;

const get = (p: Params64, k: string): Tensor64 => {
  const t = p[k];
  if (!t) throw new Error(`unet reference: missing parameter '${k}'`);
  return t;
};

/** The layers of ./architecture.ts as float64 references on parameters `p`. */
const referenceLayers = (c: UNetConfig, p: Params64): Layers<Tensor64> => ({
  conv: async (name, x, _cout, k, then) => {
    const y = conv2dRef(x, get(p, `${name}.weight`), get(p, `${name}.bias`), k === 3 && c.padding === 'same' ? 1 : 0);
    return then === 'relu' ? reluRef(y) : y;
  },
  maxPool: async (x) => maxPool2Ref(x),
  dropout: async (x) => x,
  upConv: async (name, x) => upConv2Ref(x, get(p, `${name}.weight`), get(p, `${name}.bias`)),
  crop: async (skip, like) => centerCropRef(skip, { h: like.shape[2], w: like.shape[3] }),
  concat: async (a, b) => concatRef(a, b),
});

/** Float64 logits of the network (no dropout). */
export const unetRef = (c: UNetConfig, p: Params64, x: Tensor64): Promise<Tensor64> => unet(c, referenceLayers(c, p))(x);

/** Float64 weighted cross-entropy loss of the network on one sample. */
export const unetLossRef = async (c: UNetConfig, p: Params64, x: Tensor64, labels: Tensor64, weights: Tensor64): Promise<number> =>
  softmaxCrossEntropyRef(await unetRef(c, p, x), labels, weights).data[0]!;
