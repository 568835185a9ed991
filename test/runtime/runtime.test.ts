import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { arg1d, arg3d, createRuntime, flatten, type KernelSpec } from '../../src/runtime/runtime.js';
import type { KernelThis } from '../../src/runtime/gpujs.js';
import { maxErrors } from '../../src/tensor/tensor64.js';
import { isDeviceArray, type Stored } from '../../src/tensor/device-tensor.js';
import { rng } from '../../src/tensor/random.js';
import { disposeRuntimes, runtimeFor, testBackends } from '../helpers/backends.js';

afterAll(disposeRuntimes);

const randomData = (n: number, seed: number): Float32Array => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r.normal() * 10);
};

// Kernel sources are module-level so the runtime's cache sees one function per kernel.
const add3 = function (this: KernelThis, a: number[][][], b: number[][][]): number {
  return a[this.thread.z]![this.thread.y]![this.thread.x]! + b[this.thread.z]![this.thread.y]![this.thread.x]!;
};

/** 4 outputs per thread over a flat input: [2a, b + 1, c − d, d·a] for (a, b, c, d) = x[4i…4i+3]. */
const quad = function (this: KernelThis, x: number[]): number[] {
  const i = (this.thread.y * this.constants.width! + this.thread.x) * 4;
  const a = x[i]!;
  const b = x[i + 1]!;
  const c = x[i + 2]!;
  const d = x[i + 3]!;
  return [a * 2, b + 1, c - d, d * a];
};
const quadRef = (x: Float32Array): Float64Array =>
  Float64Array.from({ length: x.length }, (_, j) => {
    const i = j - (j % 4);
    const [a, b, c, d] = [x[i]!, x[i + 1]!, x[i + 2]!, x[i + 3]!];
    return [a * 2, b + 1, c - d, d * a][j % 4]!;
  });

const firstRow = function (this: KernelThis, a: number[][][]): number {
  return a[0]![0]![this.thread.x]!;
};

const affine = function (this: KernelThis, a: number[]): number {
  return a[this.thread.x]! * this.constants.scale! + this.constants.shift!;
};

/** Integers below 2^20 whose sums are exact in float32, distinct enough to catch a misread element; made once per file. */
let big: { a: Float32Array; b: Float32Array } | undefined;
const bigInputs = (n: number): { a: Float32Array; b: Float32Array } => {
  if (big?.a.length !== n) {
    const a = new Float32Array(n);
    const b = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = i % 1_000_003;
      b[i] = (i * 7) % 999_983;
    }
    big = { a, b };
  }
  return big;
};

const dims3 = fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }));

