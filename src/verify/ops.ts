/**
 * Self-check of every op on a runtime: the kernel forward against its float64 reference,
 * the kernel VJP against the reference VJP, and the reference VJP against central finite
 * differences along random directions — at small shapes and at paper-size shapes whose
 * tensors exceed 2^24 values (the float32-index trap). What `unet-ts check` runs, so a user
 * can verify a new GPU, driver or browser.
 *
 * Errors are normalised: max |kernel − reference| / max(max |reference|, 1e-6), so a
 * tolerance reads as "relative to the tensor's scale".
 */
import { randomNormal, type Tensor, type Shape } from '../tensor/tensor.js';
import { orThrow } from '../tensor/shape-error.js';
import { to64, type Tensor64 } from '../tensor/tensor64.js';
import { rng } from '../tensor/random.js';
import { readTensor, uploadTensor, type AnyTensor } from '../tensor/device-tensor.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Attrs, Inputs, OpName } from '../layers/op.js';
import { rules } from '../layers/rules.js';
import { directionalCheck } from '../autodiff/gradcheck.js';
import { conv2dRef, conv2dRefVjp, conv2dReluRef, conv2dReluRefVjp } from '../layers/conv2d.js';
import { reluRef, reluRefVjp } from '../layers/relu.js';
import { maxPool2Ref, maxPool2RefVjp } from '../layers/max-pool2.js';
import { upConv2Ref, upConv2RefVjp } from '../layers/up-conv2.js';
import { centerCropRef, centerCropRefVjp } from '../layers/center-crop.js';
import { concatRef, concatRefVjp } from '../layers/concat.js';
import { dropoutMask, dropoutRef, dropoutRefVjp } from '../layers/dropout.js';
import { softmaxCrossEntropyRef, softmaxCrossEntropyRefVjp } from '../layers/softmax-cross-entropy.js';
import { softDiceRef, softDiceRefVjp } from '../layers/soft-dice.js';

export interface CheckRow {
  readonly op: string;
  readonly pass: 'forward' | 'vjp' | 'fd';
  readonly shape: string;
  readonly absError: number;
  readonly relError: number;
  readonly tolerance: number;
  readonly ok: boolean;
  readonly seconds: number;
}

interface Case<K extends OpName> {
  readonly op: K;
  readonly label: string;
  readonly inputs: Inputs<K>;
  readonly attrs: Attrs<K>;
  readonly ref: (x: readonly Tensor64[]) => Tensor64;
  readonly refVjp: (x: readonly Tensor64[], dy: Tensor64) => readonly (Tensor64 | null)[];
  /** Differentiable inputs. */
  readonly wrt: readonly number[];
  readonly tolerance: number;
  /** Run the finite-difference check (small cases only: it evaluates the reference 3×). */
  readonly fd: boolean;
}
type AnyCase = { [K in OpName]: Case<K> }[OpName];

/** Seeded N(0, scale²) values: the tensor module's `randomNormal` for a shape known to be valid. */
const randn = (shape: Shape, seed: number, scale = 1): Tensor => orThrow(randomNormal(seed, 0, scale)(shape));

/** Values on a 1/64 lattice, distinct within each pooling window, so max-pool has no ties or kinks. */
const distinct = (shape: Shape, seed: number): Tensor => {
  const t = randn(shape, seed);
  return { shape, data: t.data.map((v, i) => Math.round(v * 64) / 64 + (i % 4) / 256) };
};

const normErr = (a: Float32Array, b: Float64Array): { abs: number; rel: number } => {
  let abs = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    abs = Number.isNaN(d) ? Infinity : Math.max(abs, d);
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { abs, rel: abs / Math.max(scale, 1e-6) };
};

const show = (s: Shape): string => `${s[0]}×${s[1]}×${s[2]}×${s[3]}`;

