/**
 * The contract every op implements (micrograd style: an op's backward sits next to its
 * forward, in one file under src/layers, with its math, shape rule and float64 reference).
 * Ops take host or device tensors (`AnyTensor`) and return device tensors on a resident
 * runtime (webgpu), host tensors elsewhere; their GPU.js kernels live apart, in src/kernels,
 * which also decides where each value lives. Their signatures are listed in `OpSignatures`,
 * and the VJP table in ./rules.ts must hold a rule for each — a missing rule is a compile
 * error (JAX style). The tape (src/autodiff) consumes this contract; nothing here imports it.
 */
import type { AnyTensor } from '../tensor/device-tensor.js';
import type { Runtime } from '../runtime/runtime.js';

/** Inputs, attributes and saved-for-backward data of each op. */
export interface OpSignatures {
  /**
   * k×k convolution (stride 1, zero padding `pad`); x, w [Cout, Cin, k, k], b [1, Cout, 1, 1];
   * `relu`: followed by a ReLU in the same kernel (the paper's "conv + ReLU" block).
   */
  conv2d: { inputs: readonly [x: AnyTensor, w: AnyTensor, b: AnyTensor]; attrs: { readonly pad: number; readonly relu?: boolean }; saved: null };
  relu: { inputs: readonly [x: AnyTensor]; attrs: Record<string, never>; saved: null };
  maxPool2: { inputs: readonly [x: AnyTensor]; attrs: Record<string, never>; saved: null };
  /** 2×2 stride-2 transposed conv; w [Cin, Cout, 2, 2], b [1, Cout, 1, 1]. */
  upConv2: { inputs: readonly [x: AnyTensor, w: AnyTensor, b: AnyTensor]; attrs: Record<string, never>; saved: null };
  centerCrop: { inputs: readonly [x: AnyTensor]; attrs: { readonly h: number; readonly w: number }; saved: null };
  concat: { inputs: readonly [a: AnyTensor, b: AnyTensor]; attrs: Record<string, never>; saved: null };
  /** Inverted dropout with a seeded mask; identity when rate = 0. */
  dropout: { inputs: readonly [x: AnyTensor]; attrs: { readonly rate: number; readonly seed: number }; saved: { readonly mask: AnyTensor } };
  /** Weighted pixel-wise softmax cross-entropy (paper Eq. 1): a scalar [1, 1, 1, 1]. */
  softmaxCrossEntropy: {
    inputs: readonly [logits: AnyTensor, labels: AnyTensor, weights: AnyTensor];
    attrs: Record<string, never>;
    saved: { readonly probs: AnyTensor };
  };
  /**
   * Soft Dice loss over the foreground classes (V-Net, Milletari et al. 2016; optional, not in
   * the U-Net paper): 1 − mean_{k≥1} D_k, a scalar [1, 1, 1, 1]; see src/layers/soft-dice.ts.
   */
  softDice: {
    inputs: readonly [logits: AnyTensor, labels: AnyTensor];
    attrs: Record<string, never>;
    saved: { readonly probs: AnyTensor };
  };
  /** Element-wise sum (gradient accumulation where a value feeds two ops). */
  add: { inputs: readonly [a: AnyTensor, b: AnyTensor]; attrs: Record<string, never>; saved: null };
}

export type OpName = keyof OpSignatures;
export type Inputs<K extends OpName> = OpSignatures[K]['inputs'];
export type Attrs<K extends OpName> = OpSignatures[K]['attrs'];
export type Saved<K extends OpName> = OpSignatures[K]['saved'];

/** One gradient per input; null for inputs that are not differentiable (labels, weights). */
type GradsOf<T extends readonly unknown[]> = { readonly [I in keyof T]: AnyTensor | null };
export type Grads<K extends OpName> = GradsOf<Inputs<K>>;

export interface Forward<K extends OpName> {
  readonly out: AnyTensor;
  readonly saved: Saved<K>;
}

export interface OpRule<K extends OpName> {
  /** Runs the op's kernels; fails with the op's ShapeError message on bad shapes. */
  readonly forward: (rt: Runtime, inputs: Inputs<K>, attrs: Attrs<K>) => Promise<Forward<K>>;
  /**
   * Vector-Jacobian product: the cotangent of each input given the output's cotangent `dy`.
   * `needed[j]` false (the tape knows input j leads to no wanted gradient: the input image, a
   * frozen parameter) lets a rule skip that cotangent and return null for it; rules may ignore it.
   */
  readonly vjp: (rt: Runtime, dy: AnyTensor, inputs: Inputs<K>, out: AnyTensor, attrs: Attrs<K>, saved: Saved<K>, needed?: readonly boolean[]) => Promise<Grads<K>>;
}
