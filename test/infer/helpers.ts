/**
 * Test helpers for inference: small random U-Nets, random images, and the whole-image
 * reference that overlap-tile inference must reproduce (paper Sec. 2, Fig. 2).
 */
import * as E from 'fp-ts/lib/Either.js';
import { inferenceCtx } from '../../src/autodiff/tape.js';
import { image, type Image } from '../../src/data/image.js';
import { mirrorPad } from '../../src/data/mirror.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { rng } from '../../src/tensor/random.js';
import type { UNetConfig } from '../../src/unet/config.js';
import { geometry, validAbove } from '../../src/unet/geometry.js';
import { predictLogits } from '../../src/unet/model.js';
import { initParams } from '../../src/unet/params.js';
import type { Model } from '../../src/infer/tiles.js';

/** A valid-padding U-Net with He-initialised weights (non-zero biases, so nothing is trivially 0). */
export const randomModel = (over: Partial<UNetConfig>, seed: number): Model => {
  const config: UNetConfig = { inChannels: 1, classes: 2, depth: 2, base: 2, dropout: 0, padding: 'valid', tile: 60, ...over };
  const r = rng(seed + 7);
  const params = Object.fromEntries(
    Object.entries(initParams(config, seed)).map(([k, t]) => [k, k.endsWith('.bias') ? { shape: t.shape, data: t.data.map(() => 0.1 * r.normal()) } : t]),
  );
  return { config, params };
};

/** A seeded random image, smooth plus noise (values about N(0, 1)). */
export const randomImage = (width: number, height: number, channels: number, seed: number): Image => {
  const r = rng(seed);
  const data = new Float32Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37 + seed) + 0.5 * r.normal();
  return image(width, height, channels, data);
};

/** Softmax over classes of one [1, K, s, s] logits tensor's top-left h × w block, class-major. */
const softmaxPlanes = (logits: Float32Array, k: number, s: number, h: number, w: number): Float32Array[] => {
  const out = Array.from({ length: k }, () => new Float32Array(h * w));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const z = Array.from({ length: k }, (_, c) => logits[(c * s + y) * s + x]!);
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, b) => a + b, 0);
      e.forEach((v, c) => (out[c]![y * w + x] = v / sum));
    }
  }
  return out;
};

/**
 * The whole image as ONE network run: mirror-padded by the halo on the top/left and up to
 * the smallest valid square size on the bottom/right, output cropped to the image.
 */
export const wholeImageProbs = async (rt: Runtime, model: Model, img: Image): Promise<Float32Array[]> => {
  const cfg = model.config;
  const halo = E.getOrElseW(() => {
    throw new Error('bad tile');
  })(geometry(cfg)(cfg.tile)).halo;
  const n = validAbove(cfg, Math.max(img.width, img.height) + 2 * halo);
  const padded = mirrorPad({ top: halo, left: halo, bottom: n - img.height - halo, right: n - img.width - halo })(img);
  const logits = await predictLogits(inferenceCtx(rt), cfg, model.params, { shape: [1, img.channels, n, n], data: padded.data });
  return softmaxPlanes(logits.data, cfg.classes, n - 2 * halo, img.height, img.width);
};

/** Largest |a − b| over two arrays of equal length (Infinity when the lengths differ). */
export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
