/**
 * Issue 18, "never accept a broken image, never return NaN as an answer": random
 * truncations and byte flips of real small PNG, TIFF and safetensors files. Each damaged
 * file must give our named error (DataError / CheckpointError, its message starting with
 * the file's name, never a bare pngjs / utif2 / zlib message), or a decode that is
 * deterministic (decoded twice: identical, so no uninitialised bytes) and finite.
 *
 * What "correct" means differs by format, because only PNG has checksums:
 * - PNG: every chunk carries a CRC, so a damaged file either fails or — when the damage
 *   cannot reach the pixels (a cut after IEND, say) — decodes to exactly the original;
 * - TIFF: no checksums; a flipped byte inside uncompressed pixel data IS a different
 *   valid image. A truncation still fails or decodes to the original, a flip must fail or
 *   decode deterministically to finite values;
 * - safetensors: no checksum either; a damaged file fails or decodes to finite tensors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../../src/checkpoint/checkpoint-error.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/checkpoint/safetensors.js';
import { DataError } from '../../src/data/errors.js';
import { image } from '../../src/data/image.js';
import { decodeImage } from '../../src/data/image-file.js';
import { encodePng } from '../../src/data/png.js';
import { packBits, pngBytes, sampleBytes, tiffBytes, type TiffPage } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NAME = '/uploads/damaged.bin';

/** A truncation (keep the first `at` bytes) or a flip (xor one byte with a non-zero mask). */
type Damage = { readonly kind: 'cut'; readonly at: number } | { readonly kind: 'flip'; readonly at: number; readonly mask: number };

/** Damage anywhere, with extra weight on the headers at the start and the end of the file. */
const damage = (length: number): fc.Arbitrary<Damage> => {
  const at = fc.oneof(fc.integer({ min: 0, max: Math.min(80, length - 1) }), fc.integer({ min: 0, max: length - 1 }), fc.integer({ min: Math.max(0, length - 24), max: length - 1 }));
  return fc.oneof(
    at.map((a): Damage => ({ kind: 'cut', at: a })),
    fc.record({ at, mask: fc.integer({ min: 1, max: 255 }) }).map(({ at: a, mask }): Damage => ({ kind: 'flip', at: a, mask })),
  );
};

const apply = (bytes: Uint8Array, d: Damage): Uint8Array => {
  if (d.kind === 'cut') return bytes.slice(0, d.at);
  const out = bytes.slice();
  out[d.at] = out[d.at]! ^ d.mask;
  return out;
};

type Outcome = { readonly ok: true; readonly dims: readonly number[]; readonly data: Float32Array } | { readonly ok: false; readonly error: unknown };

const decodeOnce = (bytes: Uint8Array, page: number | undefined): Outcome => {
  try {
    const img = decodeImage(bytes, { name: NAME, normalize: 'none', ...(page === undefined ? {} : { page }) });
    return { ok: true, dims: [img.width, img.height, img.channels], data: img.data };
  } catch (error) {
    return { ok: false, error };
  }
};

/** Checks the outcome of damaged image bytes; returns it for format-specific checks. */
const checkImage = (bytes: Uint8Array, page?: number): Outcome => {
  const first = decodeOnce(bytes, page);
  const second = decodeOnce(bytes, page);
  if (!first.ok) {
    expect(first.error).toBeInstanceOf(DataError);
    const e = first.error as DataError;
    expect(e.message.startsWith('uploads/damaged.bin')).toBe(true);
    expect(e.file).toBe(NAME);
    expect(second.ok).toBe(false);
    return first;
  }
  expect(second.ok).toBe(true);
  if (second.ok) {
    expect(second.dims).toEqual(first.dims);
    expect(Buffer.from(second.data.buffer).equals(Buffer.from(first.data.buffer))).toBe(true); // bit-identical, NaN included
  }
  for (let i = 0; i < first.data.length; i++) if (!Number.isFinite(first.data[i]!)) expect.fail(`value ${first.data[i]} at ${i}`);
  return first;
};

const expectOriginal = (got: Outcome, want: Outcome): void => {
  if (!got.ok || !want.ok) return;
  expect(got.dims).toEqual(want.dims);
  expect(Array.from(got.data)).toEqual(Array.from(want.data));
};

