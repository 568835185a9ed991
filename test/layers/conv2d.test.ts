import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { conv2d as conv2dRule, conv2dRef, conv2dRefVjp } from '../../src/layers/conv2d.js';
import type { Tensor64 } from '../../src/tensor/tensor64.js';
import { directionalCheck } from '../../src/autodiff/gradcheck.js';
import { rng } from '../../src/tensor/random.js';
import type { Shape, Tensor } from '../../src/tensor/tensor.js';
import { OpShapeError } from '../../src/tensor/shape-error.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { disposeRuntimes, runtimeFor, testBackends } from '../helpers/backends.js';
import { as64, randomTensor } from '../helpers/random.js';
import { onDevice } from '../helpers/device.js';
import { isDeviceTensor, uploadTensor } from '../../src/tensor/device-tensor.js';
import { abs64, boundRatio } from '../helpers/compare.js';

afterAll(disposeRuntimes);

/** The op through the device path: on webgpu inputs are uploaded and results read back, so the
 * op runs device to device (its layout kernels included); elsewhere this is the op itself. */
const conv2d = onDevice(conv2dRule);

/*
 * Tolerance. Every value is a sum of K float32 products (plus the bias), so its float32 error
 * is bounded by γ_K·Σ|terms| with γ_K ≈ K·2^-24 (standard dot-product bound, any summation
 * order, and so also the two-stage dw/db reductions). We allow 2·K·2^-24·Σ|terms| per element,
 * with Σ|terms| computed exactly by the float64 reference on |x|, |w|, |b|, |dy|:
 *   forward K = Cin·k² + 1, dx K = Cout·k², dw and db K = N·Ho·Wo.
 * An indexing error moves a value by about one whole term, far beyond this bound.
 */
/** Checks forward and VJP of one case against the float64 reference (and that inputs are not mutated). */
const checkCase = async (rt: Runtime, n: number, cin: number, cout: number, h: number, w: number, k: number, pad: number, seed: number): Promise<void> => {
  const x = randomTensor([n, cin, h, w], seed);
  const wt = randomTensor([cout, cin, k, k], seed + 1);
  const b = randomTensor([1, cout, 1, 1], seed + 2);
  const before = [x.data.slice(), wt.data.slice(), b.data.slice()];
  const [x64, w64, b64] = [as64(x), as64(wt), as64(b)];
  const { out } = await conv2d.forward(rt, [x, wt, b], { pad });
  const ho = h + 2 * pad - k + 1;
  const wo = w + 2 * pad - k + 1;
  expect(out.shape).toEqual([n, cout, ho, wo]);
  const ref = conv2dRef(x64, w64, b64, pad);
  const refAbs = conv2dRef(abs64(x64), abs64(w64), abs64(b64), pad);
  expect(boundRatio(out.data, ref.data, refAbs.data, cin * k * k + 1)).toBeLessThanOrEqual(1);

  const dy = randomTensor(out.shape, seed + 3);
  const dyBefore = dy.data.slice();
  const [dx, dw, db] = await conv2d.vjp(rt, dy, [x, wt, b], out, { pad }, null);
  expect(dx!.shape).toEqual(x.shape);
  expect(dw!.shape).toEqual(wt.shape);
  expect(db!.shape).toEqual(b.shape);
  const [rdx, rdw, rdb] = conv2dRefVjp(x64, w64, b64, pad, as64(dy));
  const [adx, adw, adb] = conv2dRefVjp(abs64(x64), abs64(w64), abs64(b64), pad, abs64(as64(dy)));
  expect(boundRatio(dx!.data, rdx.data, adx.data, cout * k * k)).toBeLessThanOrEqual(1);
  expect(boundRatio(dw!.data, rdw.data, adw.data, n * ho * wo)).toBeLessThanOrEqual(1);
  expect(boundRatio(db!.data, rdb.data, adb.data, n * ho * wo)).toBeLessThanOrEqual(1);

  expect(x.data).toEqual(before[0]);
  expect(wt.data).toEqual(before[1]);
  expect(b.data).toEqual(before[2]);
  expect(dy.data).toEqual(dyBefore);
};

