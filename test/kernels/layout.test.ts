/*
 * The layout kernels of src/kernels/layout.ts against their host functions, exactly (they
 * are copies, so every bit must match), on every backend. On webgpu they run through the
 * choosers on a resident runtime (`stack`, `pad`, `unquads`, `unUpQuads` with device inputs),
 * the way conv2d and upConv2 call them; on cpu and webasm, where the choosers take the host
 * functions, the kernel versions (`…OnDevice`) are called directly.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  fromQuads,
  fromUpQuads,
  lanes,
  padPlanesOf,
  padOnDevice,
  padPlanes,
  stack,
  stackChannelsLast,
  stackLast,
  stackLastOnDevice,
  stackOnDevice,
  stackPlanes,
  unquads,
  unquadsOnDevice,
  unUpQuads,
  unUpQuadsOnDevice,
} from '../../src/kernels/layout.js';
import { isDeviceArray, uploadTensor, type Stored } from '../../src/tensor/device-tensor.js';
import type { Shape, Tensor } from '../../src/tensor/tensor.js';
import { rng } from '../../src/tensor/random.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import type { BackendName } from '../../src/runtime/backend.js';
import { disposeRuntimes, runtimeFor, testBackends } from '../helpers/backends.js';
import { randomTensor } from '../helpers/random.js';

afterAll(disposeRuntimes);

/** Bit-exact equality of two float32 arrays (NaN-safe, tells +0 from −0). */
const expectSameBits = (got: Float32Array, ref: Float32Array): void => {
  expect(got.length).toBe(ref.length);
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const r = new Uint32Array(ref.buffer, ref.byteOffset, ref.length);
  let bad = -1;
  for (let i = 0; i < r.length && bad < 0; i++) if (g[i] !== r[i]) bad = i;
  expect(bad < 0 ? 'all equal' : `first difference at ${bad}: ${got[bad]} vs ${ref[bad]}`).toBe('all equal');
};

/** Random values (no zeros, so a dropped value cannot hide behind padding). */
const randomArray = (length: number, seed: number): Float32Array => {
  const r = rng(seed);
  return Float32Array.from({ length }, () => 1 + r.int(1000) / 7);
};

/** The kernel version through a resident runtime (a device input), or called directly elsewhere; read back. */
const kernelStack = (rt: Runtime, x: Tensor, hs: number, ws: number, top: number, left: number, extra: number, stacks: number): Promise<Float32Array> =>
  rt.scope(async () => {
    const s = rt.resident ? await stack(rt, await uploadTensor(rt, x), hs, ws, top, left, extra, stacks) : await stackOnDevice(rt, x, hs, ws, top, left, extra, stacks);
    if (rt.resident) expect(isDeviceArray(s)).toBe(true);
    return Float32Array.from(await rt.read(s));
  });

const kernelPad = (rt: Runtime, x: Tensor, hp: number, wp: number, top: number, left: number): Promise<Float32Array> =>
  rt.scope(async () => {
    const s = rt.resident ? await padPlanesOf(rt, await uploadTensor(rt, x), hp, wp, top, left) : await padOnDevice(rt, x, hp, wp, top, left);
    if (rt.resident) expect(isDeviceArray(s)).toBe(true);
    return Float32Array.from(await rt.read(s));
  });

const onDeviceResult = async (rt: Runtime, r: Float32Array, f: (r: Stored) => Promise<Stored>): Promise<Float32Array> =>
  rt.scope(async () => {
    const s = await f(rt.resident ? await rt.upload(r) : r);
    if (rt.resident) expect(isDeviceArray(s)).toBe(true);
    return Float32Array.from(await rt.read(s));
  });

const checkStack = async (rt: Runtime, shape: Shape, hs: number, ws: number, top: number, left: number, extra: number, stacks: number, seed: number): Promise<void> => {
  const x = randomTensor(shape, seed);
  const ref = stackPlanes(x.data, shape, hs, ws, top, left, extra, stacks);
  expect(ref.length).toBe(ws * (shape[0] * hs + extra) * stacks);
  // Into a reused array full of old values (NaN): the same zeros where no pixel lands.
  const garbage = (length: number, zeroed = true): Float32Array => new Float32Array(length).fill(zeroed ? 0 : NaN);
  expectSameBits(stackPlanes(x.data, shape, hs, ws, top, left, extra, stacks, garbage), ref);
  expectSameBits(await kernelStack(rt, x, hs, ws, top, left, extra, stacks), ref);
  // The chooser: the host function itself off a resident runtime.
  if (!rt.resident) expectSameBits(Float32Array.from(await stack(rt, x, hs, ws, top, left, extra, stacks) as Float32Array), ref);
};

