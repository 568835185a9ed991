/** `unet-ts preview`: what training will see — augmented tiles, label crops, weight maps, sheets. */
import { intFlag, parse, required } from '../args.js';
import type { Command } from '../command.js';
import { preview as writePreview } from '../../preview/preview.js';

const usage = `Usage: unet-ts preview --images DIR --labels DIR [--instances] [--n N] [--seed S] [--tile N] [--depth D] --out DIR

Writes N augmented input tiles with their label crops, Eq. 2 weight maps (heat maps) and a
side-by-side sheet each, exactly as the tile sampler gives them to training.
--instances reads 16-bit instance labels (0 = background, 1…N objects); otherwise labels
are binary masks (two values, or 0 vs non-zero).`;

export const preview: Command = {
  name: 'preview',
  summary: 'write augmented training tiles, labels and weight maps as PNGs to look at',
  usage,
  run: async (argv) => {
    const { values: v } = parse('preview', argv, {
      images: { type: 'string' }, labels: { type: 'string' }, instances: { type: 'boolean' },
      n: { type: 'string' }, seed: { type: 'string' }, tile: { type: 'string' }, depth: { type: 'string' }, out: { type: 'string' },
    });
    const tile = intFlag('preview', 'tile', v['tile']);
    const files = writePreview({
      imagesDir: required('preview', 'images', v['images']),
      labelsDir: required('preview', 'labels', v['labels']),
      instances: v['instances'] === true,
      n: intFlag('preview', 'n', v['n'], 4)!,
      seed: intFlag('preview', 'seed', v['seed'], 0)!,
      depth: intFlag('preview', 'depth', v['depth'], 4)!,
      outDir: required('preview', 'out', v['out']),
      ...(tile !== undefined ? { tile } : {}),
    });
    console.log(`wrote ${files.length} files to ${required('preview', 'out', v['out'])}; sheets: ${files.filter((f) => f.includes('sheet')).join(', ')}`);
    return 0;
  },
};