// ------------------------------------------------------- sampled references for paper sizes
// At 64×570×570 the full float64 reference of a >2^24-value output is too slow and too big
// (166 MB per float64 copy), so these evaluate single elements straight from float32 data.

/** y[n, o, i, j] and its Σ|terms|. */
const convAt = (x: Tensor, w: Tensor, b: Tensor, pad: number, n: number, o: number, i: number, j: number): [number, number] => {
  const [, cin, h, wd] = x.shape;
  const k = w.shape[2];
  let s = b.data[o]!;
  let a = Math.abs(s);
  for (let c = 0; c < cin; c++)
    for (let u = 0; u < k; u++)
      for (let v = 0; v < k; v++) {
        const yi = i + u - pad;
        const xi = j + v - pad;
        if (yi < 0 || yi >= h || xi < 0 || xi >= wd) continue;
        const t = x.data[((n * cin + c) * h + yi) * wd + xi]! * w.data[((o * cin + c) * k + u) * k + v]!;
        s += t;
        a += Math.abs(t);
      }
  return [s, a];
};

/** dx[n, c, i, j] = Σ_o Σ_{u,v} dy[n, o, i + p − u, j + p − v] · w[o, c, u, v], and its Σ|terms|. */
const dxAt = (dy: Tensor, w: Tensor, pad: number, n: number, c: number, i: number, j: number): [number, number] => {
  const [, cout, ho, wo] = dy.shape;
  const [, cin, k] = w.shape;
  let s = 0;
  let a = 0;
  for (let o = 0; o < cout; o++)
    for (let u = 0; u < k; u++)
      for (let v = 0; v < k; v++) {
        const yo = i + pad - u;
        const xo = j + pad - v;
        if (yo < 0 || yo >= ho || xo < 0 || xo >= wo) continue;
        const t = dy.data[((n * cout + o) * ho + yo) * wo + xo]! * w.data[((o * cin + c) * k + u) * k + v]!;
        s += t;
        a += Math.abs(t);
      }
  return [s, a];
};

/** Full dw and db (and their Σ|terms|) from float32 data, accumulated in float64. */
const dwDbFull = (x: Tensor, dy: Tensor, k: number, pad: number): { dw: Float64Array; dwAbs: Float64Array; db: Float64Array; dbAbs: Float64Array } => {
  const [n, cin, h, wd] = x.shape;
  const [, cout, ho, wo] = dy.shape;
  const dw = new Float64Array(cout * cin * k * k);
  const dwAbs = new Float64Array(dw.length);
  const db = new Float64Array(cout);
  const dbAbs = new Float64Array(cout);
  for (let ni = 0; ni < n; ni++)
    for (let o = 0; o < cout; o++) {
      const gb = (ni * cout + o) * ho * wo;
      for (let t = 0; t < ho * wo; t++) {
        db[o] = db[o]! + dy.data[gb + t]!;
        dbAbs[o] = dbAbs[o]! + Math.abs(dy.data[gb + t]!);
      }
      for (let c = 0; c < cin; c++)
        for (let u = 0; u < k; u++)
          for (let v = 0; v < k; v++) {
            let s = 0;
            let a = 0;
            for (let i = 0; i < ho; i++) {
              const yi = i + u - pad;
              if (yi < 0 || yi >= h) continue;
              const xb = ((ni * cin + c) * h + yi) * wd + v - pad;
              const j0 = Math.max(0, pad - v);
              const j1 = Math.min(wo, wd + pad - v);
              for (let j = j0; j < j1; j++) {
                const t = dy.data[gb + i * wo + j]! * x.data[xb + j]!;
                s += t;
                a += Math.abs(t);
              }
            }
            const wi = ((o * cin + c) * k + u) * k + v;
            dw[wi] = dw[wi]! + s;
            dwAbs[wi] = dwAbs[wi]! + a;
          }
    }
  return { dw, dwAbs, db, dbAbs };
};

