import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DICE_EPS, diceOf, softDice as softDiceRule, softDiceRef, softDiceRefVjp } from '../../src/layers/soft-dice.js';
import { classSumsOnDevice, classSumsOnHost } from '../../src/kernels/soft-dice.js';
import { uploadTensor } from '../../src/tensor/device-tensor.js';
import { softmaxCrossEntropyRef, softmaxRef } from '../../src/layers/softmax-cross-entropy.js';
import { maxErrors, to64, type Tensor64 } from '../../src/tensor/tensor64.js';
import { directionalCheck } from '../../src/autodiff/gradcheck.js';
import { rng } from '../../src/tensor/random.js';
import type { Shape, Tensor } from '../../src/tensor/tensor.js';
import { OpShapeError } from '../../src/tensor/shape-error.js';
import { lossAndGrads } from '../../src/train/step.js';
import type { UNetConfig } from '../../src/unet/config.js';
import { initParams } from '../../src/unet/params.js';
import { unetRef, type Params64 } from '../../src/unet/reference.js';
import { disposeRuntimes, runtimeFor, testBackends } from '../helpers/backends.js';
import { onDevice } from '../helpers/device.js';
import { as64, randomTensor } from '../helpers/random.js';
import { normRel, rel, scalar } from '../helpers/compare.js';

afterAll(disposeRuntimes);

// The op through the device path: inputs on the device on a resident runtime (webgpu), results read back.
const softDice = onDevice(softDiceRule);

/** [N, K, H, W] with K ≥ 2 classes. */
const shapeArb = fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }));

interface Case {
  readonly logits: Tensor;
  readonly labels: Tensor;
}

/** Logits N(0, scale²), labels uniform in [0, K). */
const makeCase = ([n, k, h, w]: Shape, seed: number, scale = 2): Case => {
  const r = rng(seed ^ 0x2545f491);
  const labels = Float32Array.from({ length: n * h * w }, () => r.int(k));
  return { logits: randomTensor([n, k, h, w], seed, scale), labels: { shape: [n, 1, h, w], data: labels } };
};

/** The definition, written out with no shared helpers: 1 − mean_{k≥1} (2 Σ p y + ε) / (Σ p + Σ y + ε). */
const directFormula = (c: Case): number => {
  const [n, k, h, w] = c.logits.shape;
  const p = softmaxRef(as64(c.logits)).data;
  let sum = 0;
  for (let cls = 1; cls < k; cls++) {
    let inter = 0;
    let sp = 0;
    let sy = 0;
    for (let b = 0; b < n; b++) {
      for (let q = 0; q < h * w; q++) {
        const y = c.labels.data[b * h * w + q] === cls ? 1 : 0;
        const pk = p[(b * k + cls) * h * w + q]!;
        inter += pk * y;
        sp += pk;
        sy += y;
      }
    }
    sum += (2 * inter + DICE_EPS) / (sp + sy + DICE_EPS);
  }
  return 1 - sum / (k - 1);
};