// Tolerance: one float32 rounding of a single +, −, × (relative 2^−24 ≈ 6e−8); 1e−6 allows a GPU's
// slightly less careful rounding without hiding a wrong element.
describe.each(testBackends)('kernels on %s', (backend) => {
  it('runs on the requested backend', async () => {
    const rt = await runtimeFor(backend);
    expect(rt.backend).toBe(backend);
  });

  it('a 3-D kernel adding two arrays matches the float64 reference', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(dims3, fc.integer(), async ([x, y, z], seed) => {
        const a = randomData(x * y * z, seed);
        const b = randomData(x * y * z, seed + 1);
        const spec: KernelSpec = { op: 'test.add3', source: add3, output: [x, y, z], constants: {} };
        const out = await rt.run(spec, [arg3d(a, x, y, z), arg3d(b, x, y, z)]);
        expect(out).toBeInstanceOf(Float32Array);
        expect(out.length).toBe(x * y * z);
        const ref = Float64Array.from(a, (v, i) => v + b[i]!);
        expect(maxErrors(out, ref).rel).toBeLessThan(1e-6);
      }),
      { numRuns: 12 },
    );
    expect(rt.fallbacks().size).toBe(0);
  });

  it('a vec4 kernel returns 4 consecutive x values per thread, matching the reference', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 4 }), fc.integer(), async (w, h, seed) => {
        const x = randomData(4 * w * h, seed);
        const spec: KernelSpec = { op: 'test.quad', source: quad, output: [w, h], constants: { width: w }, vec4: true };
        const out = await rt.run(spec, [arg1d(x)]);
        expect(out.length).toBe(4 * w * h);
        expect(maxErrors(out, quadRef(x)).rel).toBeLessThan(1e-6);
      }),
      { numRuns: 10 },
    );
  });

  it('3-D arguments are read exactly above 2^24 elements (a 64×570×570 add, docs/gpujs-traps.md trap 1)', async () => {
    const rt = await runtimeFor(backend);
    const [x, y, z] = [570, 570, 64];
    const n = x * y * z;
    expect(n).toBeGreaterThan(2 ** 24);
    const { a, b } = bigInputs(n);
    const out = await rt.run({ op: 'test.add3', source: add3, output: [x, y, z], constants: {} }, [arg3d(a, x, y, z), arg3d(b, x, y, z)]);
    expect(out.length).toBe(n);
    let bad = -1;
    for (let i = 0; i < n && bad < 0; i++) if (out[i] !== a[i]! + b[i]!) bad = i;
    expect(bad).toBe(-1);
  });

  it('bakes constants in: one compiled kernel per constants, reused across calls', async () => {
    const rt = await runtimeFor(backend);
    const a = Float32Array.from([1, 2, 3, 4, 5]);
    const k0 = rt.stats().kernels;
    const c0 = rt.stats().calls;
    const run = (scale: number, shift: number): Promise<Float32Array> =>
      rt.run({ op: 'test.affine', source: affine, output: [5], constants: { scale, shift } }, [arg1d(a)]);
    expect(Array.from(await run(2, 1))).toEqual([3, 5, 7, 9, 11]);
    expect(Array.from(await run(2, 1))).toEqual([3, 5, 7, 9, 11]);
    expect(Array.from(await run(-1, 0.5))).toEqual([-0.5, -1.5, -2.5, -3.5, -4.5]);
    expect(rt.stats().kernels - k0).toBe(2);
    expect(rt.stats().calls - c0).toBe(3);
  });

  it('one compiled kernel per argument size too: the same spec with a longer argument runs (gpu.js bakes sizes)', async () => {
    const rt = await runtimeFor(backend);
    const spec = { op: 'test.firstRow', source: firstRow, output: [4] as [number], constants: {} };
    // the same output and constants, arguments of 2 and 3 rows: two kernels, both right
    expect(Array.from(await rt.run(spec, [arg3d(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 4, 2, 1)]))).toEqual([1, 2, 3, 4]);
    expect(Array.from(await rt.run(spec, [arg3d(Float32Array.from([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0]), 4, 3, 1)]))).toEqual([9, 8, 7, 6]);
  });

  it('a result is not overwritten by the next call, and inputs are not written', async () => {
    const rt = await runtimeFor(backend);
    for (const [x, y, z] of [[3, 2, 2], [64, 32, 4]] as const) {
      const n = x * y * z;
      const spec: KernelSpec = { op: 'test.add3', source: add3, output: [x, y, z], constants: {} };
      const a = randomData(n, 1);
      const b = randomData(n, 2);
      const c = randomData(n, 3);
      const [a0, b0, c0] = [a.slice(), b.slice(), c.slice()];
      const first = await rt.run(spec, [arg3d(a, x, y, z), arg3d(b, x, y, z)]);
      const kept = first.slice();
      const second = await rt.run(spec, [arg3d(c, x, y, z), arg3d(c, x, y, z)]);
      const third = await rt.run(spec, [arg3d(b, x, y, z), arg3d(c, x, y, z)]);
      expect(Buffer.from(first.buffer, first.byteOffset, first.byteLength).equals(Buffer.from(kept.buffer))).toBe(true);
      expect(second.buffer).not.toBe(first.buffer);
      expect(third.buffer).not.toBe(second.buffer);
      expect(maxErrors(second, Float64Array.from(c, (v) => 2 * v)).rel).toBeLessThan(1e-6);
      for (const [arr, copy] of [[a, a0], [b, b0], [c, c0]] as const) expect(arr).toEqual(copy);
      for (const arr of [a, b, c]) expect(first.buffer).not.toBe(arr.buffer);
    }
  });
});

