import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { upConv2 as upConv2Rule, upConv2Ref, upConv2RefVjp } from '../../src/layers/up-conv2.js';
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
const upConv2 = onDevice(upConv2Rule);

/*
 * Tolerance. Every value is a sum of K float32 products (plus the bias), so its float32 error
 * is bounded by γ_K·Σ|terms| with γ_K ≈ K·2^-24 (any summation order, so also the two-stage
 * dw/db reductions). We allow 2·K·2^-24·Σ|terms| per element, with Σ|terms| computed exactly
 * by the float64 reference on |x|, |w|, |b|, |dy|:
 *   forward K = Cin + 1, dx K = 4·Cout, dw K = N·H·W, db K = 4·N·H·W.
 * An indexing error moves a value by about one whole term, far beyond this bound.
 */
const checkCase = async (rt: Runtime, n: number, cin: number, cout: number, h: number, w: number, seed: number): Promise<void> => {
  const x = randomTensor([n, cin, h, w], seed);
  const wt = randomTensor([cin, cout, 2, 2], seed + 1);
  const b = randomTensor([1, cout, 1, 1], seed + 2);
  const before = [x.data.slice(), wt.data.slice(), b.data.slice()];
  const [x64, w64, b64] = [as64(x), as64(wt), as64(b)];
  const { out } = await upConv2.forward(rt, [x, wt, b], {});
  expect(out.shape).toEqual([n, cout, 2 * h, 2 * w]);
  const ref = upConv2Ref(x64, w64, b64);
  const refAbs = upConv2Ref(abs64(x64), abs64(w64), abs64(b64));
  expect(boundRatio(out.data, ref.data, refAbs.data, cin + 1)).toBeLessThanOrEqual(1);

  const dy = randomTensor(out.shape, seed + 3);
  const dyBefore = dy.data.slice();
  const [dx, dw, db] = await upConv2.vjp(rt, dy, [x, wt, b], out, {}, null);
  expect(dx!.shape).toEqual(x.shape);
  expect(dw!.shape).toEqual(wt.shape);
  expect(db!.shape).toEqual(b.shape);
  const [rdx, rdw, rdb] = upConv2RefVjp(x64, w64, b64, as64(dy));
  const [adx, adw, adb] = upConv2RefVjp(abs64(x64), abs64(w64), abs64(b64), abs64(as64(dy)));
  expect(boundRatio(dx!.data, rdx.data, adx.data, 4 * cout)).toBeLessThanOrEqual(1);
  expect(boundRatio(dw!.data, rdw.data, adw.data, n * h * w)).toBeLessThanOrEqual(1);
  expect(boundRatio(db!.data, rdb.data, adb.data, 4 * n * h * w)).toBeLessThanOrEqual(1);

  expect(x.data).toEqual(before[0]);
  expect(wt.data).toEqual(before[1]);
  expect(b.data).toEqual(before[2]);
  expect(dy.data).toEqual(dyBefore);
};

// ------------------------------------------------------- sampled references for paper sizes

/** y[n, o, y, x] and its Σ|terms|. */
const upAt = (x: Tensor, w: Tensor, b: Tensor, n: number, o: number, y: number, xx: number): [number, number] => {
  const [, cin, h, wd] = x.shape;
  const cout = w.shape[1];
  let s = b.data[o]!;
  let a = Math.abs(s);
  for (let c = 0; c < cin; c++) {
    const t = x.data[((n * cin + c) * h + (y >> 1)) * wd + (xx >> 1)]! * w.data[((c * cout + o) * 2 + (y & 1)) * 2 + (xx & 1)]!;
    s += t;
    a += Math.abs(t);
  }
  return [s, a];
};

/** dx[n, c, i, j] = Σ_o Σ_{a,e} dy[n, o, 2i + a, 2j + e] · w[c, o, a, e], and its Σ|terms|. */
const dxAt = (dy: Tensor, w: Tensor, n: number, c: number, i: number, j: number): [number, number] => {
  const [, cout, ho, wo] = dy.shape;
  let s = 0;
  let a = 0;
  for (let o = 0; o < cout; o++)
    for (let ae = 0; ae < 4; ae++) {
      const t = dy.data[((n * cout + o) * ho + 2 * i + (ae >> 1)) * wo + 2 * j + (ae & 1)]! * w.data[(c * cout + o) * 4 + ae]!;
      s += t;
      a += Math.abs(t);
    }
  return [s, a];
};

