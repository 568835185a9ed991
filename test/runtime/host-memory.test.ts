/**
 * Host memory reuse (src/runtime/core.ts): scratch arrays owned by a scope, the pool behind
 * `alloc`/`release`, and transient kernel results (views of webasm memory). A training step
 * reuses its memory instead of allocating it again (tested end to end in test/train).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { arg1d, createRuntime, type KernelSpec } from '../../src/runtime/runtime.js';
import type { KernelThis } from '../../src/runtime/gpujs.js';
import { disposeRuntimes, runtimeFor, testBackends } from '../helpers/backends.js';

afterAll(disposeRuntimes);

const twice = function (this: KernelThis, a: number[]): number {
  return a[this.thread.x]! * 2;
};
const spec = (n: number, transient: boolean): KernelSpec => ({ op: 'test.twice', source: twice, output: [n], constants: {}, transient });

describe('scratch, alloc and release', () => {
  it('a scratch array is zeroed, and handed out again after its scope ends (not before)', async () => {
    const rt = await runtimeFor('cpu');
    const first = await rt.scope(async () => {
      const a = rt.scratch(1000);
      expect(a.every((v) => v === 0)).toBe(true);
      a.fill(7);
      // still owned: a second one in the same scope is another array
      expect(rt.scratch(1000)).not.toBe(a);
      return 'done';
    }).then(() => rt.scope(async () => rt.scratch(1000).length));
    expect(first).toBe(1000);
    const again = await rt.scope(async () => {
      const a = rt.scratch(1000);
      expect(a.every((v) => v === 0)).toBe(true); // reused arrays come back zeroed
      return a.length;
    });
    expect(again).toBe(1000);
  });

  it('a scratch array in the scope result is kept (moves to the enclosing scope), not recycled', async () => {
    const rt = await runtimeFor('cpu');
    const kept = await rt.scope(async () => {
      const a = rt.scratch(512);
      a.fill(3);
      return { tensor: { shape: [1, 1, 16, 32], data: a } };
    });
    // Many scratch arrays of that length later: none may be the kept one.
    await rt.scope(async () => {
      for (let i = 0; i < 4; i++) expect(rt.scratch(512)).not.toBe(kept.tensor.data);
    });
    expect(kept.tensor.data.every((v) => v === 3)).toBe(true);
  });

  it('a view of a scratch array in the scope result keeps the array', async () => {
    const rt = await runtimeFor('cpu');
    const view = await rt.scope(async () => {
      const a = rt.scratch(256);
      a.fill(5);
      return [a.subarray(10, 20)];
    });
    await rt.scope(async () => {
      for (let i = 0; i < 4; i++) rt.scratch(256).fill(9);
    });
    expect(Array.from(view[0]!)).toEqual(new Array(10).fill(5));
  });

  it('release recycles only arrays made by alloc or scratch, once', async () => {
    const rt = await runtimeFor('cpu');
    const a = rt.alloc(333);
    a.fill(1);
    rt.release(a);
    rt.release(a); // a second release must not put it in the pool twice
    const b = rt.alloc(333);
    const c = rt.alloc(333);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(b.every((v) => v === 0)).toBe(true);
    const foreign = new Float32Array(333);
    rt.release(foreign);
    expect(rt.alloc(333)).not.toBe(foreign);
  });
});

describe('pool size', () => {
  it('keeps at most poolBytes of idle arrays, dropping the lengths released longest ago', async () => {
    const rt = await createRuntime({ backend: 'cpu', poolBytes: 4000 });
    try {
      const [a, b, c] = [rt.alloc(600), rt.alloc(400), rt.alloc(500)];
      rt.release(a); // 2400 bytes
      rt.release(b); // 4000 bytes: full
      rt.release(c); // 2000 more: a's length goes
      expect(rt.alloc(600)).not.toBe(a);
      expect(rt.alloc(400)).toBe(b);
      expect(rt.alloc(500)).toBe(c);
    } finally {
      await rt.dispose();
    }
    const none = await createRuntime({ backend: 'cpu', poolBytes: 0 });
    try {
      const d = none.alloc(10);
      none.release(d);
      expect(none.alloc(10)).not.toBe(d);
    } finally {
      await none.dispose();
    }
  });
});

describe.each(testBackends)('transient kernel results on %s', (backend) => {
  it('hold the same values as a copy; on webasm they are views of the kernel memory, valid until its next call', async () => {
    const rt = await runtimeFor(backend);
    const n = 8192; // threaded on webasm (≥ 4096 threads)
    const x = Float32Array.from({ length: n }, (_, i) => i - 100);
    const copy = await rt.compute(spec(n, false), [arg1d(x)]);
    const view = await rt.compute(spec(n, true), [arg1d(x)]);
    const [c, v] = [await rt.read(copy), await rt.read(view)];
    expect(Array.from(v)).toEqual(Array.from(c));
    expect(c[5]).toBe(-190);
    if (backend === 'webasm') {
      expect(v.buffer).toBeInstanceOf(SharedArrayBuffer); // the kernel's own memory
      expect(c.buffer).not.toBeInstanceOf(SharedArrayBuffer); // a copy a later call cannot touch
      await rt.compute(spec(n, false), [arg1d(x.map((e) => e + 1))]);
      expect(c[5]).toBe(-190);
      expect(v[5]).toBe(-188); // overwritten by the next call, as the contract says
    }
  });
});