const checkPad = async (rt: Runtime, shape: Shape, hp: number, wp: number, top: number, left: number, seed: number): Promise<void> => {
  const x = randomTensor(shape, seed);
  const [n, c, h, w] = shape;
  const ref = padPlanes(x.data, n * c, h, w, hp, wp, top, left);
  expectSameBits(padPlanes(x.data, n * c, h, w, hp, wp, top, left, (length, zeroed = true) => new Float32Array(length).fill(zeroed ? 0 : NaN)), ref);
  expectSameBits(await kernelPad(rt, x, hp, wp, top, left), ref);
  if (!rt.resident) expectSameBits(Float32Array.from(await padPlanesOf(rt, x, hp, wp, top, left) as Float32Array), ref);
};

const checkUnquads = async (rt: Runtime, n: number, c: number, ho: number, wo: number, stride: number, extraRows: number, seed: number): Promise<void> => {
  const cp = lanes(c);
  const q = Math.ceil(wo / 4);
  const rows = (n - 1) * stride + ho + extraRows;
  const r = randomArray(rows * q * cp * 4, seed);
  const ref = fromQuads(r, n, c, cp, ho, wo, stride);
  const got = await onDeviceResult(rt, r, (s) => (rt.resident ? unquads(rt, s, n, c, cp, ho, wo, stride) : unquadsOnDevice(rt, s, n, c, cp, ho, wo, stride)));
  expectSameBits(got, ref);
  if (!rt.resident) expectSameBits(Float32Array.from((await unquads(rt, r, n, c, cp, ho, wo, stride)) as Float32Array), ref);
};

const checkUnUpQuads = async (rt: Runtime, n: number, cout: number, h: number, w: number, seed: number): Promise<void> => {
  const cp = lanes(cout);
  const q = Math.ceil(w / 4);
  const r = randomArray(n * h * q * 16 * cp, seed);
  const ref = fromUpQuads(r, n, cout, cp, h, w);
  const got = await onDeviceResult(rt, r, (s) => (rt.resident ? unUpQuads(rt, s, n, cout, cp, h, w) : unUpQuadsOnDevice(rt, s, n, cout, cp, h, w)));
  expectSameBits(got, ref);
  if (!rt.resident) expectSameBits(Float32Array.from((await unUpQuads(rt, r, n, cout, cp, h, w)) as Float32Array), ref);
};

const stackArb = fc.record({
  n: fc.integer({ min: 1, max: 3 }),
  c: fc.integer({ min: 1, max: 4 }),
  h: fc.integer({ min: 1, max: 9 }),
  w: fc.integer({ min: 1, max: 9 }),
  dhs: fc.integer({ min: -3, max: 5 }),
  dws: fc.integer({ min: -3, max: 9 }),
  top: fc.integer({ min: -3, max: 4 }),
  left: fc.integer({ min: -3, max: 4 }),
  extra: fc.integer({ min: 0, max: 3 }),
  extraStacks: fc.integer({ min: 0, max: 5 }),
  seed: fc.integer(),
});

const quadsArb = fc.record({
  n: fc.integer({ min: 1, max: 3 }),
  c: fc.integer({ min: 1, max: 9 }),
  ho: fc.integer({ min: 1, max: 9 }),
  wo: fc.integer({ min: 1, max: 13 }),
  gap: fc.integer({ min: 0, max: 4 }),
  extraRows: fc.integer({ min: 0, max: 3 }),
  seed: fc.integer(),
});

/** stackLast (device input on a resident runtime) or stackLastOnDevice against stackChannelsLast, exactly. */
const checkStackLast = async (rt: Runtime, shape: Shape, hs: number, ws: number, cp: number, seed: number): Promise<void> => {
  const x = randomTensor(shape, seed);
  const ref = stackChannelsLast(x.data, shape, hs, ws, cp);
  expect(ref.length).toBe(cp * ws * shape[0] * hs);
  // spot values: channel fastest, zeros outside the image and in padded channels
  const [, c, h, w] = shape;
  if (h > 0 && w > 0 && c > 0) expect(ref[((0 * hs + h - 1) * ws + w - 1) * cp + c - 1]).toBe(x.data[((0 * c + c - 1) * h + h - 1) * w + w - 1]);
  const got = await rt.scope(async () => {
    const s = rt.resident ? await stackLast(rt, await uploadTensor(rt, x), hs, ws, cp) : await stackLastOnDevice(rt, x, hs, ws, cp);
    if (rt.resident) expect(isDeviceArray(s)).toBe(true);
    return Float32Array.from(await rt.read(s));
  });
  expectSameBits(got, ref);
  if (!rt.resident) expectSameBits(Float32Array.from((await stackLast(rt, x, hs, ws, cp)) as Float32Array), ref);
};