/** Full dw, db and their Σ|terms| from float32 data, accumulated in float64. */
const dwDbFull = (x: Tensor, dy: Tensor): { dw: Float64Array; dwAbs: Float64Array; db: Float64Array; dbAbs: Float64Array } => {
  const [n, cin, h, wd] = x.shape;
  const cout = dy.shape[1];
  const dw = new Float64Array(cin * cout * 4);
  const dwAbs = new Float64Array(dw.length);
  const db = new Float64Array(cout);
  const dbAbs = new Float64Array(cout);
  for (let ni = 0; ni < n; ni++)
    for (let o = 0; o < cout; o++) {
      const gb = (ni * cout + o) * 4 * h * wd;
      for (let t = 0; t < 4 * h * wd; t++) {
        db[o] = db[o]! + dy.data[gb + t]!;
        dbAbs[o] = dbAbs[o]! + Math.abs(dy.data[gb + t]!);
      }
      for (let c = 0; c < cin; c++)
        for (let ae = 0; ae < 4; ae++) {
          let s = 0;
          let a = 0;
          for (let i = 0; i < h; i++) {
            const xb = ((ni * cin + c) * h + i) * wd;
            const g = gb + (2 * i + (ae >> 1)) * 2 * wd + (ae & 1);
            for (let j = 0; j < wd; j++) {
              const t = x.data[xb + j]! * dy.data[g + 2 * j]!;
              s += t;
              a += Math.abs(t);
            }
          }
          const wi = (c * cout + o) * 4 + ae;
          dw[wi] = dw[wi]! + s;
          dwAbs[wi] = dwAbs[wi]! + a;
        }
    }
  return { dw, dwAbs, db, dbAbs };
};

const coords = (shape: Shape, p: number): [number, number, number, number] => {
  const [, c, h, w] = shape;
  return [Math.floor(p / (c * h * w)), Math.floor(p / (h * w)) % c, Math.floor(p / w) % h, p % w];
};

/** 2,000 random positions plus both ends of the tensor, against an element reference. */
const sampledRatio = (got: Tensor, seed: number, at: (n: number, c: number, i: number, j: number) => [number, number], k: number): number => {
  const size = got.data.length;
  const r = rng(seed);
  const ps = [0, 1, 2, 3, 4, size - 5, size - 4, size - 3, size - 2, size - 1];
  for (let i = 0; i < 2000; i++) ps.push(r.int(size));
  const ref = ps.map((p) => at(...coords(got.shape, p)));
  return boundRatio(
    ps.map((p) => got.data[p]!),
    ref.map((v) => v[0]),
    ref.map((v) => v[1]),
    k,
  );
};

const caseArb = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  cin: fc.integer({ min: 1, max: 5 }),
  cout: fc.integer({ min: 1, max: 5 }),
  h: fc.integer({ min: 1, max: 10 }),
  w: fc.integer({ min: 1, max: 10 }),
  seed: fc.integer(),
});

