/**
 * FLOP counts, with the conventions the README's speed tables and the peers (PyTorch, tfjs) use:
 * a multiply-add is 2 FLOP; a k×k convolution costs 2·Cin·Cout·k²·Ho·Wo; a 2×2 stride-2
 * transposed convolution costs 2·Cin·Cout·Hout·Wout (each output pixel receives one tap per
 * input channel). Bias adds, ReLU, pooling, cropping and the loss are not counted.
 * Each gradient of a convolution (input gradient dx, weight gradient dw) costs as much as its
 * forward pass, so a training step is counted as 3× the forward FLOP.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { UNetConfig } from '../unet/config.js';
import { summarize } from '../unet/summary.js';

/** FLOP of a k×k convolution producing cout×ho×wo from cin channels. */
export const convFlop = (cin: number, cout: number, k: number, ho: number, wo: number): number => 2 * cin * cout * k * k * ho * wo;

/** FLOP of a 2×2 stride-2 up-convolution producing cout×hout×wout from cin channels. */
export const upConvFlop = (cin: number, cout: number, hout: number, wout: number): number => 2 * cin * cout * hout * wout;

/**
 * Forward FLOP of the network at input tile n×n, from the same layer table `unet-ts info`
 * prints (weights per layer = params − bias): a conv layer costs 2·weights·Ho·Wo, an
 * up-conv 2·(weights/4)·Hout·Wout. Throws on an invalid tile.
 */
export const modelForwardFlop = (c: UNetConfig, n: number): number => {
  const rows = summarize(c, n);
  if (E.isLeft(rows)) throw new Error(rows.left.message);
  let flop = 0;
  for (const r of rows.right) {
    const cout = r.out[1];
    const weights = r.params - cout;
    const pixels = r.out[0] * r.out[2] * r.out[3];
    if (r.op.startsWith('conv')) flop += 2 * weights * pixels;
    else if (r.op.startsWith('up-conv')) flop += 2 * (weights / 4) * pixels;
  }
  return flop;
};

/** Training-step FLOP: forward + input gradients + weight gradients of every conv layer. */
export const modelTrainFlop = (c: UNetConfig, n: number): number => 3 * modelForwardFlop(c, n);
