/**
 * Validation during training: overlap-tile inference of the held-out images (the same path
 * `segment` uses), their metrics, and an overlay PNG per image in `dir`. The score that
 * picks best.safetensors is the mean of the metric chosen by `select` (default 'iou'),
 * signed so that higher is better: foreground IoU, SEG, or minus the pixel / Rand error.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Runtime } from '../runtime/runtime.js';
import type { LoadedEntry } from '../data/dataset.js';
import { evaluateModel } from '../infer/evaluate.js';
import { encodeRgbPng } from '../data/png.js';
import { overlayRaster } from '../infer/outputs.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { UNetConfig } from '../unet/config.js';
import type { Params } from '../unet/params.js';
import type { Validation } from './trainer.js';

/** The metrics that can pick best.safetensors (`train --select`). */
export const SELECTABLE = ['iou', 'pixel', 'rand', 'seg'] as const;
export type Selection = (typeof SELECTABLE)[number];

/** The validation score of `metrics` for `select`: higher is better; −∞ where it is undefined. */
export const selectionScore = (select: Selection, metrics: Readonly<Record<string, number>>): number => {
  const v = { iou: metrics['iou'], pixel: -(metrics['pixelError'] ?? NaN), rand: -(metrics['randError'] ?? NaN), seg: metrics['seg'] }[select] ?? NaN;
  return Number.isNaN(v) ? -Infinity : v;
};

/** `opts.tile`: a fixed inference tile; by default each image gets the least-work tile up to the model's (`tile: 'auto'` of `evaluateModel`). */
export const validator =
  (rt: Runtime, config: UNetConfig, entries: readonly LoadedEntry[], opts: { readonly instances: boolean; readonly dir?: string; readonly tile?: number; readonly select?: Selection }) =>
  async (params: Params): Promise<Validation> => {
    if (opts.dir) mkdirSync(opts.dir, { recursive: true });
    const ev = await evaluateModel(rt, { config, params }, entries, {
      instances: opts.instances,
      ...(opts.tile !== undefined ? { tile: opts.tile } : {}),
      onImage: (_m, seg, entry) => {
        if (opts.dir) writeFileAtomic(join(opts.dir, `${entry.stem}_overlay.png`), encodeRgbPng(overlayRaster(entry.image, seg.labels, entry.labels.classes.data)));
      },
    });
    const metrics = Object.fromEntries(Object.entries(ev.mean).filter(([, v]) => v !== undefined)) as Record<string, number>;
    return { metrics, score: selectionScore(opts.select ?? 'iou', metrics) };
  };
