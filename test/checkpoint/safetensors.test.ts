import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../../src/checkpoint/checkpoint-error.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../../src/checkpoint/safetensors.js';

/** A file from a header string (unpadded) and raw data bytes. */
const file = (header: string, data: number[] = [], lengthField?: number): Uint8Array => {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(lengthField ?? h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
};

const errorOf = (bytes: Uint8Array): string => {
  const r = decodeSafetensors(bytes, 'm.safetensors');
  if (E.isRight(r)) throw new Error('expected a Left');
  expect(r.left).toBeInstanceOf(CheckpointError);
  expect(r.left.file).toBe('m.safetensors');
  return r.left.message;
};

const f32 = (name: string, shape: number[], offsets: [number, number], dtype = 'F32') =>
  `${JSON.stringify(name)}:${JSON.stringify({ dtype, shape, data_offsets: offsets })}`;

describe('encodeSafetensors', () => {
  it('writes the documented layout (hand-made golden file)', () => {
    const bytes = encodeSafetensors({ b: { shape: [2], data: new Float32Array([1, -2]) } }, { epoch: '3' });
    const header = '{"__metadata__":{"epoch":"3"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    // 83 header bytes + 8 length bytes = 91 → padded with 5 spaces to 96: data starts 8-aligned
    expect(header.length).toBe(83);
    const view = new DataView(bytes.buffer);
    expect(view.getBigUint64(0, true)).toBe(88n);
    expect(new TextDecoder().decode(bytes.subarray(8, 96))).toBe(`${header}     `);
    // 1.0f = 0x3f800000, −2.0f = 0xc0000000, little-endian
    expect([...bytes.subarray(96)]).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
  });

  it('orders tensors by name and omits empty metadata', () => {
    const t = (v: number): NamedTensor => ({ shape: [1], data: new Float32Array([v]) });
    const bytes = encodeSafetensors(new Map([['z', t(1)], ['a', t(2)]]));
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))));
    expect(text.trimEnd()).toBe(`{${f32('a', [1], [0, 4])},${f32('z', [1], [4, 8])}}`);
  });

  it('throws on a data length that does not match the shape, or a reserved name', () => {
    expect(() => encodeSafetensors({ w: { shape: [2, 2], data: new Float32Array(3) } })).toThrow(
      "encodeSafetensors: tensor 'w': shape [2, 2] needs 4 values, data has 3",
    );
    expect(() => encodeSafetensors({ __metadata__: { shape: [0], data: new Float32Array(0) } })).toThrow(/cannot be named __metadata__/);
  });
});

