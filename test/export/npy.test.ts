/**
 * The .npy writer: byte layout (magic, version, 64-byte aligned header), round trip through
 * its own reader, and — where python3 with numpy is installed — numpy's np.load reads what
 * it writes, and it reads what numpy writes.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, readNpy } from '../../src/export/npy.js';

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

describe('npy', () => {
  it('writes version 1.0 with the header padded to 64 bytes and little-endian float32 data', () => {
    const bytes = encodeNpy([1, 2, 3], Float32Array.of(0, 1, 2, 3, 4, -0.5));
    expect([...bytes.subarray(0, 8)]).toEqual([0x93, 78, 85, 77, 80, 89, 1, 0]);
    const headerLen = bytes[8]! | (bytes[9]! << 8);
    expect((10 + headerLen) % 64).toBe(0);
    const header = Buffer.from(bytes.subarray(10, 10 + headerLen)).toString('latin1');
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(1, 2, 3\), \} *\n$/);
    expect(new DataView(bytes.buffer).getFloat32(10 + headerLen + 5 * 4, true)).toBe(-0.5);
  });

  it('round-trips through readNpy, 1-D shapes included; refuses data that does not fit the shape', () => {
    for (const shape of [[5], [2, 2, 1], [1, 1, 7, 3]]) {
      const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i * 0.25 - 1);
      const back = readNpy(encodeNpy(shape, data));
      expect(back.shape).toEqual(shape);
      expect(back.data).toEqual(data);
    }
    expect(() => encodeNpy([2, 2], new Float32Array(3))).toThrow(/shape \[2, 2\] holds 4 values, got 3/);
    expect(() => readNpy(encodeNpy([4], new Float32Array(4)).subarray(0, 136), 't.npy')).toThrow(/t\.npy: .*needs 16 data bytes, the file has 8/);
  });

  it.skipIf(!hasNumpy)('numpy reads what it writes, and it reads what numpy writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'unet-npy-'));
    try {
      const ours = join(dir, 'ours.npy');
      writeFileSync(ours, encodeNpy([1, 2, 3, 2], Float32Array.from({ length: 12 }, (_, i) => i / 3)));
      const theirs = join(dir, 'theirs.npy');
      const py = `import numpy as np\na = np.load(${JSON.stringify(ours)})\nprint(a.dtype, a.shape, float(a[0, 1, 2, 1]))\nnp.save(${JSON.stringify(theirs)}, np.arange(6, dtype=np.float32).reshape(3, 2) / 4)`;
      const r = spawnSync('python3', ['-c', py], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe(`float32 (1, 2, 3, 2) ${Math.fround(11 / 3)}`);
      const back = readNpy(readFileSync(theirs), theirs);
      expect(back.shape).toEqual([3, 2]);
      expect([...back.data]).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