/** The cases: small shapes with FD checks, and paper-size shapes (> 2^24 values) when `large`. */
export const cases = (large: boolean): readonly AnyCase[] => {
  const labels = (s: Shape, k: number, seed: number): Tensor => ({ shape: s, data: randn(s, seed).data.map((v) => Math.abs(Math.floor(v * 7)) % k) });
  const positive = (s: Shape, seed: number): Tensor => ({ shape: s, data: randn(s, seed).data.map((v) => 0.5 + Math.abs(v)) });
  const conv = (label: string, x: Shape, co: number, k: number, pad: number, fd: boolean, seed: number): Case<'conv2d'> => ({
    op: 'conv2d', label, fd, tolerance: 1e-4,
    inputs: [randn(x, seed), randn([co, x[1], k, k], seed + 1, Math.sqrt(2 / (x[1] * k * k))), randn([1, co, 1, 1], seed + 2, 0.1)],
    attrs: { pad }, wrt: [0, 1, 2],
    ref: ([a, w, b]) => conv2dRef(a!, w!, b!, pad),
    refVjp: ([a, w, b], dy) => conv2dRefVjp(a!, w!, b!, pad, dy),
  });
  // conv + ReLU (the fused `relu` attribute); no finite differences: a step can cross ReLU's kink
  const convRelu = (label: string, x: Shape, co: number, pad: number, seed: number): Case<'conv2d'> => ({
    ...conv(label, x, co, 3, pad, false, seed),
    attrs: { pad, relu: true },
    ref: ([a, w, b]) => conv2dReluRef(a!, w!, b!, pad),
    refVjp: ([a, w, b], dy) => conv2dReluRefVjp(a!, w!, b!, pad, dy),
  });
  const up = (label: string, x: Shape, co: number, fd: boolean, seed: number): Case<'upConv2'> => ({
    op: 'upConv2', label, fd, tolerance: 1e-4,
    inputs: [randn(x, seed), randn([x[1], co, 2, 2], seed + 1, Math.sqrt(2 / x[1])), randn([1, co, 1, 1], seed + 2, 0.1)],
    attrs: {}, wrt: [0, 1, 2],
    ref: ([a, w, b]) => upConv2Ref(a!, w!, b!),
    refVjp: ([a, w, b], dy) => upConv2RefVjp(a!, w!, b!, dy),
  });
  const pool = (label: string, x: Shape, fd: boolean): Case<'maxPool2'> => ({
    op: 'maxPool2', label, fd, tolerance: 0, inputs: [distinct(x, 5)], attrs: {}, wrt: [0],
    ref: ([a]) => maxPool2Ref(a!), refVjp: ([a], dy) => [maxPool2RefVjp(a!, dy)],
  });
  const relu = (label: string, x: Shape, fd: boolean): Case<'relu'> => ({
    op: 'relu', label, fd, tolerance: 0, inputs: [distinct(x, 6)], attrs: {}, wrt: [0],
    ref: ([a]) => reluRef(a!), refVjp: ([a], dy) => [reluRefVjp(a!, dy)],
  });
  const crop = (label: string, x: Shape, h: number, fd: boolean): Case<'centerCrop'> => ({
    op: 'centerCrop', label, fd, tolerance: 0, inputs: [randn(x, 7)], attrs: { h, w: h }, wrt: [0],
    ref: ([a]) => centerCropRef(a!, { h, w: h }), refVjp: ([a], dy) => [centerCropRefVjp(a!, dy, { h, w: h })],
  });
  const cat = (label: string, a: Shape, b: Shape, fd: boolean): Case<'concat'> => ({
    op: 'concat', label, fd, tolerance: 0, inputs: [randn(a, 8), randn(b, 9)], attrs: {}, wrt: [0, 1],
    ref: ([x, y]) => concatRef(x!, y!), refVjp: ([x, y], dy) => concatRefVjp(x!, y!, dy),
  });
  const drop = (label: string, x: Shape, fd: boolean): Case<'dropout'> => {
    const attrs = { rate: 0.5, seed: 11 };
    const mask = to64(dropoutMask(x, attrs));
    return {
      op: 'dropout', label, fd, tolerance: 1e-7, inputs: [randn(x, 10)], attrs, wrt: [0],
      ref: ([a]) => dropoutRef(a!, mask), refVjp: (_, dy) => [dropoutRefVjp(mask, dy)],
    };
  };
  const loss = (label: string, x: Shape, fd: boolean): Case<'softmaxCrossEntropy'> => {
    const s: Shape = [x[0], 1, x[2], x[3]];
    return {
      op: 'softmaxCrossEntropy', label, fd, tolerance: 1e-5,
      inputs: [randn(x, 12), labels(s, x[1], 13), positive(s, 14)], attrs: {}, wrt: [0],
      ref: ([a, l, w]) => softmaxCrossEntropyRef(a!, l!, w!),
      refVjp: ([a, l, w], dy) => [softmaxCrossEntropyRefVjp(a!, l!, w!, dy), null, null],
    };
  };
  const dice = (label: string, x: Shape, fd: boolean): Case<'softDice'> => ({
    op: 'softDice', label, fd, tolerance: 1e-5,
    inputs: [randn(x, 15), labels([x[0], 1, x[2], x[3]], x[1], 16)], attrs: {}, wrt: [0],
    ref: ([a, l]) => softDiceRef(a!, l!),
    refVjp: ([a, l], dy) => [softDiceRefVjp(a!, l!, dy), null],
  });
  const small: AnyCase[] = [
    conv('3×3 valid', [1, 3, 11, 13], 4, 3, 0, true, 1),
    conv('3×3 same', [2, 2, 9, 7], 3, 3, 1, true, 2),
    conv('1×1', [1, 5, 6, 9], 2, 1, 0, true, 3),
    convRelu('3×3 valid + ReLU', [1, 3, 11, 13], 5, 0, 17),
    convRelu('3×3 same + ReLU', [2, 2, 9, 7], 3, 1, 18),
    up('2×2 stride 2', [1, 4, 5, 6], 3, true, 4),
    pool('2×2', [1, 3, 8, 10], true),
    relu('', [1, 3, 7, 9], true),
    crop('10→6', [1, 2, 10, 10], 6, true),
    cat('', [1, 2, 5, 6], [1, 3, 5, 6], true),
    drop('rate 0.5', [1, 3, 6, 6], true),
    loss('3 classes', [1, 3, 6, 7], true),
    dice('3 classes', [1, 3, 6, 7], true),
  ];
  if (!large) return small;
  // Paper-size tensors (level 1 of a 572 tile: 64×570×570 = 20.8 M values > 2^24) with few FLOPs.
  return [
    ...small,
    conv('1→64 at 572²', [1, 1, 572, 572], 64, 3, 0, false, 21),
    convRelu('1→64 + ReLU at 572²', [1, 1, 572, 572], 64, 0, 23),
    up('128→64 to 392²', [1, 128, 196, 196], 64, false, 22),
    pool('64×568²', [1, 64, 568, 568], false),
    relu('64×570²', [1, 64, 570, 570], false),
    crop('64×568² → 392²', [1, 64, 568, 568], 392, false),
    cat('2×64×392²', [1, 64, 392, 392], [1, 64, 392, 392], false),
    loss('2×388²', [1, 2, 388, 388], false),
  ];
};

