import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { image } from '../../src/data/image.js';
import { readPng } from '../../src/data/png.js';
import { displayGrey, instanceMap, probabilityImage, writeOutputs } from '../../src/infer/outputs.js';
import { outputPngs } from '../../src/infer/output-images.js';
import type { Segmentation } from '../../src/infer/tiles.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unet-infer-outputs-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const segOf = (w: number, h: number, p1: Float32Array): Segmentation => ({
  width: w,
  height: h,
  classes: 2,
  probs: [p1.map((p) => 1 - p), p1],
  foreground: p1,
  labels: Uint8Array.from(p1, (p) => (p > 0.5 ? 1 : 0)),
  tiles: 1,
  tile: 60,
});

describe('writeOutputs', () => {
  it('16-bit probability PNGs decode to the probabilities within 1/65535; labels and instances round-trip', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.integer(), (w, h, seed) => {
        const p1 = Float32Array.from({ length: w * h }, (_, i) => (Math.sin(seed + i * 1.7) + 1) / 2);
        const seg = segOf(w, h, p1);
        const img = image(w, h, 1, Float32Array.from(p1, (p) => 3 * p - 1));
        const { files, instances } = writeOutputs(dir, 'x', img, seg, { instances: true });
        expect(files.map((f) => path.basename(f))).toEqual(['x_prob0.png', 'x_prob1.png', 'x_labels.png', 'x_overlay.png', 'x_instances.png']);
        for (const k of [0, 1]) {
          const raw = readPng(path.join(dir, `x_prob${k}.png`));
          expect(raw.bitDepth).toBe(16);
          raw.image.data.forEach((v, i) => expect(Math.abs(v / 65535 - seg.probs[k]![i]!)).toBeLessThanOrEqual(1 / 65535));
        }
        const labels = readPng(path.join(dir, 'x_labels.png'));
        expect(labels.bitDepth).toBe(8);
        expect(Array.from(labels.image.data)).toEqual(Array.from(seg.labels));
        const ids = readPng(path.join(dir, 'x_instances.png'));
        expect(ids.bitDepth).toBe(16);
        expect(Array.from(ids.image.data)).toEqual(Array.from(instanceMap(seg.labels, w, h).map.data));
        expect(instances).toBe(Math.max(0, ...ids.image.data));
        const overlay = readPng(path.join(dir, 'x_overlay.png')).image;
        expect([overlay.width, overlay.height, overlay.channels]).toEqual([w, h, 3]);
      }),
      { numRuns: 25 },
    );
  });

  it('writes exactly the bytes of outputPngs (what the browser page offers as downloads)', () => {
    const p1 = Float32Array.from({ length: 35 }, (_, i) => (i % 6) / 5);
    const seg = segOf(7, 5, p1);
    const img = image(7, 5, 1, p1);
    const { files, instances } = writeOutputs(dir, 'b', img, seg, { instances: true });
    const pngs = outputPngs(img, seg, { instances: true });
    expect(pngs.instances).toBe(instances);
    expect(pngs.files.map((f) => `b_${f.name}.png`)).toEqual(files.map((f) => path.basename(f)));
    pngs.files.forEach((f, i) => expect(new Uint8Array(fs.readFileSync(files[i]!))).toEqual(f.bytes));
  });

  it('draws predicted contours in yellow and ground truth in magenta over the grey image', () => {
    // predicted object: columns 0–1; truth: columns 2–3 (contours = inner object boundaries)
    const w = 4;
    const p1 = Float32Array.of(1, 1, 0, 0, 1, 1, 0, 0);
    const seg = segOf(w, 2, p1);
    writeOutputs(dir, 'o', image(w, 2, 1, new Float32Array(8)), seg, { truth: [0, 0, 1, 1, 0, 0, 1, 1] });
    const r = readPng(path.join(dir, 'o_overlay.png')).image; // channel-planar RGB
    const px = (x: number, y: number) => [0, 1, 2].map((c) => r.data[(c * r.height + y) * r.width + x]);
    expect(px(0, 0)).toEqual([0, 0, 0]);
    expect(px(1, 0)).toEqual([255, 220, 0]);
    expect(px(2, 1)).toEqual([255, 0, 255]);
    expect(px(3, 1)).toEqual([0, 0, 0]);
  });
});

describe('instanceMap and displayGrey', () => {
  it('counts 4-connected objects of class 1 (diagonal neighbours are separate objects)', () => {
    const { map, count } = instanceMap(Uint8Array.of(1, 0, 1, 0, 1, 0, 2, 2, 1), 3, 3);
    expect(count).toBe(4);
    expect(Array.from(map.data)).toEqual([1, 0, 2, 0, 3, 0, 0, 0, 4]);
  });

  it('probabilityImage scales to 16-bit levels', () => {
    expect(Array.from(probabilityImage(Float32Array.of(0, 0.5, 1), 3, 1).data)).toEqual([0, 32767.5, 65535]);
  });

  it('scales the channel mean to [0, 1]', () => {
    expect(Array.from(displayGrey(image(3, 1, 2, Float32Array.of(0, 2, 4, 2, 4, 6))))).toEqual([0, 0.5, 1]);
    expect(Array.from(displayGrey(image(2, 1, 1, Float32Array.of(5, 5))))).toEqual([0, 0]);
  });
});
