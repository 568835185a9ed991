/** `unet-ts segment`: overlap-tile segmentation of image files (paper Sec. 2, Fig. 2) into PNG outputs. */
import * as path from 'node:path';
import { backendFlag, IMAGE_FILE_OPTIONS, IMAGE_FILE_USAGE, imageFileFlags, outDirFlag, parse, required, inferenceTileFlag, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { readImageFile } from '../../data/image-file.js';
import { imageInputs, loadModel, stemOf } from '../../infer/files.js';
import { segmentFile } from '../../infer/segment-file.js';
import { progressReporter } from '../progress-bar.js';
import { ENGINE_USAGE, engineFlag, openEngine } from '../engine.js';

const usage = `Usage: unet-ts segment --model FILE --out DIR [--tile N] [--tta] [--instances] [--grey]
                        [--engine gpujs|onnx] [--backend webgpu|headlessgl|webasm|cpu|auto] INPUT...

Segments each INPUT (PNG or TIFF files, or folders of them) by overlap-tile inference: output
tiles on the network's 2^depth grid, the border context mirrored (paper Fig. 2), so any image
size works and the result equals one run over the whole image. Images are normalised per image
(zero mean, unit variance), as in training. Writes into DIR, per image <stem>:
  <stem>_prob<k>.png     class k probability, 16-bit grey (p × 65535)
  <stem>_labels.png      the most probable class, 8-bit grey (0, 1, …)
  <stem>_overlay.png     predicted contours (yellow) over the image
  <stem>_instances.png   with --instances: connected components of class 1, 16-bit ids

  --tile N      force the input tile size; a valid size for the model's depth, and at most one
                valid step above the smallest tile that covers the largest input in one tile (or
                the model's own tile, if larger). Default: per image, the tile of least work up
                to the model's own: the smallest tile covering the image in one tile when one
                fits (316 for a 128×128 image with a 572 model), else the smallest tile with the
                fewest tiles. The result does not depend on the tile, only time and memory do.
  --tta         average over the 8 flips/rotations of the image (8× slower)
  --grey        convert RGB images to grey (for one-channel models)
${ENGINE_USAGE}
${IMAGE_FILE_USAGE}
Progress goes to stderr, one line per image to stdout.`;

const sizeOf = (img: { readonly width: number; readonly height: number }): { width: number; height: number } => ({ width: img.width, height: img.height });

export const segment: Command = {
  name: 'segment',
  summary: 'segment images of any size by overlap-tile inference; write probability, label and overlay PNGs',
  usage,
  run: async (argv) => {
    const { values, positionals } = parse(
      'segment',
      argv,
      {
        model: { type: 'string' },
        out: { type: 'string' },
        tile: { type: 'string' },
        tta: { type: 'boolean' },
        instances: { type: 'boolean' },
        grey: { type: 'boolean' },
        backend: { type: 'string' },
        engine: { type: 'string' },
        ...IMAGE_FILE_OPTIONS,
      },
      true,
    );
    // usage first (exit 2), before any file is read
    const modelFile = required('segment', 'model', values['model']);
    const outFlag = required('segment', 'out', values['out']);
    if (positionals.length === 0) throw new UsageError(`segment: no input images; give image files or folders after the flags (see 'unet-ts segment --help')`);
    const backend = backendFlag('segment', values['backend']);
    const engineName = engineFlag('segment', values['engine'], backend);
    const fileOpts = imageFileFlags('segment', values);
    const model = await loadModel(modelFile);
    const files = imageInputs(positionals);
    // --tile forces a size (checked against the model and the images); absent: 'auto' per image
    const tile = inferenceTileFlag('segment', values['tile'], model.config, () => files.map((file) => ({ file, ...sizeOf(readImageFile(file, fileOpts).image) })));
    const outDir = outDirFlag('segment', outFlag);
    const engine = await openEngine(engineName, backend, model);
    const bar = progressReporter(process.stderr);
    const tta = values['tta'] === true;
    try {
      for (const [i, file] of files.entries()) {
        bar.start(`image ${i + 1}/${files.length} ${path.basename(file)}`);
        const r = await segmentFile(engine.forward, file, outDir, { ...fileOpts, tile, tta, instances: values['instances'] === true, grey: values['grey'] === true, onTile: (p) => bar.update(p) });
        bar.finish();
        const { written } = r;
        const objects = written.instances === undefined ? '' : `, ${written.instances} objects`;
        console.log(
          `${file}: ${r.width}×${r.height}, ${r.tiles} tiles of ${r.tile} (${r.tiles / (tta ? 8 : 1)} per pass${tta ? ', 8 passes' : ''}) in ${r.seconds.toFixed(1)} s on ${engine.forward.engine}${objects} → ${written.files.length} files in ${outDir}`,
        );
        if ((written.instances ?? 0) > 65535) console.error(`unet-ts: warning: ${file}: ${written.instances} objects exceed 16 bits; ids in ${stemOf(file)}_instances.png wrap around`);
      }
    } finally {
      await engine.close();
    }
    return 0;
  },
};