/**
 * One case. On a resident runtime (webgpu) the inputs are put on the device first and the
 * results read back after, so the check runs the same device-to-device path as training.
 */
const runCase = async <K extends OpName>(rt: Runtime, c: Case<K>): Promise<CheckRow[]> => rt.scope(async () => {
  const rows: CheckRow[] = [];
  const shape = show(c.inputs[0]!.shape);
  const name = c.label ? `${c.op} ${c.label}` : c.op;
  const row = (pass: CheckRow['pass'], e: { abs: number; rel: number }, tol: number, t0: number): CheckRow => ({
    op: name, pass, shape, absError: e.abs, relError: e.rel, tolerance: tol, ok: e.rel <= tol, seconds: (performance.now() - t0) / 1000,
  });
  const rule = rules[c.op];
  const ins64 = (c.inputs as readonly Tensor[]).map(to64);
  let t0 = performance.now();
  const inputs = (await Promise.all((c.inputs as readonly Tensor[]).map((t) => uploadTensor(rt, t)))) as unknown as Inputs<K>;
  const { out, saved } = await rule.forward(rt, inputs, c.attrs);
  const outHost = await readTensor(rt, out);
  const ref = c.ref(ins64);
  rows.push(row('forward', normErr(outHost.data, ref.data), c.tolerance, t0));
  t0 = performance.now();
  const dy = randn(out.shape, 99);
  const grads = await rule.vjp(rt, await uploadTensor(rt, dy), inputs, out, c.attrs, saved);
  const refGrads = c.refVjp(ins64, to64(dy));
  let worst = { abs: 0, rel: 0 };
  for (const i of c.wrt) {
    const g = (grads as readonly (AnyTensor | null)[])[i];
    const rg = refGrads[i];
    const e = g && rg ? normErr((await readTensor(rt, g)).data, rg.data) : { abs: Infinity, rel: Infinity };
    worst = { abs: Math.max(worst.abs, e.abs), rel: Math.max(worst.rel, e.rel) };
  }
  rows.push(row('vjp', worst, c.tolerance, t0));
  if (c.fd) {
    t0 = performance.now();
    const d = directionalCheck(c.ref, c.refVjp, ins64, c.wrt, rng(123));
    rows.push(row('fd', { abs: Math.abs(d.fd - d.vjp), rel: d.rel }, 1e-6, t0));
  }
  return rows;
});

/** Runs every case; `onRow` sees each result as it is produced. */
export const checkOps = async (rt: Runtime, opts: { large: boolean; onRow?: (r: CheckRow) => void }): Promise<readonly CheckRow[]> => {
  const all: CheckRow[] = [];
  for (const c of cases(opts.large)) {
    for (const r of await runCase(rt, c as Case<OpName>)) {
      all.push(r);
      opts.onRow?.(r);
    }
  }
  return all;
};