describe.each(testBackends)('conv layout kernels on %s', (backend: BackendName) => {
  it('stackLast = stackChannelsLast exactly (channel fastest; batches, padded rows, columns and channels)', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(stackArb, async ({ n, c, h, w, seed }) => {
        await checkStackLast(rt, [n, c, h, w], h + 2, 8 * Math.ceil(w / 8), lanes(c), seed);
      }),
      { numRuns: 25 },
    );
    await checkStackLast(rt, [2, 3, 6, 5], 8, 8, 4, 3); // dw 3×3: dy of a batch of 2, Cout' = 4
  });

  it('stack = stackPlanes exactly (random shapes: batches, crops, padding, extra rows and zero stacks)', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(stackArb, async ({ n, c, h, w, dhs, dws, top, left, extra, extraStacks, seed }) => {
        await checkStack(rt, [n, c, h, w], Math.max(1, h + dhs), Math.max(1, w + dws), top, left, extra, c + extraStacks, seed);
      }),
      { numRuns: 25 },
    );
    expect(rt.fallbacks().size).toBe(0);
  });

  it('stack: the cases conv2d and upConv2 use, and the unchanged layout (no copy)', async () => {
    const rt = await runtimeFor(backend);
    await checkStack(rt, [2, 3, 7, 6], 9, 4 * 2 + 2, 1, 1, 0, 3, 1); // forward, pad 1, batch of 2
    await checkStack(rt, [1, 2, 5, 5], 5, 8 + 4, -1, -1, 0, 2, 2); // dx with pad 5 > k − 1 = 4: crop
    await checkStack(rt, [2, 3, 6, 5], 8, 8, 0, 0, 0, 4, 3); // dw 3×3: dy with zero stacks to Cout'
    await checkStack(rt, [2, 2, 8, 7], 8, 8 + 2, 1, 1, 2, 2, 4); // dw 3×3: x with 2 extra rows
    await checkStack(rt, [1, 4, 6, 6], 6, 6, 0, 0, 0, 4, 5); // unchanged layout
    await checkStack(rt, [1, 1, 3, 3], 2, 2, 5, 5, 1, 2, 6); // everything cropped: all zeros
  });

  it('pad = padPlanes exactly (every plane of a batch, crops and padding)', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(stackArb, async ({ n, c, h, w, dhs, dws, top, left, seed }) => {
        await checkPad(rt, [n, c, h, w], Math.max(1, h + dhs), Math.max(1, w + dws), top, left, seed);
      }),
      { numRuns: 15 },
    );
    await checkPad(rt, [2, 3, 5, 6], 9, 10, 2, 2, 7);
    await checkPad(rt, [2, 3, 5, 6], 3, 4, -1, -2, 8);
  });

  it('unquads = fromQuads exactly (padded channels and columns, batches with a row stride)', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(quadsArb, async ({ n, c, ho, wo, gap, extraRows, seed }) => {
        await checkUnquads(rt, n, c, ho, wo, ho + gap, extraRows, seed);
      }),
      { numRuns: 25 },
    );
    await checkUnquads(rt, 2, 5, 7, 10, 9, 0, 9); // conv2d 3×3 forward, batch of 2: stride Hp
    await checkUnquads(rt, 1, 8, 4, 8, 4, 0, 10);
  });

  it('unUpQuads = fromUpQuads exactly', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(quadsArb, async ({ n, c, ho, wo, seed }) => {
        await checkUnUpQuads(rt, n, c, ho, wo, seed);
      }),
      { numRuns: 25 },
    );
    await checkUnUpQuads(rt, 2, 4, 3, 8, 11);
    await checkUnUpQuads(rt, 1, 3, 5, 5, 12);
  });

  // Not skipped on a software WebGPU adapter (isSoftwareBackend): these copies take ~10 s there,
  // and webgpu is the backend that runs them in training.
  it('paper sizes (beyond 2^24 values): 64×570×570 stacked, padded and reordered', async () => {
    const rt = await runtimeFor(backend);
    // conv2d 64→64 forward at 570: input padded to 4·142 + 2 columns; dx of a 3×3 valid conv: dy padded by 2.
    await checkStack(rt, [1, 64, 570, 570], 570, 4 * 142 + 2, 0, 0, 0, 64, 21);
    await checkPad(rt, [1, 64, 568, 568], 572, 572, 2, 2, 22);
    await checkUnquads(rt, 1, 64, 570, 570, 572, 0, 23);
    await checkUnUpQuads(rt, 1, 64, 285, 285, 24);
    await checkStackLast(rt, [1, 64, 568, 568], 570, 568, 64, 25); // dw 3×3 of the 64→64 conv at 570
  });
});