describe.each(testBackends)('upConv2 on %s', (backend) => {
  it('forward, dx, dw, db match the float64 reference (random shapes)', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ n, cin, cout, h, w, seed }) => {
        await checkCase(rt, n, cin, cout, h, w, seed);
      }),
      { numRuns: 12 },
    );
    expect(rt.fallbacks().size).toBe(0);
  });

  it('U-Net-like shapes: channels halved, Cin, Cout multiples of 4, W ≡ 0, 1, 2 (mod 4)', async () => {
    const rt = await runtimeFor(backend);
    await checkCase(rt, 1, 16, 8, 6, 8, 21);
    await checkCase(rt, 1, 8, 4, 7, 5, 22);
    await checkCase(rt, 2, 8, 4, 4, 6, 23);
  });

  it('paper size, 4→64 channels at 288×288: output and dy 64×576×576 (beyond 2^24 values)', async () => {
    const rt = await runtimeFor(backend);
    const x = randomTensor([1, 4, 288, 288], 31);
    const w = randomTensor([4, 64, 2, 2], 32);
    const b = randomTensor([1, 64, 1, 1], 33);
    const { out } = await upConv2.forward(rt, [x, w, b], {});
    expect(out.shape).toEqual([1, 64, 576, 576]);
    expect(sampledRatio(out, 34, (n, o, i, j) => upAt(x, w, b, n, o, i, j), 5)).toBeLessThanOrEqual(1);
    const dy = randomTensor(out.shape, 35);
    const [dx, dw, db] = await upConv2.vjp(rt, dy, [x, w, b], out, {}, null);
    expect(sampledRatio(dx!, 36, (n, c, i, j) => dxAt(dy, w, n, c, i, j), 4 * 64)).toBeLessThanOrEqual(1);
    const ref = dwDbFull(x, dy);
    expect(boundRatio(dw!.data, ref.dw, ref.dwAbs, 288 * 288)).toBeLessThanOrEqual(1);
    expect(boundRatio(db!.data, ref.db, ref.dbAbs, 4 * 288 * 288)).toBeLessThanOrEqual(1);
  });

  it('paper size, 256→1 channels at 260×260: input and dx 256×260×260 (beyond 2^24 values)', async () => {
    const rt = await runtimeFor(backend);
    const x = randomTensor([1, 256, 260, 260], 41);
    const w = randomTensor([256, 1, 2, 2], 42);
    const b = randomTensor([1, 1, 1, 1], 43);
    const { out } = await upConv2.forward(rt, [x, w, b], {});
    expect(out.shape).toEqual([1, 1, 520, 520]);
    expect(sampledRatio(out, 44, (n, o, i, j) => upAt(x, w, b, n, o, i, j), 257)).toBeLessThanOrEqual(1);
    const dy = randomTensor(out.shape, 45);
    const [dx, dw, db] = await upConv2.vjp(rt, dy, [x, w, b], out, {}, null);
    expect(dx!.shape).toEqual(x.shape);
    expect(sampledRatio(dx!, 46, (n, c, i, j) => dxAt(dy, w, n, c, i, j), 4)).toBeLessThanOrEqual(1);
    const ref = dwDbFull(x, dy);
    expect(boundRatio(dw!.data, ref.dw, ref.dwAbs, 260 * 260)).toBeLessThanOrEqual(1);
    expect(boundRatio(db!.data, ref.db, ref.dbAbs, 4 * 260 * 260)).toBeLessThanOrEqual(1);
  });

  it('y and dx are device tensors on a resident runtime (host tensors elsewhere); intermediates are freed', async () => {
    const rt = await runtimeFor(backend);
    const one = rt.resident ? 1 : 0;
    const before = rt.stats().deviceArrays;
    await rt.scope(async () => {
      const [x, w, b] = await Promise.all(([[[2, 3, 5, 6], 21], [[3, 4, 2, 2], 22], [[1, 4, 1, 1], 23]] as const).map(([s, seed]) => uploadTensor(rt, randomTensor(s, seed))));
      const uploaded = rt.stats().deviceArrays;
      const { out } = await upConv2Rule.forward(rt, [x!, w!, b!], {});
      expect(isDeviceTensor(out)).toBe(rt.resident);
      expect(rt.stats().deviceArrays).toBe(uploaded + one); // the output only: layouts and quads were freed
      const dy = await uploadTensor(rt, randomTensor(out.shape, 24));
      const withDy = rt.stats().deviceArrays;
      const [dx, dw, db] = await upConv2Rule.vjp(rt, dy, [x!, w!, b!], out, {}, null);
      expect(isDeviceTensor(dx!)).toBe(rt.resident);
      expect(isDeviceTensor(dw!)).toBe(false);
      expect(isDeviceTensor(db!)).toBe(false);
      expect(rt.stats().deviceArrays).toBe(withDy + one); // dx only
    });
    expect(rt.stats().deviceArrays).toBe(before);
  });

  it('rejects bad shapes with the shape rule message', async () => {
    const rt = await runtimeFor(backend);
    const x = randomTensor([1, 4, 3, 3], 1);
    await expect(upConv2.forward(rt, [x, randomTensor([3, 2, 2, 2], 2), randomTensor([1, 2, 1, 1], 3)], {})).rejects.toThrow(OpShapeError);
    await expect(upConv2.forward(rt, [x, randomTensor([4, 2, 3, 3], 2), randomTensor([1, 2, 1, 1], 3)], {})).rejects.toThrow(/upConv2/);
    await expect(upConv2.forward(rt, [x, randomTensor([4, 2, 2, 2], 2), randomTensor([1, 3, 1, 1], 3)], {})).rejects.toThrow(/bias/);
    const w = randomTensor([4, 2, 2, 2], 2);
    const b = randomTensor([1, 2, 1, 1], 3);
    const { out } = await upConv2.forward(rt, [x, w, b], {});
    await expect(upConv2.vjp(rt, randomTensor([1, 2, 6, 5], 4), [x, w, b], out, {}, null)).rejects.toThrow(/cotangent/);
  });
});

describe('upConv2 reference VJP', () => {
  it('matches central finite differences along random directions (rel < 1e-6)', () => {
    fc.assert(
      fc.property(caseArb, ({ n, cin, cout, h, w, seed }) => {
        const x = as64(randomTensor([n, cin, Math.min(h, 5), Math.min(w, 5)], seed));
        const wt = as64(randomTensor([cin, cout, 2, 2], seed + 1));
        const b = as64(randomTensor([1, cout, 1, 1], seed + 2));
        // Bilinear in (x, w), affine in b: the central difference is exact up to rounding.
        const c = directionalCheck(
          (i) => upConv2Ref(i[0]!, i[1]!, i[2]!),
          (i, u) => upConv2RefVjp(i[0]!, i[1]!, i[2]!, u),
          [x, wt, b],
          [0, 1, 2],
          rng(seed),
        );
        expect(c.rel).toBeLessThan(1e-6);
      }),
      { numRuns: 25 },
    );
  });

  it('matches a hand-computed example (each input pixel paints a 2×2 block)', () => {
    // x = [[1, 2]] (1 channel), w[0, 0] = [[1, 2], [3, 4]], b = 10 → y = [[11, 12, 12, 14], [13, 14, 16, 18]].
    const x: Tensor64 = { shape: [1, 1, 1, 2], data: Float64Array.from([1, 2]) };
    const w: Tensor64 = { shape: [1, 1, 2, 2], data: Float64Array.from([1, 2, 3, 4]) };
    const b: Tensor64 = { shape: [1, 1, 1, 1], data: Float64Array.from([10]) };
    expect(Array.from(upConv2Ref(x, w, b).data)).toEqual([11, 12, 12, 14, 13, 14, 16, 18]);
  });
});
