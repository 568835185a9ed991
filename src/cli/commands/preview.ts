/** `unet-ts preview`: what training will see — augmented tiles, label crops, weight maps, sheets. */
import { IMAGE_FILE_OPTIONS, IMAGE_FILE_USAGE, imageFileFlags, intIn, outDirFlag, parse, required, SEED_RANGE, tileFlag } from '../args.js';
import { openDataset } from '../../data/dataset.js';
import { readImageFile } from '../../data/image-file.js';
import { minimumInput } from '../../unet/geometry.js';
import type { Command } from '../command.js';
import { preview as writePreview } from '../../preview/preview.js';

const usage = `Usage: unet-ts preview --images DIR --labels DIR [--instances] [--n N] [--seed S] [--tile N] [--depth D] --out DIR

  --n N       samples, 1…10000 (default 4)      --seed S   0…2^32−1 (default 0)
  --depth D   U-Net depth, 1…6 (default 4)
  --tile N    input tile, a valid size for the depth (default: the smallest), at most one valid
              step above the smallest tile whose output covers the largest image

Writes N augmented input tiles with their label crops, Eq. 2 weight maps (heat maps) and a
side-by-side sheet each, exactly as the tile sampler gives them to training.
--instances reads 16-bit instance labels (0 = background, 1…N objects); otherwise labels
are binary masks (at most two values: the lower is background, e.g. 0/255;
three or more values are an error naming the file).
${IMAGE_FILE_USAGE}`;

export const preview: Command = {
  name: 'preview',
  summary: 'write augmented training tiles, labels and weight maps as PNGs to look at',
  usage,
  run: async (argv) => {
    const { values: v } = parse('preview', argv, {
      images: { type: 'string' }, labels: { type: 'string' }, instances: { type: 'boolean' },
      n: { type: 'string' }, seed: { type: 'string' }, tile: { type: 'string' }, depth: { type: 'string' }, out: { type: 'string' },
      ...IMAGE_FILE_OPTIONS,
    });
    const imagesDir = required('preview', 'images', v['images']);
    const labelsDir = required('preview', 'labels', v['labels']);
    const outFlag = required('preview', 'out', v['out']);
    const n = intIn('preview', 'n', v['n'], { min: 1, max: 10_000 }, 4);
    const seed = intIn('preview', 'seed', v['seed'], SEED_RANGE, 0);
    const depth = intIn('preview', 'depth', v['depth'], { min: 1, max: 6 }, 4); // the range model configurations allow
    const instances = v['instances'] === true;
    const files = imageFileFlags('preview', v);
    const tile = tileFlag('preview', v['tile'], { depth }, {
      fallback: minimumInput({ depth }),
      use: 'training',
      images: () =>
        openDataset({ imagesDir, labelsDir, kind: instances ? 'instances' : 'binary', ...files }).entries.map((e) => {
          const { width, height } = readImageFile(e.imagePath, files).image;
          return { file: e.imagePath, width, height };
        }),
    });
    const outDir = outDirFlag('preview', outFlag);
    const written = writePreview({ imagesDir, labelsDir, instances, n, seed, depth, outDir, tile, files });
    console.log(`wrote ${written.length} files to ${outDir}; sheets: ${written.filter((f) => f.includes('sheet')).join(', ')}`);
    return 0;
  },
};