describe.each(testBackends)('compute, read, upload and scopes on %s', (backend) => {
  it('chains kernels device to device: a vec4 result feeds a 3-D kernel through another view', async () => {
    const rt = await runtimeFor(backend);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }), fc.integer(), async (w, h, seed) => {
        const x = randomData(4 * w * h, seed);
        const y = randomData(4 * w * h, seed + 1);
        const before = rt.stats().deviceArrays;
        const out = await rt.scope(async () => {
          const q = await rt.compute({ op: 'test.quad', source: quad, output: [w, h], constants: { width: w }, vec4: true }, [arg1d(x)]);
          expect(isDeviceArray(q)).toBe(rt.resident);
          expect(q.length).toBe(4 * w * h);
          const up = await rt.upload(y);
          // The vec4 result seen as [4w, h, 1] scalars, added to an uploaded array seen as [2w, 2h, 1].
          const s = await rt.compute({ op: 'test.add3', source: add3, output: [4 * w, h, 1], constants: {} }, [arg3d(q, 4 * w, h, 1), arg3d(up, 4 * w, h, 1)]);
          return rt.read(s);
        });
        // The quad values are float32 before the add: round them so the add alone is compared.
        const ref = quadRef(x).map((v, i) => Math.fround(v) + y[i]!);
        expect(maxErrors(out, ref).rel).toBeLessThan(1e-6);
        expect(rt.stats().deviceArrays).toBe(before);
      }),
      { numRuns: 8 },
    );
  });

  it('a device array used after its scope ended is refused with a clear error (host arrays need no freeing)', async () => {
    const rt = await runtimeFor(backend);
    let leaked: Stored | undefined;
    await rt.scope(async () => {
      leaked = await rt.upload(Float32Array.of(7));
    });
    if (rt.resident) await expect(rt.read(leaked!)).rejects.toThrow(/used after it was freed/);
    else expect(Array.from(await rt.read(leaked!))).toEqual([7]);
  });
});

describe('createRuntime', () => {
  it("createRuntime({ backend: 'cpu' }).backend === 'cpu'", async () => {
    const rt = await createRuntime({ backend: 'cpu' });
    try {
      expect(rt.backend).toBe('cpu');
      expect(rt.fallbacks().size).toBe(0);
    } finally {
      await rt.dispose();
    }
  });

  it('a disposed runtime refuses to run, naming the op; dispose is idempotent', async () => {
    const rt = await createRuntime({ backend: 'cpu' });
    await rt.dispose();
    await rt.dispose();
    await expect(rt.run({ op: 'test.affine', source: affine, output: [1], constants: { scale: 1, shift: 0 } }, [arg1d(new Float32Array(1))])).rejects.toThrow(
      /test\.affine: the runtime has been disposed/,
    );
  });
});

describe('kernel arguments', () => {
  it('arg1d / arg3d describe the data; arg3d rejects a wrong length', () => {
    const d = new Float32Array(24);
    expect(arg1d(d)).toEqual({ data: d, dims: [24] });
    expect(arg3d(d, 4, 3, 2).dims).toEqual([4, 3, 2]);
    expect(arg3d(d, 4, 3, 2).data).toBe(d);
    expect(() => arg3d(d, 4, 3, 3)).toThrow(/24 values viewed as 4×3×3/);
  });
});

describe('flatten', () => {
  it('returns a flat result of the right length as is, and trims a longer one', () => {
    const f = Float32Array.from([1, 2, 3, 4]);
    expect(flatten(f, 4)).toBe(f);
    expect(Array.from(flatten(f, 3))).toEqual([1, 2, 3]);
  });

  it('concatenates nested rows in order (zero-copy when they are one contiguous buffer)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), (x, y, z, shared) => {
        const n = x * y * z;
        const flat = Float32Array.from({ length: n }, (_, i) => i);
        const row = (zi: number, yi: number): Float32Array => {
          const o = (zi * y + yi) * x;
          return shared ? flat.subarray(o, o + x) : flat.slice(o, o + x);
        };
        const nested = Array.from({ length: z }, (_, zi) => Array.from({ length: y }, (_, yi) => row(zi, yi)));
        const out = flatten(nested, n);
        expect(Array.from(out)).toEqual(Array.from(flat));
        if (shared) expect(out.buffer).toBe(flat.buffer);
        else expect(out.buffer).not.toBe(flat.buffer);
      }),
    );
  });

  it('copies rows that are not contiguous in one buffer, and throws on a wrong total', () => {
    const back = new Float32Array([9, 1, 2, 9, 3, 4]);
    const out = flatten([back.subarray(1, 3), back.subarray(4, 6)], 4);
    expect(Array.from(out)).toEqual([1, 2, 3, 4]);
    expect(out.buffer).not.toBe(back.buffer);
    expect(() => flatten([new Float32Array(2), new Float32Array(3)], 4)).toThrow(/returned 5 values, expected 4/);
    expect(flatten([], 3)).toEqual(new Float32Array(3));
  });
});
