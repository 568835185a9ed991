/**
 * The same U-Net in TensorFlow.js ops (NHWC), for the peer benchmarks: per level two valid
 * 3×3 convs + ReLU (`tf.fused.conv2d`, as tf.layers uses), 2×2 max-pool; bottom convs and
 * dropout (training only); 2×2 stride-2 `conv2dTranspose` + bias, centre crop of the skip
 * map, concatenation [skip, up] on channels, two convs; the final 1×1 conv. The weights are
 * unet-ts's own parameters transposed to TF's layouts, so the logits can be compared.
 */
import type { UNetConfig } from '../unet/config.js';
import type { Params } from '../unet/params.js';
import type { Tensor } from '../tensor/tensor.js';

/** The @tensorflow/tfjs module (loaded dynamically: it is an optional dev dependency). */
export type Tf = typeof import('@tensorflow/tfjs');
type T4 = import('@tensorflow/tfjs').Tensor4D;
type T1 = import('@tensorflow/tfjs').Tensor1D;
type Variable = import('@tensorflow/tfjs').Variable;

export interface TfUNet {
  /** Logits [1, out, out, classes] of an NHWC input. */
  readonly forward: (x: T4, training: boolean) => T4;
  /** Every weight and bias, as trainable variables. */
  readonly variables: readonly Variable[];
  readonly dispose: () => void;
}

const need = <A>(m: Readonly<Record<string, A>>, k: string): A => {
  const v = m[k];
  if (v === undefined) throw new Error(`tfjs U-Net: missing parameter '${k}'`);
  return v;
};

/** An NCHW unet-ts tensor as an NHWC tfjs tensor. */
export const toNhwc = (tf: Tf, t: Tensor): T4 => tf.tidy(() => tf.tensor4d(t.data, [...t.shape]).transpose<T4>([0, 2, 3, 1]));

/** An NHWC tfjs tensor's values in NCHW order. */
export const toNchw = async (tf: Tf, t: T4): Promise<Float32Array> => {
  const p = tf.transpose(t, [0, 3, 1, 2]);
  const d = (await p.data()) as Float32Array;
  p.dispose();
  return d;
};

/**
 * Builds the network on the current tfjs backend from unet-ts parameters: conv weights
 * [Cout, Cin, k, k] → [k, k, Cin, Cout]; up-conv weights [Cin, Cout, 2, 2] → [2, 2, Cout, Cin]
 * (conv2dTranspose's filter layout); biases [1, C, 1, 1] → [C].
 */
export const tfUNet = (tf: Tf, c: UNetConfig, params: Params): TfUNet => {
  const vars: Record<string, Variable> = {};
  for (const [name, p] of Object.entries(params)) {
    const isBias = name.endsWith('.bias');
    const value = tf.tidy(() => (isBias ? tf.tensor1d(p.data) : tf.tensor4d(p.data, [...p.shape]).transpose([2, 3, 1, 0])));
    vars[name] = tf.variable(value, true, name);
    value.dispose();
  }
  const w = (n: string): T4 => need(vars, `${n}.weight`) as unknown as T4;
  const b = (n: string): T1 => need(vars, `${n}.bias`) as unknown as T1;
  const pad = c.padding === 'valid' ? 'valid' : 'same';
  const conv = (x: T4, n: string, relu = true): T4 =>
    tf.fused.conv2d({ x, filter: w(n), strides: 1, pad, bias: b(n), ...(relu ? { activation: 'relu' as const } : {}) });
  const block = (x: T4, prefix: string): T4 => conv(conv(x, `${prefix}.conv1`), `${prefix}.conv2`);

  const forward = (x: T4, training: boolean): T4 => {
    const skips: T4[] = [];
    let h = x;
    for (let i = 0; i < c.depth; i++) {
      h = block(h, `down.${i}`);
      skips.push(h);
      h = tf.maxPool(h, 2, 2, 'valid') as T4;
    }
    h = block(h, 'bottom');
    if (training && c.dropout > 0) h = tf.dropout(h, c.dropout) as T4;
    for (let i = c.depth - 1; i >= 0; i--) {
      const [, hh, ww, ch] = h.shape;
      const cout = ch / 2;
      const up = tf.add(tf.conv2dTranspose(h, w(`up.${i}.upconv`), [1, 2 * hh, 2 * ww, cout], 2, 'valid'), b(`up.${i}.upconv`)) as T4;
      const skip = skips[i]!;
      const off = (skip.shape[1] - up.shape[1]) >> 1;
      const crop = tf.slice(skip, [0, off, off, 0], [1, up.shape[1], up.shape[2], skip.shape[3]]);
      h = block(tf.concat([crop, up], 3), `up.${i}`);
    }
    return conv(h, 'out', false);
  };
  return { forward, variables: Object.values(vars), dispose: () => Object.values(vars).forEach((v) => v.dispose()) };
};

/** Weighted softmax cross-entropy (paper Eq. 1): Σ w·(−log p_label) / Σ w. */
export const tfLoss = (tf: Tf, logits: T4, labels: Tensor, weights: Tensor, classes: number) => {
  const [, h, wd] = logits.shape;
  const onehot = tf.oneHot(tf.tensor3d(labels.data, [1, h, wd], 'int32'), classes);
  const wt = tf.tensor3d(weights.data, [1, h, wd]);
  const ce = tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), -1));
  return tf.div(tf.sum(tf.mul(wt, ce)), tf.sum(wt)).asScalar();
};