const RUNS = { numRuns: 150, seed: 18 } as const;

describe('damaged PNGs: a DataError naming the file, or exactly the original pixels', () => {
  const files: [string, Uint8Array][] = [
    ['examples/embed/cells.png (8-bit grey, 128×128)', fs.readFileSync(path.join(ROOT, 'examples/embed/cells.png'))],
    ['16-bit RGB', encodePng(image(7, 5, 3, Float32Array.from({ length: 105 }, (_, i) => (i * 617) % 65536)), { bitDepth: 16 })],
    ['4-bit palette with a grey tRNS-free palette', pngBytes({ width: 9, height: 4, bitDepth: 4, colorType: 3, samples: Array.from({ length: 36 }, (_, i) => i % 3), palette: [[0, 0, 0], [90, 10, 10], [0, 200, 0]] })],
    ['8-bit grey with tRNS', pngBytes({ width: 6, height: 6, bitDepth: 8, colorType: 0, samples: Array.from({ length: 36 }, (_, i) => i * 7), trns: Uint8Array.of(0, 14) })],
  ];
  it.each(files)('%s', (_, bytes) => {
    const original = decodeOnce(bytes, undefined);
    expect(original.ok).toBe(true);
    fc.assert(
      fc.property(damage(bytes.length), (d) => {
        const got = checkImage(apply(bytes, d));
        // every byte of a PNG up to IEND is covered by the signature check or a CRC
        if (got.ok) expectOriginal(got, original);
      }),
      RUNS,
    );
  });
});

describe('damaged TIFFs: a DataError naming the file, or a deterministic finite decode', () => {
  const values = Array.from({ length: 48 }, (_, i) => (i * 37) % 256);
  const page = (over: Partial<TiffPage>): TiffPage => ({ width: 8, height: 6, bitsPerSample: 8, sampleFormat: 1, samplesPerPixel: 1, photometric: 1, values, ...over });
  const raw = sampleBytes(page({}));
  const files: [string, Uint8Array][] = [
    ['16-bit uint, uncompressed, little-endian', tiffBytes([page({ bitsPerSample: 16, values: values.map((v) => v * 250) })])],
    ['32-bit float, big-endian', tiffBytes([page({ bitsPerSample: 32, sampleFormat: 3, values: values.map((v) => v / 7 - 3) })], false)],
    ['8-bit PackBits, two strips', tiffBytes([page({ compression: 32773, rowsPerStrip: 3, segments: [packBits(raw.subarray(0, 24)), packBits(raw.subarray(24))] })])],
    ['8-bit Deflate', tiffBytes([page({ compression: 8, segments: [zlib.deflateSync(raw)] })])],
  ];
  it.each(files)('%s', (_, bytes) => {
    const original = decodeOnce(bytes, undefined);
    expect(original.ok).toBe(true);
    fc.assert(
      fc.property(damage(bytes.length), (d) => {
        // page 0 explicitly: a flip may make a second page appear
        const got = checkImage(apply(bytes, d), 0);
        if (d.kind === 'cut') expectOriginal(got, original);
      }),
      RUNS,
    );
  });
});

describe('damaged safetensors: a CheckpointError naming the file, or finite tensors', () => {
  const bytes = encodeSafetensors(
    { 'enc0.conv1.weight': { shape: [2, 1, 3, 3], data: Float32Array.from({ length: 18 }, (_, i) => Math.sin(i)) }, 'enc0.conv1.bias': { shape: [2], data: Float32Array.of(0.1, -0.2) } },
    { epoch: '3' },
  );
  it('truncations and flips', () => {
    fc.assert(
      fc.property(damage(bytes.length), (d) => {
        const r = decodeSafetensors(apply(bytes, d), 'runs/model.safetensors');
        if (E.isLeft(r)) {
          expect(r.left).toBeInstanceOf(CheckpointError);
          expect(r.left.message.startsWith('runs/model.safetensors: ')).toBe(true);
          return;
        }
        expect(d.kind).toBe('flip'); // a cut always loses data bytes the header promised
        for (const [, t] of r.right.tensors) {
          expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
          for (const v of t.data) if (!Number.isFinite(v)) expect.fail(`value ${v}`);
        }
      }),
      { numRuns: 200, seed: 18 },
    );
  });
});
