import { describe, expect, it } from 'vitest';
import { connectedComponents, labelMap } from '../../src/data/labels.js';
import { synthetic } from '../../src/data/synthetic.js';

describe('synthetic cells', () => {
  const a = synthetic()(42);

  const bytes = (t: Float32Array | Int32Array): Buffer => Buffer.from(t.buffer, t.byteOffset, t.byteLength);

  it('is deterministic per seed and differs between seeds', () => {
    const again = synthetic()(42);
    expect(bytes(again.image.data).equals(bytes(a.image.data))).toBe(true);
    expect(bytes(again.instances.data).equals(bytes(a.instances.data))).toBe(true);
    expect(bytes(synthetic()(43).image.data).equals(bytes(a.image.data))).toBe(false);
  });

  it('is a 256×256 one-channel image in [0, 1] with instance ids 1…N', () => {
    expect([a.image.width, a.image.height, a.image.channels]).toEqual([256, 256, 1]);
    expect(a.image.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    const ids = [...new Set(a.instances.data)].sort((x, y) => x - y);
    expect(ids[0]).toBe(0);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i));
    expect(ids.length - 1).toBeGreaterThan(15);
  });

  it('every instance is one connected piece, and some instances touch', () => {
    const cc = connectedComponents(4)(a.instances);
    expect(Math.max(...cc.data)).toBe(Math.max(...a.instances.data));
    const { width: w, data } = a.instances;
    let touching = 0;
    for (let i = 0; i < data.length - 1; i++) if ((i + 1) % w !== 0 && data[i]! > 0 && data[i + 1]! > 0 && data[i] !== data[i + 1]) touching++;
    expect(touching).toBeGreaterThan(10);
  });

  it('foreground is brighter, but no threshold is perfect or splits touching cells', () => {
    const { image, instances } = a;
    const n = image.data.length;
    let best = { err: Infinity, t: 0 };
    for (let t = 0; t <= 1; t += 0.01) {
      let err = 0;
      for (let i = 0; i < n; i++) if (image.data[i]! > t !== instances.data[i]! > 0) err++;
      if (err < best.err) best = { err, t };
    }
    expect(best.err / n).toBeGreaterThan(0.002);
    expect(best.err / n).toBeLessThan(0.05);
    const cc = connectedComponents(4)(labelMap(256, 256, Int32Array.from(image.data, (v) => (v > best.t ? 1 : 0))));
    const cellsPerBlob = new Map<number, Set<number>>();
    for (let i = 0; i < n; i++) {
      if (cc.data[i] && instances.data[i]) cellsPerBlob.set(cc.data[i]!, (cellsPerBlob.get(cc.data[i]!) ?? new Set()).add(instances.data[i]!));
    }
    expect([...cellsPerBlob.values()].some((s) => s.size > 1)).toBe(true);
  });
});