// Tolerances. Loss: relative 1e-5. The kernel computes the probabilities in float32 (exp and
// divide: relative error a few 2^-24 ≈ 1e-7 each); on cpu/webasm the sums I_k, Σp_k, Σy_k and
// the ratio D_k are float64 on the host, so D_k carries that ~1e-7 relative error and nothing
// accumulates in float32; 1e-5 leaves a ~100× margin (the random cases keep the loss well away
// from 0, where 1 − mean D would cancel). On webgpu (resident) I_k and Σp_k are float32
// two-stage device sums (src/kernels/reduce.ts channelSums over non-negative terms, runs of ~4096:
// relative error ~2^-24·√(terms/3) ≈ 1e-6 at the 388² tile, measured ≤ 3e-7 on the loss; Σy_k
// are integer counts, exact), so the same 1e-5 holds there. Probabilities: absolute 1e-6. Gradient: max error ≤ 1e-5 · max
// |gradient|: the per-class coefficients α_k, D_k are rounded to float32 (2^-24 relative) and
// the kernel forms p_j Σ_k p_k (g_j − g_k), whose differences are exact to ~2^-24 · max |g|.
describe.each(testBackends)('softDice on %s', (backend) => {
  // The resident runtime's per-class sums (terms kernel + two-stage float32 sum on the device),
  // run on every backend against the float64 host sums. Tolerance: relative 1e-5 on S_k and D_k.
  it('the on-device per-class sums equal the float64 host sums', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.integer(), async (s, seed) => {
        const c = makeCase(s, seed);
        const probs: Tensor = { shape: c.logits.shape, data: Float32Array.from(softmaxRef(as64(c.logits)).data) };
        const dev = diceOf(await classSumsOnDevice(rt, await uploadTensor(rt, probs), await uploadTensor(rt, c.labels)), s[1]);
        const ref = diceOf(classSumsOnHost(probs.data, c.labels.data, probs.shape), s[1]);
        for (let k = 1; k < s[1]; k++) {
          expect(Math.abs(dev.s[k]! - ref.s[k]!) / ref.s[k]!).toBeLessThan(1e-5);
          expect(Math.abs(dev.d[k]! - ref.d[k]!) / ref.d[k]!).toBeLessThan(1e-5);
        }
      }),
      { numRuns: 10 },
    );
  });

  it('loss, probs and VJP match the float64 reference; inputs are not mutated', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.integer(), async (s, seed) => {
        const c = makeCase(s, seed);
        const before = [c.logits.data.slice(), c.labels.data.slice()];
        const inputs = [c.logits, c.labels] as const;
        const { out, saved } = await softDice.forward(rt, inputs, {});
        expect(out.shape).toEqual([1, 1, 1, 1]);
        const [l64, y64] = [as64(c.logits), as64(c.labels)];
        expect(rel(out.data[0]!, softDiceRef(l64, y64).data[0]!)).toBeLessThan(1e-5);
        expect(saved.probs.shape).toEqual(c.logits.shape);
        expect(maxErrors(saved.probs.data, softmaxRef(l64).data).abs).toBeLessThan(1e-6);
        const dy = scalar(0.75);
        const [dl, dlab] = await softDice.vjp(rt, dy, inputs, out, {}, saved);
        expect(dlab).toBeNull();
        expect(dl!.shape).toEqual(c.logits.shape);
        expect(normRel(dl!.data, softDiceRefVjp(l64, y64, as64(dy)).data)).toBeLessThan(1e-5);
        expect([c.logits.data, c.labels.data]).toEqual(before);
      }),
      { numRuns: 15 },
    );
    expect(rt.fallbacks().size).toBe(0);
  });

  it('matches a hand-computed case (2 classes, 2 pixels)', async () => {
    const rt = await runtimeFor(backend);
    // One foreground class (k = 1), ε = 1.
    // Pixel 0: a = (0, 0),    label 0 → p_1 = 1/2, y_1 = 0.
    // Pixel 1: a = (0, ln 3), label 1 → p_1 = 3/4, y_1 = 1.
    // I = 3/4, Σp_1 = 5/4, Σy_1 = 1, S = 5/4 + 1 + 1 = 13/4, D = (2·3/4 + 1) / (13/4) = 10/13,
    // loss = 1 − 10/13 = 3/13.
    // g_1(x) = (D − 2 y_1(x)) / S: pixel 0: (10/13)(4/13) = 40/169; pixel 1: (10/13 − 2)(4/13) = −64/169.
    // K = 2: dL/da_1 = p_0 p_1 g_1 = −dL/da_0:  pixel 0: (1/4)(40/169) = 10/169;
    //                                           pixel 1: (3/16)(−64/169) = −12/169.
    const logits: Tensor = { shape: [1, 2, 1, 2], data: Float32Array.from([0, 0, 0, Math.log(3)]) };
    const labels: Tensor = { shape: [1, 1, 1, 2], data: Float32Array.from([0, 1]) };
    const { out, saved } = await softDice.forward(rt, [logits, labels], {});
    expect(rel(out.data[0]!, 3 / 13)).toBeLessThan(1e-6);
    const [dl] = await softDice.vjp(rt, scalar(1), [logits, labels], out, {}, saved);
    // Layout [class 0: px 0, px 1, class 1: px 0, px 1].
    const want = [-10 / 169, 12 / 169, 10 / 169, -12 / 169];
    expect(maxErrors(dl!.data, want).abs).toBeLessThan(1e-7);
  });

  it('is ≈ 0, with ≈ 0 gradient, for a perfect prediction', async () => {
    const rt = await runtimeFor(backend);
    const [n, k, h, w]: Shape = [2, 3, 5, 4];
    const r = rng(3);
    const labels = Float32Array.from({ length: n * h * w }, () => r.int(k));
    // Logit +30 on the true class, −30 elsewhere: p_true = 1 − O(e^-60) (1 in float32).
    const logits = new Float32Array(n * k * h * w);
    for (let b = 0; b < n; b++) {
      for (let c = 0; c < k; c++) {
        for (let q = 0; q < h * w; q++) logits[(b * k + c) * h * w + q] = labels[b * h * w + q] === c ? 30 : -30;
      }
    }
    const inputs = [{ shape: [n, k, h, w], data: logits }, { shape: [n, 1, h, w], data: labels }] as const;
    const { out, saved } = await softDice.forward(rt, inputs, {});
    expect(Math.abs(out.data[0]!)).toBeLessThan(1e-6);
    const [dl] = await softDice.vjp(rt, scalar(1), inputs, out, {}, saved);
    expect(maxErrors(dl!.data, new Float32Array(dl!.data.length)).abs).toBeLessThan(1e-6);
  });

  it('matches the reference at the paper output tile (2 classes, 388×388)', async () => {
    const rt = await runtimeFor(backend);
    const c = makeCase([1, 2, 388, 388], 99);
    const inputs = [c.logits, c.labels] as const;
    const { out, saved } = await softDice.forward(rt, inputs, {});
    const [l64, y64] = [as64(c.logits), as64(c.labels)];
    expect(rel(out.data[0]!, softDiceRef(l64, y64).data[0]!)).toBeLessThan(1e-5);
    const [dl] = await softDice.vjp(rt, scalar(1), inputs, out, {}, saved);
    expect(normRel(dl!.data, softDiceRefVjp(l64, y64, as64(scalar(1))).data)).toBeLessThan(1e-5);
  });

  it('rejects labels outside [0, K), naming the value, and bad shapes', async () => {
    const rt = await runtimeFor(backend);
    const c = makeCase([1, 3, 2, 2], 1);
    const bad = (v: number): Tensor => ({ shape: c.labels.shape, data: Float32Array.from([0, 1, v, 2]) });
    await expect(softDice.forward(rt, [c.logits, bad(3)], {})).rejects.toThrow(/softDice: label 3 at \[0, 0, 1, 0\].*\[0, 3\)/);
    await expect(softDice.forward(rt, [c.logits, bad(-1)], {})).rejects.toThrow(/label -1 /);
    await expect(softDice.forward(rt, [c.logits, bad(1.5)], {})).rejects.toThrow(/label 1.5 /);
    await expect(softDice.forward(rt, [c.logits, bad(Number.NaN)], {})).rejects.toThrow(/label NaN /);
    const shortLabels: Tensor = { shape: [1, 1, 2, 1], data: Float32Array.from([0, 1]) };
    await expect(softDice.forward(rt, [c.logits, shortLabels], {})).rejects.toThrow(OpShapeError);
    const oneClass: Tensor = { shape: [1, 1, 2, 2], data: new Float32Array(4) };
    await expect(softDice.forward(rt, [oneClass, { shape: [1, 1, 2, 2], data: new Float32Array(4) }], {})).rejects.toThrow(/at least 2/);
  });

  // End to end: lossAndGrads(…, 'dice+ce') = CE + Dice on the tape (logits feed both losses,
  // so their cotangents are summed): the taped gradient against central finite differences
  // of the float64 reference network along a random direction (as src/verify/network.ts).
  it('lossAndGrads with dice+ce matches the float64 reference network', async () => {
    const rt = await runtimeFor(backend);
    const cfg: UNetConfig = { inChannels: 2, classes: 3, depth: 1, base: 3, dropout: 0, padding: 'same', tile: 8 };
    const o = 8;
    const r = rng(7);
    const params = initParams(cfg, 7);
    const x: Tensor = { shape: [1, 2, o, o], data: new Float32Array(2 * o * o).map(() => r.normal()) };
    const labels: Tensor = { shape: [1, 1, o, o], data: new Float32Array(o * o).map(() => r.int(3)) };
    const weights: Tensor = { shape: [1, 1, o, o], data: new Float32Array(o * o).map(() => 0.5 + r.uniform()) };
    const sample = { image: x, labels, weights };
    const [x64, l64, w64] = [to64(x), to64(labels), to64(weights)];
    const lossRef = async (p: Params64): Promise<number> => {
      const logits = await unetRef(cfg, p, x64);
      return softmaxCrossEntropyRef(logits, l64, w64).data[0]! + softDiceRef(logits, l64).data[0]!;
    };
    const { loss, grads } = await lossAndGrads(rt, cfg, params, sample, 0, 'dice+ce');
    const ce = await lossAndGrads(rt, cfg, params, sample, 0);
    const p64 = Object.fromEntries(Object.entries(params).map(([k, p]) => [k, to64(p)]));
    expect(rel(loss, await lossRef(p64))).toBeLessThan(1e-5);
    expect(loss - ce.loss).toBeGreaterThan(0.1); // the Dice term is really there
    const eps = 1e-7;
    const v = Object.fromEntries(Object.entries(params).map(([k, p]) => [k, p.data.map(() => r.normal())]));
    let taped = 0;
    for (const [k, g] of Object.entries(grads)) g.data.forEach((gi, i) => (taped += gi * v[k]![i]!));
    const shifted = (sign: number): Params64 =>
      Object.fromEntries(Object.entries(params).map(([k, p]) => [k, { shape: p.shape, data: Float64Array.from(p.data, (t, i) => t + sign * eps * v[k]![i]!) }]));
    const fd = ((await lossRef(shifted(1))) - (await lossRef(shifted(-1)))) / (2 * eps);
    expect(Math.abs(fd - taped) / Math.max(Math.abs(fd), Math.abs(taped))).toBeLessThan(1e-4);
  });
});

