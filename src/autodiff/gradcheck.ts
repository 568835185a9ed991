/**
 * Gradient checks along random directions (JAX's `check_grads` idea). For f: R^n → R^m with
 * reference VJP, pick random v (input direction) and u (output cotangent) and compare
 *   ⟨J·v, u⟩  with  ⟨v, Jᵀ·u⟩,
 * where J·v is the central finite difference (f(x + εv) − f(x − εv)) / 2ε of the float64
 * reference, and Jᵀ·u is the VJP under test. Error O(ε²) for smooth f; ReLU / max kinks
 * are avoided by the caller's choice of inputs.
 */
import type { Tensor64 } from '../tensor/tensor64.js';
import type { Rng } from '../tensor/random.js';

export interface DirectionalCheck {
  /** ⟨J·v, u⟩ by finite differences. */
  readonly fd: number;
  /** ⟨v, Jᵀ·u⟩ from the VJP. */
  readonly vjp: number;
  /** |fd − vjp| / max(|fd|, |vjp|, 1e-12). */
  readonly rel: number;
}

const randomLike = (t: Tensor64, r: Rng): Tensor64 => ({ shape: t.shape, data: t.data.map(() => r.normal()) });
const dot = (a: Float64Array, b: Float64Array): number => a.reduce((s, v, i) => s + v * b[i]!, 0);

/**
 * Checks `vjp` against finite differences of `f` at `inputs`, perturbing only the inputs
 * whose index is in `wrt` (labels and weights of the loss are not differentiable).
 */
export const directionalCheck = (
  f: (inputs: readonly Tensor64[]) => Tensor64,
  vjp: (inputs: readonly Tensor64[], u: Tensor64) => readonly (Tensor64 | null)[],
  inputs: readonly Tensor64[],
  wrt: readonly number[],
  r: Rng,
  eps = 1e-5,
): DirectionalCheck => {
  const vs = inputs.map((t, i) => (wrt.includes(i) ? randomLike(t, r) : { shape: t.shape, data: new Float64Array(t.data.length) }));
  const shifted = (sign: number): Tensor64[] =>
    inputs.map((t, i) => ({ shape: t.shape, data: t.data.map((x, j) => x + sign * eps * vs[i]!.data[j]!) }));
  const y = f(inputs);
  const u = randomLike(y, r);
  const plus = f(shifted(1));
  const minus = f(shifted(-1));
  const jv = plus.data.map((p, j) => (p - minus.data[j]!) / (2 * eps));
  const fd = dot(jv, u.data);
  const grads = vjp(inputs, u);
  let back = 0;
  for (const i of wrt) {
    const g = grads[i];
    if (!g) throw new Error(`directionalCheck: no gradient for input ${i}`);
    back += dot(g.data, vs[i]!.data);
  }
  return { fd, vjp: back, rel: Math.abs(fd - back) / Math.max(Math.abs(fd), Math.abs(back), 1e-12) };
};
