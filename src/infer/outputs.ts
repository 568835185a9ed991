/**
 * What `segment` writes for one image, named after the image's stem (the files of
 * `outputPngs`, output-images.ts, which a browser page offers as downloads):
 * - `<stem>_prob<k>.png`: class k's softmax probability, 16-bit grey (p · 65535, rounded;
 *   decodes to p within 1/131070);
 * - `<stem>_labels.png`: the argmax class index per pixel, 8-bit grey (0, 1, …, not scaled);
 * - `<stem>_overlay.png`: the image in grey with the predicted contours (yellow) and, when
 *   given, the ground truth's (magenta) over it;
 * - `<stem>_instances.png` (instance tasks): the 4-connected components of class 1, one id
 *   per object, 16-bit (the objects of the paper's cell tasks, Sec. 3.2).
 *
 * @example
 * const seg = await segmentImage(rt, model, img);
 * writeOutputs('out', 'img01', img, seg, { instances: true }).files; // the paths written
 */
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import type { Image } from '../data/image.js';
import { outputPngs, type OutputOptions } from './output-images.js';
import type { Segmentation } from './tiles.js';

export { MAX_ID16, displayGrey, instanceMap, overlayRaster, probabilityImage, type OutputOptions } from './output-images.js';

export interface Written {
  readonly files: readonly string[];
  /** Objects found (with `instances`); ids above 65535 wrap around (1 + (id − 1) mod 65535). */
  readonly instances?: number;
}

/**
 * Writes the probability maps (those `seg` kept), the label image, the overlay and, with
 * `instances`, the instance labels into `dir` (which must exist). Each file is written
 * atomically.
 *
 * @example
 * declare const seg: Segmentation; // of img
 * writeOutputs('/tmp/out', 'cells', img, seg).files; // ['/tmp/out/cells_prob0.png', …]
 */
export const writeOutputs = (dir: string, stem: string, img: Image, seg: Segmentation, opts: OutputOptions = {}): Written => {
  const out = outputPngs(img, seg, opts);
  const files = out.files.map((f) => {
    const file = path.join(dir, `${stem}_${f.name}.png`);
    writeFileAtomic(file, f.bytes);
    return file;
  });
  return out.instances === undefined ? { files } : { files, instances: out.instances };
};