/** 2,000 random flat positions plus both ends of the tensor (the last quad of the last row). */
const samplePositions = (shape: Shape, seed: number): number[] => {
  const size = shape[0] * shape[1] * shape[2] * shape[3];
  const r = rng(seed);
  const ps = [0, 1, 2, 3, 4, size - 5, size - 4, size - 3, size - 2, size - 1];
  for (let i = 0; i < 2000; i++) ps.push(r.int(size));
  return ps;
};

const coords = (shape: Shape, p: number): [number, number, number, number] => {
  const [, c, h, w] = shape;
  return [Math.floor(p / (c * h * w)), Math.floor(p / (h * w)) % c, Math.floor(p / w) % h, p % w];
};

/** Kernel values at sampled positions against an element reference, under the same γ_K bound. */
const sampledRatio = (got: Tensor, seed: number, at: (n: number, c: number, i: number, j: number) => [number, number], k: number): number => {
  const ps = samplePositions(got.shape, seed);
  const ref = ps.map((p) => at(...coords(got.shape, p)));
  return boundRatio(
    ps.map((p) => got.data[p]!),
    ref.map((r) => r[0]),
    ref.map((r) => r[1]),
    k,
  );
};

const caseArb = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  cin: fc.integer({ min: 1, max: 5 }),
  cout: fc.integer({ min: 1, max: 5 }),
  k: fc.constantFrom(1, 3),
  pad: fc.constantFrom(0, 1),
  dh: fc.integer({ min: 0, max: 17 }),
  dw: fc.integer({ min: 0, max: 17 }),
  seed: fc.integer(),
});

