/**
 * One image file in, its output PNGs out: the work `unet-ts segment` does per image, shared
 * with the queue's workers (src/queue/worker.ts) so that a queued run writes the same bytes.
 * Read and normalise the image (per image, as in training), check its channels against the
 * model, overlap-tile segmentation (./tiles.ts), write the outputs atomically (./outputs.ts).
 *
 * @example
 * import { segmentFile } from './segment-file.js';
 * const forward = gpujsForward(rt, model);
 * const r = await segmentFile(forward, 'cells.png', 'out', { tta: false, instances: true });
 * r.written.files; // ['out/cells_prob0.png', …, 'out/cells_instances.png']
 */
import type { Image } from '../data/image.js';
import { readImage, type ImageFileOptions } from '../data/image-file.js';
import type { UNetConfig } from '../unet/config.js';
import { checkChannels, stemOf } from './files.js';
import { writeOutputs, type Written } from './outputs.js';
import { segmentImage, type TileChoice, type TileForward, type TileProgress } from './tiles.js';

/** How one file is segmented: `segment`'s flags (`--tile`, `--tta`, `--instances`, `--grey`, `--page`, `--max-pixels`). */
export interface SegmentFileOptions {
  /** 'auto' (default: the least-work tile per image) or a valid tile size. */
  readonly tile?: TileChoice;
  readonly tta?: boolean;
  /** Also write `<stem>_instances.png`. */
  readonly instances?: boolean;
  /** Convert RGB to grey (one-channel models). */
  readonly grey?: boolean;
  /** TIFF page (multi-page files). */
  readonly page?: number;
  /** Largest width × height accepted, checked on the header. */
  readonly maxPixels?: number;
  /** Called after every tile. */
  readonly onTile?: (p: TileProgress) => void;
}

/** What `segmentFile` did: the image size, the tiling run and the files written. */
export interface SegmentedFile {
  readonly file: string;
  readonly width: number;
  readonly height: number;
  /** Network runs made (over all 8 passes with tta). */
  readonly tiles: number;
  /** The input tile size run. */
  readonly tile: number;
  readonly written: Written;
  /** Wall time of segmentation and writing. */
  readonly seconds: number;
}

/** `ImageFileOptions` of `opts`, without undefined fields (exactOptionalPropertyTypes). */
const fileOptions = (opts: SegmentFileOptions): ImageFileOptions => ({
  grey: opts.grey === true,
  ...(opts.page !== undefined ? { page: opts.page } : {}),
  ...(opts.maxPixels !== undefined ? { maxPixels: opts.maxPixels } : {}),
});

/**
 * The image of `file` as `segment` feeds it to the network: decoded (`page`, `maxPixels`,
 * `grey` of `opts`), normalised per image, its channels checked against `config`.
 *
 * @example
 * readInputImage('cells.png', model.config, { grey: true }).channels; // 1
 */
export const readInputImage = (file: string, config: UNetConfig, opts: SegmentFileOptions = {}): Image => {
  const img = readImage(file, { ...fileOptions(opts), normalize: 'per-image' });
  checkChannels(config, img, file);
  return img;
};

/**
 * Segments the image `file` with `forward` (an engine made for the model) and writes its
 * outputs into `outDir` (which must exist) as `<stem>_*.png`. Throws the DataError of a bad
 * image file (naming it) or the InferenceError of an image that does not fit the model.
 *
 * @example
 * declare const forward: TileForward;
 * const { tiles, tile } = await segmentFile(forward, 'big.tif', 'out', { onTile: (p) => console.log(p.done, p.total) });
 */
export const segmentFile = async (forward: TileForward, file: string, outDir: string, opts: SegmentFileOptions = {}): Promise<SegmentedFile> => {
  const img = readInputImage(file, forward.model.config, opts);
  const t0 = performance.now();
  const seg = await segmentImage(forward, forward.model, img, {
    tile: opts.tile ?? 'auto',
    tta: opts.tta === true,
    keep: 'all',
    ...(opts.onTile !== undefined ? { onTile: opts.onTile } : {}),
  });
  const written = writeOutputs(outDir, stemOf(file), img, seg, { instances: opts.instances === true });
  return { file, width: img.width, height: img.height, tiles: seg.tiles, tile: seg.tile, written, seconds: (performance.now() - t0) / 1000 };
};
