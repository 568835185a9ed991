import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  softmaxCrossEntropy as softmaxCrossEntropyRule,
  softmaxCrossEntropyRef,
  softmaxCrossEntropyRefVjp,
  softmaxRef,
} from '../../src/layers/softmax-cross-entropy.js';
import { pixelLossSumOnDevice } from '../../src/kernels/softmax-cross-entropy.js';
import { uploadTensor } from '../../src/tensor/device-tensor.js';
import { maxErrors, type Tensor64 } from '../../src/tensor/tensor64.js';
import { directionalCheck } from '../../src/autodiff/gradcheck.js';
import { rng } from '../../src/tensor/random.js';
import type { Shape, Tensor } from '../../src/tensor/tensor.js';
import { OpShapeError } from '../../src/tensor/shape-error.js';
import { disposeRuntimes, runtimeFor, testBackends } from '../helpers/backends.js';
import { onDevice } from '../helpers/device.js';
import { as64, randomTensor } from '../helpers/random.js';
import { normRel, rel, scalar } from '../helpers/compare.js';

afterAll(disposeRuntimes);

// The op through the device path: inputs on the device on a resident runtime (webgpu), results read back.
const softmaxCrossEntropy = onDevice(softmaxCrossEntropyRule);

/** [N, K, H, W] with K ≥ 2 classes. */
const shapeArb = fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }));

interface Case {
  readonly logits: Tensor;
  readonly labels: Tensor;
  readonly weights: Tensor;
}

/** Logits N(0, scale²), labels uniform in [0, K), weights uniform in [0.5, 10) (like Eq. 2 maps). */
const makeCase = ([n, k, h, w]: Shape, seed: number, scale = 2): Case => {
  const r = rng(seed ^ 0x5bd1e995);
  const px: Shape = [n, 1, h, w];
  const labels = Float32Array.from({ length: n * h * w }, () => r.int(k));
  const weights = Float32Array.from({ length: n * h * w }, () => 0.5 + 9.5 * r.uniform());
  return { logits: randomTensor([n, k, h, w], seed, scale), labels: { shape: px, data: labels }, weights: { shape: px, data: weights } };
};
const as64s = (c: Case): [Tensor64, Tensor64, Tensor64] => [as64(c.logits), as64(c.labels), as64(c.weights)];

/** The definition with no max-subtraction: −Σ w (a_ℓ − log Σ_k exp a_k) / Σ w. */
const directFormula = (c: Case): number => {
  const [n, k, h, w] = c.logits.shape;
  let num = 0;
  let den = 0;
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < h * w; q++) {
      let z = 0;
      for (let j = 0; j < k; j++) z += Math.exp(c.logits.data[(b * k + j) * h * w + q]!);
      const label = c.labels.data[b * h * w + q]!;
      const wt = c.weights.data[b * h * w + q]!;
      num -= wt * (c.logits.data[(b * k + label) * h * w + q]! - Math.log(z));
      den += wt;
    }
  }
  return num / den;
};