describe.each(testBackends)('conv2d on %s', (backend) => {
  it('forward, dx, dw, db match the float64 reference (random shapes, k ∈ {1, 3}, pad ∈ {0, 1})', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ n, cin, cout, k, pad, dh, dw, seed }) => {
        await checkCase(rt, n, cin, cout, k + dh, k + dw, k, pad, seed);
      }),
      { numRuns: 12 },
    );
    expect(rt.fallbacks().size).toBe(0);
  });

  it('general k: 5×5 (pad 0, 2 and 5 > k − 1) and 2×2 kernels', async () => {
    const rt = await runtimeFor(backend);
    await checkCase(rt, 2, 3, 4, 9, 11, 5, 0, 11);
    await checkCase(rt, 1, 2, 5, 7, 6, 5, 2, 12);
    await checkCase(rt, 1, 2, 3, 5, 5, 5, 5, 13);
    await checkCase(rt, 2, 3, 2, 6, 9, 2, 1, 14);
  });

  it('relu attribute: forward is exactly max(0, conv), VJP exactly the conv VJP of dy · [y > 0]', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ n, cin, cout, k, pad, dh, dw, seed }) => {
        const x = randomTensor([n, cin, k + dh, k + dw], seed);
        const wt = randomTensor([cout, cin, k, k], seed + 1);
        const b = randomTensor([1, cout, 1, 1], seed + 2);
        const plain = await conv2d.forward(rt, [x, wt, b], { pad });
        const fused = await conv2d.forward(rt, [x, wt, b], { pad, relu: true });
        expect(Array.from(fused.out.data)).toEqual(Array.from(plain.out.data, (v) => Math.max(v, 0)));
        const dy = randomTensor(plain.out.shape, seed + 3);
        const masked: Tensor = { shape: dy.shape, data: dy.data.map((g, i) => (plain.out.data[i]! > 0 ? g : 0)) };
        const want = await conv2d.vjp(rt, masked, [x, wt, b], plain.out, { pad }, null);
        const got = await conv2d.vjp(rt, dy, [x, wt, b], fused.out, { pad, relu: true }, null);
        for (let i = 0; i < 3; i++) expect(Array.from(got[i]!.data), `input ${i}`).toEqual(Array.from(want[i]!.data));
      }),
      { numRuns: 6 },
    );
  });

  it('U-Net-like shapes: 3×3 valid with Cin, Cout multiples of 4 and W ≡ 0, 2 (mod 4)', async () => {
    const rt = await runtimeFor(backend);
    await checkCase(rt, 1, 8, 8, 20, 22, 3, 0, 21);
    await checkCase(rt, 1, 16, 4, 12, 18, 3, 0, 22);
    await checkCase(rt, 2, 4, 2, 10, 10, 1, 0, 23); // the final 1×1 layer (2 classes)
    // wide layers run in blocks of 64 output lanes off the device: 132 → 64 + 64 + 4 (forward), 68 → 64 + 4 (dx)
    await checkCase(rt, 2, 68, 132, 7, 9, 3, 0, 24);
    await checkCase(rt, 1, 68, 70, 6, 6, 3, 1, 25);
  });

  it('paper size, 1→64 channels at 572×572: output and dy 64×570×570 (beyond 2^24 values)', async () => {
    const rt = await runtimeFor(backend);
    const x = randomTensor([1, 1, 572, 572], 31);
    const w = randomTensor([64, 1, 3, 3], 32);
    const b = randomTensor([1, 64, 1, 1], 33);
    const { out } = await conv2d.forward(rt, [x, w, b], { pad: 0 });
    expect(out.shape).toEqual([1, 64, 570, 570]);
    expect(sampledRatio(out, 34, (n, o, i, j) => convAt(x, w, b, 0, n, o, i, j), 10)).toBeLessThanOrEqual(1);
    const dy = randomTensor(out.shape, 35);
    const [dx, dw, db] = await conv2d.vjp(rt, dy, [x, w, b], out, { pad: 0 }, null);
    expect(sampledRatio(dx!, 36, (n, c, i, j) => dxAt(dy, w, 0, n, c, i, j), 64 * 9)).toBeLessThanOrEqual(1);
    const ref = dwDbFull(x, dy, 3, 0);
    expect(boundRatio(dw!.data, ref.dw, ref.dwAbs, 570 * 570)).toBeLessThanOrEqual(1);
    expect(boundRatio(db!.data, ref.db, ref.dbAbs, 570 * 570)).toBeLessThanOrEqual(1);
  });

  it('paper size, 64→1 channels at 570×570: input and dx 64×570×570 (beyond 2^24 values)', async () => {
    const rt = await runtimeFor(backend);
    const x = randomTensor([1, 64, 570, 570], 41);
    const w = randomTensor([1, 64, 3, 3], 42);
    const b = randomTensor([1, 1, 1, 1], 43);
    const { out } = await conv2d.forward(rt, [x, w, b], { pad: 0 });
    expect(out.shape).toEqual([1, 1, 568, 568]);
    expect(sampledRatio(out, 44, (n, o, i, j) => convAt(x, w, b, 0, n, o, i, j), 64 * 9 + 1)).toBeLessThanOrEqual(1);
    const dy = randomTensor(out.shape, 45);
    const [dx, dw, db] = await conv2d.vjp(rt, dy, [x, w, b], out, { pad: 0 }, null);
    expect(dx!.shape).toEqual(x.shape);
    expect(sampledRatio(dx!, 46, (n, c, i, j) => dxAt(dy, w, 0, n, c, i, j), 9)).toBeLessThanOrEqual(1);
    const ref = dwDbFull(x, dy, 3, 0);
    expect(boundRatio(dw!.data, ref.dw, ref.dwAbs, 568 * 568)).toBeLessThanOrEqual(1);
    expect(boundRatio(db!.data, ref.db, ref.dbAbs, 568 * 568)).toBeLessThanOrEqual(1);
  });

  it('y and dx are device tensors on a resident runtime (host tensors elsewhere); intermediates are freed', async () => {
    const rt = await runtimeFor(backend);
    const one = rt.resident ? 1 : 0;
    const before = rt.stats().deviceArrays;
    await rt.scope(async () => {
      const [x, w, b] = await Promise.all(([[[2, 3, 7, 9], 21], [[4, 3, 3, 3], 22], [[1, 4, 1, 1], 23]] as const).map(([s, seed]) => uploadTensor(rt, randomTensor(s, seed))));
      const uploaded = rt.stats().deviceArrays;
      const { out } = await conv2dRule.forward(rt, [x!, w!, b!], { pad: 1 });
      expect(isDeviceTensor(out)).toBe(rt.resident);
      expect(rt.stats().deviceArrays).toBe(uploaded + one); // the output only: layouts and quads were freed
      const dy = await uploadTensor(rt, randomTensor(out.shape, 24));
      const withDy = rt.stats().deviceArrays;
      const [dx, dw, db] = await conv2dRule.vjp(rt, dy, [x!, w!, b!], out, { pad: 1 }, null);
      expect(isDeviceTensor(dx!)).toBe(rt.resident);
      expect(isDeviceTensor(dw!)).toBe(false);
      expect(isDeviceTensor(db!)).toBe(false);
      expect(rt.stats().deviceArrays).toBe(withDy + one); // dx only
    });
    expect(rt.stats().deviceArrays).toBe(before);
  });

  it('rejects bad shapes with the shape rule message', async () => {
    const rt = await runtimeFor(backend);
    const x = randomTensor([1, 3, 8, 8], 1);
    const b = randomTensor([1, 4, 1, 1], 2);
    await expect(conv2d.forward(rt, [x, randomTensor([4, 2, 3, 3], 3), b], { pad: 0 })).rejects.toThrow(OpShapeError);
    await expect(conv2d.forward(rt, [x, randomTensor([4, 3, 3, 3], 3), randomTensor([1, 5, 1, 1], 4)], { pad: 0 })).rejects.toThrow(/bias/);
    await expect(conv2d.forward(rt, [x, randomTensor([4, 3, 9, 9], 3), b], { pad: 0 })).rejects.toThrow(/smaller/);
    await expect(conv2d.forward(rt, [x, randomTensor([4, 2, 1, 1], 3), b], { pad: 0 })).rejects.toThrow(/conv1x1/);
    const w = randomTensor([4, 3, 3, 3], 3);
    const { out } = await conv2d.forward(rt, [x, w, b], { pad: 0 });
    await expect(conv2d.vjp(rt, randomTensor([1, 4, 8, 8], 5), [x, w, b], out, { pad: 0 }, null)).rejects.toThrow(/cotangent/);
  });
});

