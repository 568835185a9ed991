/**
 * onnxruntime as an inference engine (src/export/onnx-runtime.ts): `segmentImage` with
 * `onnxForward(model)` gives the labels of the GPU.js engine and probabilities within 1e-4 (the
 * tolerance test/infer/tiles.test.ts and test/export/onnx.test.ts hold probabilities to), with
 * one session for every tile; a refused tile names the nearest valid sizes; a missing
 * onnxruntime-node names the package and the install command. onnxruntime runs on one thread
 * here (the machine is shared).
 */
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OnnxInputError } from '../../src/export/onnx-input.js';
import { loadOnnxruntime, onnxForward, ONNXRUNTIME_INSTALL, type OrtModule } from '../../src/export/onnx-runtime.js';
import { InferenceError } from '../../src/infer/inference-error.js';
import { segmentImage, type Segmentation } from '../../src/infer/tiles.js';
import type { LoadedEntry } from '../../src/data/dataset.js';
import { evaluateModel } from '../../src/infer/evaluate.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { randomImage, randomModel } from '../infer/helpers.js';
import { maxAbs } from './helpers.js';

// onnxruntime-node's own types fit the structural ones the engine is written against
const fits: OrtModule = ort;

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ backend: 'cpu' });
});
afterAll(async () => rt.dispose());

const TOL = 1e-4;

/** Labels identical, every kept probability map within TOL; returns the max |Δp|. */
const expectSame = (a: Segmentation, b: Segmentation): number => {
  expect(b.tiles).toBe(a.tiles);
  expect(b.tile).toBe(a.tile);
  expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
  expect(b.probs.length).toBe(a.probs.length);
  const worst = Math.max(0, ...a.probs.map((p, k) => maxAbs(p, b.probs[k]!)), a.foreground && b.foreground ? maxAbs(a.foreground, b.foreground) : 0);
  expect(worst).toBeLessThan(TOL);
  return worst;
};

describe('onnxForward: onnxruntime as the engine of segmentImage', () => {
  it('equals the GPU.js engine on a tiny random model (several tiles, 3 classes, tta), one session for all tiles', async () => {
    expect(typeof fits.InferenceSession.create).toBe('function');
    const create = vi.spyOn(ort.InferenceSession, 'create');
    const model = randomModel({ depth: 2, base: 2, classes: 3, tile: 64 }, 4);
    const onnx = await onnxForward(model, { threads: 1 });
    try {
      expect(onnx.engine).toBe('onnxruntime');
      const img = randomImage(45, 38, 1, 3);
      for (const opts of [{ tile: 64 }, { tile: 60, tta: true, keep: 'foreground' as const }]) {
        const worst = expectSame(await segmentImage(rt, model, img, opts), await segmentImage(onnx, model, img, opts));
        console.log(`onnx vs gpujs ${JSON.stringify(opts)}: max |Δp| ${worst.toExponential(2)}`);
      }
      expect(create).toHaveBeenCalledTimes(1);
    } finally {
      create.mockRestore();
      await onnx.dispose();
    }
  });

  it('evaluateModel takes the engine too', async () => {
    const model = randomModel({ depth: 2, base: 2, tile: 64 }, 1);
    const img = randomImage(30, 26, 1, 5);
    const truth = await segmentImage(rt, model, img, { keep: 'none' });
    const map = { width: 30, height: 26, data: Int32Array.from(truth.labels) };
    const entry: LoadedEntry = { key: 'a', stem: 'a', image: img, labels: { classes: map, instances: map, numClasses: 2 } };
    const onnx = await onnxForward(model, { threads: 1 });
    try {
      const [a, b] = [await evaluateModel(rt, model, [entry]), await evaluateModel(onnx, model, [entry])];
      expect(b.images[0]!.pixelError).toBe(a.images[0]!.pixelError);
      expect(b.images[0]!.pixelError).toBe(0);
    } finally {
      await onnx.dispose();
    }
  });

  it('an engine made for another model is refused', async () => {
    const [m1, m2] = [randomModel({ depth: 2, base: 2, tile: 64 }, 1), randomModel({ depth: 2, base: 2, tile: 64 }, 2)];
    const onnx = await onnxForward(m1, { threads: 1 });
    try {
      await expect(segmentImage(onnx, m2, randomImage(20, 20, 1, 1))).rejects.toThrow('segmentImage: the onnxruntime engine was made for another model');
    } finally {
      await onnx.dispose();
    }
  });

  it('a tile onnxruntime refuses is an OnnxInputError naming the nearest valid sizes', async () => {
    const model = randomModel({ depth: 2, base: 2, tile: 64 }, 1);
    const onnx = await onnxForward(model, { threads: 1 });
    try {
      const err = await onnx.forwardTile(new Float32Array(62 * 62), 62).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(OnnxInputError);
      expect((err as Error).message).toMatch(/^input height 62 and width 62 are not valid sizes for this U-Net \(depth 2, valid padding; valid: 44 \+ 4k\): nearest valid sizes 60 or 64\. onnxruntime said: /);
      // segmentImage checks the tile before any engine sees it: the message of the GPU.js engine
      await expect(segmentImage(onnx, model, randomImage(20, 20, 1, 1), { tile: 62 })).rejects.toThrow('nearest valid sizes: 60 or 64');
    } finally {
      await onnx.dispose();
    }
  });

  it('without onnxruntime-node: an InferenceError naming the package and the install command', async () => {
    const missing = await loadOnnxruntime('onnxruntime-node-not-installed').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(InferenceError);
    expect((missing as Error).message).toBe(
      `the onnx engine needs onnxruntime-node (an optional peer dependency of unet-ts), which is not installed; install it with: ${ONNXRUNTIME_INSTALL}`,
    );
    expect(ONNXRUNTIME_INSTALL).toBe('npm install onnxruntime-node@^1.30.0');
    await expect(onnxForward(randomModel({}, 1), { specifier: 'onnxruntime-node-not-installed' })).rejects.toThrow(/needs onnxruntime-node .*npm install onnxruntime-node/);
  });
});