// Tolerances. Loss: relative 1e-5. The kernel evaluates exp and log in float32 (relative error
// a few 2^-24 each) and writes −log p_ℓ = log s + (m − a_ℓ), a sum of two non-negative terms, so
// there is no cancellation; on cpu/webasm the sum over pixels and Σw are float64 on the host.
// 1e-5 leaves ~100× margin over float32 rounding of K-term sums. On webgpu (resident) the sum
// over pixels is a float32 two-stage device reduction (src/kernels/reduce.ts channelSums: sequential
// runs of ~4096 non-negative terms, then the partials): its relative error grows like
// 2^-24·√(terms/3) ≈ 1e-6 at the 388² tile (measured ≤ 4e-7), so the same 1e-5 holds there. Probabilities: absolute 1e-6 (values in
// [0, 1], float32 exp/divide). Gradient: max error ≤ 1e-5 · max |gradient| (float32 p − 1 has
// absolute error ~2^-24, relative to the largest entry w·|p − onehot|/Σw).
describe.each(testBackends)('softmaxCrossEntropy on %s', (backend) => {
  // The resident runtime's reduction (per-pixel kernel + two-stage float32 sum on the device),
  // run on every backend. Tolerance: relative 1e-5 (float32 terms, sums of ≤ 4096 positive terms).
  it('the on-device loss sum Σ w·(−log p_ℓ) equals the float64 reference', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.integer(), async (s, seed) => {
        const c = makeCase(s, seed);
        const [l, y, w] = await Promise.all([c.logits, c.labels, c.weights].map((t) => uploadTensor(rt, t)));
        const sum = await pixelLossSumOnDevice(rt, l!, y!, w!);
        const [l64, y64, w64] = as64s(c);
        const den = w64.data.reduce((a, b) => a + b, 0);
        const ref = softmaxCrossEntropyRef(l64, y64, w64).data[0]! * den;
        expect(Math.abs(sum - ref) / Math.abs(ref)).toBeLessThan(1e-5);
      }),
      { numRuns: 10 },
    );
    // And at the paper's output tile (150 k pixels: the longest device sum in training).
    const c = makeCase([1, 2, 388, 388], 5);
    const [l, y, w] = await Promise.all([c.logits, c.labels, c.weights].map((t) => uploadTensor(rt, t)));
    const [l64, y64, w64] = as64s(c);
    const ref = softmaxCrossEntropyRef(l64, y64, w64).data[0]! * w64.data.reduce((a, b) => a + b, 0);
    expect(Math.abs((await pixelLossSumOnDevice(rt, l!, y!, w!)) - ref) / ref).toBeLessThan(1e-5);
  });

  it('loss, probs and VJP match the float64 reference', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.integer(), async (s, seed) => {
        const c = makeCase(s, seed);
        const before = [c.logits.data.slice(), c.labels.data.slice(), c.weights.data.slice()];
        const inputs = [c.logits, c.labels, c.weights] as const;
        const { out, saved } = await softmaxCrossEntropy.forward(rt, inputs, {});
        expect(out.shape).toEqual([1, 1, 1, 1]);
        const [l64, y64, w64] = as64s(c);
        expect(rel(out.data[0]!, softmaxCrossEntropyRef(l64, y64, w64).data[0]!)).toBeLessThan(1e-5);
        expect(saved.probs.shape).toEqual(c.logits.shape);
        expect(maxErrors(saved.probs.data, softmaxRef(l64).data).abs).toBeLessThan(1e-6);
        const dy = scalar(0.75);
        const [dl, dlab, dw] = await softmaxCrossEntropy.vjp(rt, dy, inputs, out, {}, saved);
        expect(dlab).toBeNull();
        expect(dw).toBeNull();
        expect(dl!.shape).toEqual(c.logits.shape);
        expect(normRel(dl!.data, softmaxCrossEntropyRefVjp(l64, y64, w64, as64(dy)).data)).toBeLessThan(1e-5);
        expect([c.logits.data, c.labels.data, c.weights.data]).toEqual(before);
      }),
      { numRuns: 15 },
    );
  });

  it('matches a hand-computed case (2 classes, 2 pixels)', async () => {
    const rt = await runtimeFor(backend);
    // Pixel 0: a = (0, 0), label 0, w = 1 → p = (1/2, 1/2), −log p_0 = ln 2.
    // Pixel 1: a = (0, ln 3), label 1, w = 3 → p = (1/4, 3/4), −log p_1 = ln(4/3).
    // loss = (1·ln 2 + 3·ln(4/3)) / 4;  dlogits = w (p − onehot) / 4.
    const logits: Tensor = { shape: [1, 2, 1, 2], data: Float32Array.from([0, 0, 0, Math.log(3)]) };
    const labels: Tensor = { shape: [1, 1, 1, 2], data: Float32Array.from([0, 1]) };
    const weights: Tensor = { shape: [1, 1, 1, 2], data: Float32Array.from([1, 3]) };
    const { out, saved } = await softmaxCrossEntropy.forward(rt, [logits, labels, weights], {});
    expect(rel(out.data[0]!, (Math.LN2 + 3 * Math.log(4 / 3)) / 4)).toBeLessThan(1e-6);
    const [dl] = await softmaxCrossEntropy.vjp(rt, scalar(1), [logits, labels, weights], out, {}, saved);
    // Layout [class 0: p0, p1, class 1: p0, p1].
    const want = [(1 * (0.5 - 1)) / 4, (3 * 0.25) / 4, (1 * 0.5) / 4, (3 * (0.75 - 1)) / 4];
    expect(maxErrors(dl!.data, want).abs).toBeLessThan(1e-7);
  });

  it('is invariant to the scale of the weight map', async () => {
    const rt = await runtimeFor(backend);
    const c = makeCase([2, 3, 6, 5], 77);
    const scaled = { shape: c.weights.shape, data: c.weights.data.map((v) => v * 3.7) };
    const a = await softmaxCrossEntropy.forward(rt, [c.logits, c.labels, c.weights], {});
    const b = await softmaxCrossEntropy.forward(rt, [c.logits, c.labels, scaled], {});
    expect(rel(b.out.data[0]!, a.out.data[0]!)).toBeLessThan(1e-6);
    const [ga] = await softmaxCrossEntropy.vjp(rt, scalar(1), [c.logits, c.labels, c.weights], a.out, {}, a.saved);
    const [gb] = await softmaxCrossEntropy.vjp(rt, scalar(1), [c.logits, c.labels, scaled], b.out, {}, b.saved);
    expect(normRel(gb!.data, ga!.data)).toBeLessThan(1e-6);
  });

  it('is stable for large logits (max subtraction)', async () => {
    const rt = await runtimeFor(backend);
    const c = makeCase([1, 3, 4, 4], 5, 300); // |a| up to ~1000: exp(a) overflows without it
    const { out, saved } = await softmaxCrossEntropy.forward(rt, [c.logits, c.labels, c.weights], {});
    const ref = softmaxCrossEntropyRef(...as64s(c)).data[0]!;
    expect(Number.isFinite(out.data[0]!)).toBe(true);
    expect(rel(out.data[0]!, ref)).toBeLessThan(1e-5);
    expect(saved.probs.data.every((p) => p >= 0 && p <= 1)).toBe(true);
  });

  it('matches the reference at the paper output tile (2 classes, 388×388)', async () => {
    const rt = await runtimeFor(backend);
    const c = makeCase([1, 2, 388, 388], 99);
    const inputs = [c.logits, c.labels, c.weights] as const;
    const { out, saved } = await softmaxCrossEntropy.forward(rt, inputs, {});
    const [l64, y64, w64] = as64s(c);
    expect(rel(out.data[0]!, softmaxCrossEntropyRef(l64, y64, w64).data[0]!)).toBeLessThan(1e-5);
    const [dl] = await softmaxCrossEntropy.vjp(rt, scalar(1), inputs, out, {}, saved);
    expect(normRel(dl!.data, softmaxCrossEntropyRefVjp(l64, y64, w64, as64(scalar(1))).data)).toBeLessThan(1e-5);
    expect(rt.fallbacks().size).toBe(0);
  });

  it('rejects labels outside [0, K), naming the value, and bad shapes or weights', async () => {
    const rt = await runtimeFor(backend);
    const c = makeCase([1, 3, 2, 2], 1);
    const bad = (v: number): Tensor => ({ shape: c.labels.shape, data: Float32Array.from([0, 1, v, 2]) });
    await expect(softmaxCrossEntropy.forward(rt, [c.logits, bad(3), c.weights], {})).rejects.toThrow(/label 3 at \[0, 0, 1, 0\].*\[0, 3\)/);
    await expect(softmaxCrossEntropy.forward(rt, [c.logits, bad(-1), c.weights], {})).rejects.toThrow(/label -1 /);
    await expect(softmaxCrossEntropy.forward(rt, [c.logits, bad(1.5), c.weights], {})).rejects.toThrow(/label 1.5 /);
    await expect(softmaxCrossEntropy.forward(rt, [c.logits, bad(Number.NaN), c.weights], {})).rejects.toThrow(/label NaN /);
    const shortLabels: Tensor = { shape: [1, 1, 2, 1], data: Float32Array.from([0, 1]) };
    await expect(softmaxCrossEntropy.forward(rt, [c.logits, shortLabels, c.weights], {})).rejects.toThrow(OpShapeError);
    const zeroW: Tensor = { shape: c.weights.shape, data: new Float32Array(4) };
    await expect(softmaxCrossEntropy.forward(rt, [c.logits, c.labels, zeroW], {})).rejects.toThrow(/weights sum to 0/);
  });
});

describe('softmaxCrossEntropy reference', () => {
  it('equals the direct float64 formula', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), (s, seed) => {
        const c = makeCase(s, seed);
        expect(rel(softmaxCrossEntropyRef(...as64s(c)).data[0]!, directFormula(c))).toBeLessThan(1e-12);
      }),
      { numRuns: 30 },
    );
  });

  it('VJP matches finite differences along random directions', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), (s, seed) => {
        const inputs = as64s(makeCase(s, seed));
        const c = directionalCheck(
          (i) => softmaxCrossEntropyRef(i[0]!, i[1]!, i[2]!),
          (i, u) => [softmaxCrossEntropyRefVjp(i[0]!, i[1]!, i[2]!, u), null, null],
          inputs,
          [0],
          rng(seed),
        );
        expect(c.rel).toBeLessThan(1e-6);
      }),
      { numRuns: 20 },
    );
  });
});
