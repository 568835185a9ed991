/**
 * Pure shape rules for every U-Net op (paper Fig. 1). Each takes input shapes and returns
 * `Either<ShapeError, Shape>`: the output shape, or an error that names the op, the
 * shapes it got and what it expected. Ops call these before touching data, so a bad
 * shape never reaches a kernel.
 *
 * Conventions (PyTorch state_dict compatible): conv weight [Cout, Cin, k, k];
 * up-conv (transposed conv) weight [Cin, Cout, 2, 2]; biases [1, C, 1, 1].
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from './tensor.js';
import { shapeError, showShape, type ShapeError } from './shape-error.js';

type R = E.Either<ShapeError, Shape>;
const fail = (op: string, detail: string): R => E.left(shapeError(op, detail));
const s = showShape;

const checkBias = (op: string, b: Shape, c: number): E.Either<ShapeError, void> =>
  b[0] === 1 && b[1] === c && b[2] === 1 && b[3] === 1
    ? E.right(undefined)
    : E.left(shapeError(op, `bias ${s(b)}, expected [1, ${c}, 1, 1]`));

/**
 * k×k convolution, stride 1, zero padding `pad` per side (pad 0 = the paper's "valid"
 * convolution, Sec. 2: the output loses k−1 pixels per axis).
 * x [N, Cin, H, W], w [Cout, Cin, k, k], b [1, Cout, 1, 1] → [N, Cout, H+2p−k+1, W+2p−k+1].
 */
export const conv2dShape = (x: Shape, w: Shape, b: Shape, pad = 0): R => {
  const op = 'conv2d';
  const [n, ci, h, wd] = x;
  const [co, wci, kh, kw] = w;
  if (kh !== kw || kh < 1) return fail(op, `weight ${s(w)}, expected a square kernel [Cout, Cin, k, k] with k ≥ 1`);
  if (wci !== ci) return fail(op, `input ${s(x)} has ${ci} channels but weight ${s(w)} expects ${wci}`);
  if (!Number.isInteger(pad) || pad < 0) return fail(op, `padding ${pad}, expected a non-negative integer`);
  const ho = h + 2 * pad - kh + 1;
  const wo = wd + 2 * pad - kw + 1;
  if (ho < 1 || wo < 1) return fail(op, `input ${s(x)} is smaller than the ${kh}×${kw} kernel with padding ${pad}; expected H, W ≥ ${kh - 2 * pad}`);
  return E.map((): Shape => [n, co, ho, wo])(checkBias(op, b, co));
};

/** 2×2 max-pool, stride 2 (Sec. 2). Needs even H and W so no pixel is dropped. */
export const maxPool2Shape = (x: Shape): R => {
  const [n, c, h, w] = x;
  if (h % 2 !== 0 || w % 2 !== 0 || h < 2 || w < 2) {
    return fail('maxPool2', `input ${s(x)} has H×W = ${h}×${w}; expected even H and W ≥ 2 (choose a valid tile size)`);
  }
  return E.right([n, c, h / 2, w / 2]);
};

/**
 * 2×2 up-convolution, stride 2 (Sec. 2: "a 2×2 convolution that halves the number of
 * feature channels"): x [N, Cin, H, W], w [Cin, Cout, 2, 2], b [1, Cout, 1, 1] → [N, Cout, 2H, 2W].
 */
export const upConv2Shape = (x: Shape, w: Shape, b: Shape): R => {
  const op = 'upConv2';
  const [n, ci, h, wd] = x;
  if (w[0] !== ci || w[2] !== 2 || w[3] !== 2) return fail(op, `input ${s(x)} with weight ${s(w)}; expected weight [${ci}, Cout, 2, 2]`);
  return E.map((): Shape => [n, w[1], 2 * h, 2 * wd])(checkBias(op, b, w[1]));
};

/**
 * Center crop to h×w (Sec. 2: "cropping is necessary due to the loss of border pixels in
 * every convolution"). The margin H−h (and W−w) must be even so the crop is centred exactly.
 */
export const centerCropShape = (x: Shape, h: number, w: number): R => {
  const [n, c, H, W] = x;
  if (h < 1 || w < 1 || h > H || w > W) return fail('centerCrop', `input ${s(x)} cannot be cropped to ${h}×${w}; expected 1 ≤ h ≤ ${H}, 1 ≤ w ≤ ${W}`);
  if ((H - h) % 2 !== 0 || (W - w) % 2 !== 0) {
    return fail('centerCrop', `input ${s(x)} to ${h}×${w} leaves an odd margin (${H - h}, ${W - w}); expected even margins`);
  }
  return E.right([n, c, h, w]);
};

/** Channel concatenation (Sec. 2, "concatenation with the correspondingly cropped feature map"). */
export const concatShape = (a: Shape, b: Shape): R =>
  a[0] === b[0] && a[2] === b[2] && a[3] === b[3]
    ? E.right([a[0], a[1] + b[1], a[2], a[3]])
    : fail('concat', `inputs ${s(a)} and ${s(b)} differ in N, H or W; expected equal N, H, W`);

/** 1×1 convolution (Sec. 2, the final layer mapping 64 features to the classes). Errors name conv1x1. */
export const conv1x1Shape = (x: Shape, w: Shape, b: Shape): R =>
  w[2] === 1 && w[3] === 1
    ? E.mapLeft((e: ShapeError) => shapeError('conv1x1', e.message.slice(e.op.length + 2)))(conv2dShape(x, w, b, 0))
    : fail('conv1x1', `weight ${s(w)}, expected [Cout, Cin, 1, 1]`);

/** Element-wise ops (ReLU, dropout): same shape; `other` must match when given. */
export const sameShapeRule = (op: string, a: Shape, other?: Shape): R =>
  other === undefined || (a[0] === other[0] && a[1] === other[1] && a[2] === other[2] && a[3] === other[3])
    ? E.right(a)
    : fail(op, `inputs ${s(a)} and ${s(other)} differ; expected equal shapes`);

/**
 * Pixel-wise softmax cross-entropy (Sec. 3, Eq. 1): logits [N, K, H, W], labels and
 * weights [N, 1, H, W] → a scalar [1, 1, 1, 1].
 */
export const softmaxCrossEntropyShape = (logits: Shape, labels: Shape, weights: Shape): R => {
  const [n, k, h, w] = logits;
  const want = s([n, 1, h, w]);
  if (k < 2) return fail('softmaxCrossEntropy', `logits ${s(logits)} have ${k} classes; expected at least 2`);
  if (labels[0] !== n || labels[1] !== 1 || labels[2] !== h || labels[3] !== w) {
    return fail('softmaxCrossEntropy', `labels ${s(labels)} do not match logits ${s(logits)}; expected ${want}`);
  }
  if (weights[0] !== n || weights[1] !== 1 || weights[2] !== h || weights[3] !== w) {
    return fail('softmaxCrossEntropy', `weights ${s(weights)} do not match logits ${s(logits)}; expected ${want}`);
  }
  return E.right([1, 1, 1, 1]);
};