describe('decodeSafetensors', () => {
  const name = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s !== '__metadata__');
  const tensor = fc
    .array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 })
    .chain((shape) =>
      fc
        .array(fc.float({ noDefaultInfinity: true, noNaN: true }), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) })
        .map((values): NamedTensor => ({ shape, data: Float32Array.from(values) })),
    );

  it('round-trips random tensors (any rank, finite values and −0 bit-exact) and metadata', () => {
    fc.assert(
      fc.property(fc.dictionary(name, tensor, { maxKeys: 5 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }), (tensors, metadata) => {
        const bytes = encodeSafetensors(tensors, metadata);
        const back = decodeSafetensors(bytes, 'r.safetensors');
        if (E.isLeft(back)) throw back.left;
        expect(back.right.metadata).toEqual(metadata);
        expect([...back.right.tensors.keys()].sort()).toEqual(Object.keys(tensors).sort());
        for (const [k, v] of Object.entries(tensors)) {
          const got = back.right.tensors.get(k)!;
          expect(got.shape).toEqual(v.shape);
          expect(new Uint8Array(got.data.buffer)).toEqual(new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('rejects a NaN or ±Infinity value, naming the tensor, its shape and the index (issue 18: never NaN as an answer)', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const bytes = encodeSafetensors({ a: { shape: [2], data: Float32Array.of(1, 2) }, w: { shape: [2, 2], data: Float32Array.of(0, 1, bad, 3) } });
      const r = decodeSafetensors(bytes, 'diverged.safetensors');
      expect(E.isLeft(r)).toBe(true);
      if (E.isLeft(r)) {
        expect(r.left).toBeInstanceOf(CheckpointError);
        expect(r.left.message).toBe(`diverged.safetensors: tensor 'w' (shape [2, 2]): value ${bad} at index 2; expected finite weights (a diverged training run or a damaged file)`);
      }
    }
  });

  it('copies: decoded tensors do not alias the file bytes', () => {
    const bytes = encodeSafetensors({ w: { shape: [1], data: new Float32Array([5]) } });
    const got = E.getOrElseW(() => undefined)(decodeSafetensors(bytes, 'c'))!.tensors.get('w')!;
    bytes.fill(0);
    expect(got.data[0]).toBe(5);
  });

  it('rejects a truncated file and a header longer than the file', () => {
    expect(errorOf(new Uint8Array(5))).toBe('m.safetensors: file is truncated: 5 bytes, a safetensors file needs at least 8 (the header length)');
    expect(errorOf(file('{}', [], 1000))).toBe(
      'm.safetensors: header length 1000 exceeds the 2 bytes after the length field (file truncated or not safetensors)',
    );
    const whole = encodeSafetensors({ w: { shape: [4], data: new Float32Array(4) } });
    expect(errorOf(whole.subarray(0, whole.length - 3))).toMatch(/tensor 'w': data_offsets \[0, 16\] are out of range: the data section has 13 bytes/);
  });

  it('rejects a header that is not UTF-8, not JSON or not an object', () => {
    const bad = file('{}');
    bad[8] = 0xff;
    expect(errorOf(bad)).toBe('m.safetensors: header is not valid UTF-8');
    expect(errorOf(file('{"a":'))).toMatch(/^m\.safetensors: header is not valid JSON: /);
    expect(errorOf(file('[1, 2]'))).toBe('m.safetensors: header is not a JSON object');
  });

  it('rejects malformed entries and metadata', () => {
    expect(errorOf(file(`{${f32('w', [-1], [0, 0])}}`))).toBe(
      "m.safetensors: tensor 'w': invalid header entry: at shape.0: expected NonNegativeInt, got -1",
    );
    expect(errorOf(file('{"w":{"dtype":"F32","shape":[1]}}', [0, 0, 0, 0]))).toMatch(/tensor 'w': invalid header entry: at data_offsets: expected/);
    expect(errorOf(file('{"__metadata__":{"a":1}}'))).toBe('m.safetensors: __metadata__ must map strings to strings: at a: expected string, got 1');
  });

  it('rejects an unsupported dtype', () => {
    expect(errorOf(file(`{${f32('w', [2], [0, 4], 'F16')}}`, [0, 0, 0, 0]))).toBe(
      'm.safetensors: tensor \'w\': unsupported dtype "F16" (only F32 is supported)',
    );
  });

  it('rejects offsets reversed, out of range, or not shape × 4 bytes', () => {
    const data = Array.from({ length: 8 }, () => 0);
    expect(errorOf(file(`{${f32('w', [0], [8, 4])}}`, data))).toBe("m.safetensors: tensor 'w': data_offsets [8, 4] are reversed (begin > end)");
    expect(errorOf(file(`{${f32('w', [4], [0, 16])}}`, data))).toBe(
      "m.safetensors: tensor 'w': data_offsets [0, 16] are out of range: the data section has 8 bytes",
    );
    expect(errorOf(file(`{${f32('w', [3], [0, 8])}}`, data))).toBe(
      "m.safetensors: tensor 'w': data_offsets [0, 8] hold 8 bytes, shape [3] of F32 needs 12",
    );
  });

  it('rejects overlapping tensors, gaps and trailing bytes', () => {
    const data = Array.from({ length: 12 }, () => 0);
    expect(errorOf(file(`{${f32('a', [2], [0, 8])},${f32('b', [2], [4, 12])}}`, data))).toBe(
      "m.safetensors: tensors 'a' [0, 8) and 'b' [4, 12) overlap",
    );
    expect(errorOf(file(`{${f32('a', [1], [0, 4])},${f32('b', [1], [8, 12])}}`, data))).toBe(
      'm.safetensors: bytes [4, 8) of the data section belong to no tensor (data must be contiguous)',
    );
    expect(errorOf(file(`{${f32('a', [2], [0, 8])}}`, data))).toBe(
      'm.safetensors: bytes [8, 12) of the data section belong to no tensor (data must be contiguous)',
    );
  });

  it('accepts a file from another writer: unpadded header, any key order, empty tensors', () => {
    const data = [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]; // 1.0f, 2.0f
    const r = decodeSafetensors(file(`{${f32('y', [1], [4, 8])},${f32('e', [0, 3], [4, 4])},${f32('x', [1, 1], [0, 4])}}`, data), 'o');
    if (E.isLeft(r)) throw r.left;
    expect([...r.right.tensors.keys()]).toEqual(['x', 'e', 'y']); // data-section order
    expect([...r.right.tensors.get('y')!.data]).toEqual([2]);
    expect(r.right.tensors.get('e')!.shape).toEqual([0, 3]);
    expect(r.right.metadata).toEqual({});
  });
});

describe('decodeSafetensors on a Node Buffer that is a window of a larger block', () => {
  it('reads the window, not the block (Buffer.slice is a view)', () => {
    const t: NamedTensor = { shape: [2, 3], data: Float32Array.of(1, -2, 3.5, 4, 5, -6) };
    const bytes = encodeSafetensors({ w: t });
    const block = Buffer.alloc(bytes.length + 64, 0xff);
    block.set(bytes, 29);
    const r = decodeSafetensors(block.subarray(29, 29 + bytes.length), 'window.safetensors');
    if (E.isLeft(r)) throw r.left;
    expect(Array.from(r.right.tensors.get('w')!.data)).toEqual([1, -2, 3.5, 4, 5, -6]);
  });
});