describe('conv2d reference VJP', () => {
  it('matches central finite differences along random directions (rel < 1e-6)', () => {
    fc.assert(
      fc.property(caseArb, ({ n, cin, cout, k, pad, dh, dw, seed }) => {
        const h = k + Math.min(dh, 6);
        const w = k + Math.min(dw, 6);
        const x = as64(randomTensor([n, cin, h, w], seed));
        const wt = as64(randomTensor([cout, cin, k, k], seed + 1));
        const b = as64(randomTensor([1, cout, 1, 1], seed + 2));
        // conv is bilinear in (x, w) and affine in b: the central difference is exact up to rounding.
        const c = directionalCheck(
          (i) => conv2dRef(i[0]!, i[1]!, i[2]!, pad),
          (i, u) => conv2dRefVjp(i[0]!, i[1]!, i[2]!, pad, u),
          [x, wt, b],
          [0, 1, 2],
          rng(seed),
        );
        expect(c.rel).toBeLessThan(1e-6);
      }),
      { numRuns: 25 },
    );
  });

  it('matches a hand-computed 3×3 example', () => {
    // x = 1..16 on 4×4, w = all ones except centre 2, b = 0.5, pad 0: y[i][j] = Σ window + centre + 0.5.
    const x: Tensor64 = { shape: [1, 1, 4, 4], data: Float64Array.from({ length: 16 }, (_, i) => i + 1) };
    const w: Tensor64 = { shape: [1, 1, 3, 3], data: Float64Array.from([1, 1, 1, 1, 2, 1, 1, 1, 1]) };
    const b: Tensor64 = { shape: [1, 1, 1, 1], data: Float64Array.from([0.5]) };
    const y = conv2dRef(x, w, b, 0);
    expect(Array.from(y.data)).toEqual([54 + 6 + 0.5, 63 + 7 + 0.5, 90 + 10 + 0.5, 99 + 11 + 0.5]);
  });
});