describe('softDice reference', () => {
  it('equals the direct float64 formula', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), (s, seed) => {
        const c = makeCase(s, seed);
        expect(rel(softDiceRef(as64(c.logits), as64(c.labels)).data[0]!, directFormula(c))).toBeLessThan(1e-12);
      }),
      { numRuns: 30 },
    );
  });

  it('VJP matches finite differences along random directions', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), (s, seed) => {
        const c = makeCase(s, seed);
        const d = directionalCheck(
          (i) => softDiceRef(i[0]!, i[1]!),
          (i, u) => [softDiceRefVjp(i[0]!, i[1]!, u), null],
          [as64(c.logits), as64(c.labels)],
          [0],
          rng(seed),
        );
        expect(d.rel).toBeLessThan(1e-6);
      }),
      { numRuns: 20 },
    );
  });

  it('scores a class absent from labels and prediction as D = 1 (the ε smoothing)', () => {
    // Class 2 never appears and is predicted nowhere (p_2 ≈ e^-40): D_2 ≈ ε/ε = 1, so the loss
    // is (1 − D_1) / 2 with D_1 the Dice of class 1 alone.
    const logits: Tensor64 = { shape: [1, 3, 1, 2], data: Float64Array.from([0, 0, 0, Math.log(3), -40, -40]) };
    const labels: Tensor64 = { shape: [1, 1, 1, 2], data: Float64Array.from([0, 1]) };
    const p = softmaxRef(logits).data;
    const d1 = (2 * p[3]! + 1) / (p[2]! + p[3]! + 1 + 1);
    expect(rel(softDiceRef(logits, labels).data[0]!, (1 - d1) / 2)).toBeLessThan(1e-9);
  });
});
