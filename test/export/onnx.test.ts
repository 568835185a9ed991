/**
 * The exported ONNX graph run by onnxruntime equals unet-ts's network (webasm backend): both
 * shipped models on a real image of their data set (synthetic without ../shared/data) and
 * random networks (tiny, small, and a 'same'-padding one with 2 channels and 3 classes), each
 * at two valid tile sizes. Tolerance: that of the whole-network test (test/unet/model.test.ts),
 * max |error| / max |logit| < 1e-5; the max absolute differences are printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx, onnxMetadata } from '../../src/export/onnx.js';
import { inputSizes, OnnxInputError, onnxInputError } from '../../src/export/onnx-input.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { bundledModel } from '../../src/unet/bundled.js';
import { PRESETS, type UNetConfig } from '../../src/unet/config.js';
import { initParams } from '../../src/unet/params.js';
import type { ModelData } from '../../src/unet/checkpoint.js';
import { normRel } from '../helpers/compare.js';
import { segmentImage } from '../../src/infer/tiles.js';
import { mirrorIndex } from '../../src/data/mirror.js';
import { validAbove } from '../../src/unet/geometry.js';
import { randomTensor } from '../helpers/random.js';
import { argmax, cropTensor, maxAbs, runOnnx, sampleImage, unetLogits } from './helpers.js';

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ backend: 'webasm' });
});
afterAll(async () => rt.dispose());

const TOL = 1e-5;

describe('exportOnnx: onnxruntime reproduces unet-ts', () => {
  it.each([
    ['isbi2012-small', 'isbi2012', [[188, 188], [268, 236]]],
    ['dsb2018-small', 'dsb2018', [[188, 188], [268, 236]]],
  ] as const)('%s on a tile of a %s image', async (name, set, tiles) => {
    const model = await loadCheckpoint(bundledModel(name));
    const bytes = await exportOnnx(model);
    const { image, source } = sampleImage(set);
    for (const [h, w] of tiles) {
      const x = cropTensor(image, h, w);
      const [ours, theirs] = [await unetLogits(rt, model, x), await runOnnx(bytes, x)];
      expect(theirs.shape).toEqual(ours.shape);
      const labels = argmax(ours);
      const same = argmax(theirs).reduce((n, l, i) => n + (l === labels[i] ? 1 : 0), 0);
      console.log(`${name} ${h}×${w} (${source}): max |Δlogit| ${maxAbs(theirs.data, ours.data).toExponential(2)}, rel ${normRel(theirs.data, ours.data).toExponential(2)}, labels equal ${same}/${labels.length}`);
      expect(normRel(theirs.data, ours.data)).toBeLessThan(TOL);
      expect(same).toBe(labels.length);
    }
  });

  it.each([
    ['isbi2012-small', 'isbi2012'],
    ['dsb2018-small', 'dsb2018'],
  ] as const)('%s on a whole %s image, mirror-padded to a valid size: the labels of unet-ts segment', async (name, set) => {
    const model = await loadCheckpoint(bundledModel(name));
    const { image, source } = sampleImage(set);
    const seg = await segmentImage(rt, model, image, { tta: false, keep: 'all' });
    // What the README's Python snippet does: reflect-pad by the halo (numpy 'reflect' = unet-ts's
    // mirror) and up to a valid size, run the graph once, keep the image's own pixels.
    const { halo } = inputSizes(model.config);
    const [H, W] = [validAbove(model.config, image.height + 2 * halo), validAbove(model.config, image.width + 2 * halo)];
    const x = new Float32Array(H * W);
    for (let y = 0; y < H; y++) for (let c = 0; c < W; c++) x[y * W + c] = image.data[mirrorIndex(image.height, y - halo) * image.width + mirrorIndex(image.width, c - halo)]!;
    const logits = await runOnnx(await exportOnnx(model), { shape: [1, 1, H, W], data: x });
    const [, , h, w] = logits.shape;
    let same = 0;
    let worst = 0;
    for (let y = 0; y < image.height; y++)
      for (let c = 0; c < image.width; c++) {
        const [l0, l1] = [logits.data[y * w + c]!, logits.data[h * w + y * w + c]!];
        const p1 = 1 / (1 + Math.exp(l0 - l1));
        const i = y * image.width + c;
        worst = Math.max(worst, Math.abs(p1 - seg.probs[1]![i]!));
        if ((l1 > l0 ? 1 : 0) === seg.labels[i]) same++;
      }
    const n = image.width * image.height;
    console.log(`${name} whole image ${image.width}×${image.height} (${source}), one ${H}×${W} run: labels equal ${same}/${n}, max |Δp| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-4); // as test/infer/tiles.test.ts compares tiled and whole-image probabilities
    expect(same).toBe(n);
  });

  const sameCfg: UNetConfig = { inChannels: 2, classes: 3, depth: 2, base: 4, dropout: 0.5, padding: 'same', tile: 32 };
  it.each([
    ['tiny', PRESETS.tiny, [[1, 124, 124], [2, 140, 132]]],
    ['small', PRESETS.small, [[1, 188, 188], [1, 204, 220]]],
    ['same padding, 2 channels, 3 classes', sameCfg, [[1, 32, 32], [2, 40, 48]]],
  ] as const)('random %s network at two tile sizes', async (label, config, sizes) => {
    const model: ModelData = { config, params: initParams(config, 11) };
    const bytes = await exportOnnx(model);
    for (const [n, h, w] of sizes) {
      const x = randomTensor([n, config.inChannels, h, w], 5);
      const [ours, theirs] = [await unetLogits(rt, model, x), await runOnnx(bytes, x)];
      expect(theirs.shape).toEqual(ours.shape);
      console.log(`random ${label} ${n}×${h}×${w}: max |Δlogit| ${maxAbs(theirs.data, ours.data).toExponential(2)}, rel ${normRel(theirs.data, ours.data).toExponential(2)}`);
      expect(normRel(theirs.data, ours.data)).toBeLessThan(TOL);
    }
  });

  it('probabilities: the softmax of the logits over the classes', async () => {
    const model: ModelData = { config: sameCfg, params: initParams(sameCfg, 3) };
    const x = randomTensor([1, 2, 32, 32], 1);
    const logits = await runOnnx(await exportOnnx(model), x);
    const probs = await runOnnx(await exportOnnx(model, { output: 'probabilities' }), x);
    const hw = 32 * 32;
    for (const i of [0, 100, 1023]) {
      const e = [0, 1, 2].map((c) => Math.exp(logits.data[c * hw + i]!));
      const s = e[0]! + e[1]! + e[2]!;
      for (const c of [0, 1, 2]) expect(probs.data[c * hw + i]).toBeCloseTo(e[c]! / s, 6);
    }
  });
});

describe('exportOnnx: the file', () => {
  it('carries the config and provenance in metadata_props; refuses reserved keys', async () => {
    const model: ModelData = { config: PRESETS.tiny, params: initParams(PRESETS.tiny, 1) };
    const meta = onnxMetadata(await exportOnnx(model, { metadata: { source: 'x.safetensors' } }));
    expect(JSON.parse(meta['unet-ts.config']!)).toEqual(PRESETS.tiny);
    expect(meta['source']).toBe('x.safetensors');
    expect(meta['unet-ts.input']).toContain(`${inputSizes(PRESETS.tiny).min} + 8k`);
    await expect(exportOnnx(model, { metadata: { 'unet-ts.config': '{}' } })).rejects.toThrow(/metadata key 'unet-ts.config' is reserved/);
  });

  it('a size that is not valid fails in onnxruntime; onnxInputError names the nearest valid sizes', async () => {
    const model: ModelData = { config: PRESETS.small, params: initParams(PRESETS.small, 2) };
    const bytes = await exportOnnx(model);
    expect(inputSizes(PRESETS.small)).toEqual({ min: 188, step: 16, halo: 92 });
    for (const [h, w, want] of [
      [200, 200, /input height 200 and width 200 are not valid sizes .*valid: 188 \+ 16k.*nearest valid sizes 188 or 204\. onnxruntime said: /],
      [188, 190, /input width 190 is not a valid size .*nearest valid sizes 188 or 204/],
      [100, 188, /input height 100 is not a valid size .*nearest valid sizes 188 \(the smallest valid size\)/],
    ] as const) {
      const err = await runOnnx(bytes, randomTensor([1, 1, h, w], 3), true).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, `${h}×${w} ran`).toBeInstanceOf(Error);
      const wrapped = onnxInputError(PRESETS.small, h, w, err);
      expect(wrapped).toBeInstanceOf(OnnxInputError);
      expect(wrapped.message).toMatch(want);
      expect(wrapped.cause).toBe(err);
    }
    const other = new Error('something else');
    expect(onnxInputError(PRESETS.small, 188, 204, other)).toBe(other);
  });
});
