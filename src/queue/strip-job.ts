/**
 * The strip jobs of a large image (`submit --strip-pixels`): each segments some rows of tiles
 * (infer/strips.ts) and leaves them as a file in `<out>/.unet-ts-parts/<image job id>/`,
 * written atomically; the job that finds every strip there puts the image together, writes its
 * outputs as `segment` does (the same bytes: strips assemble to exactly the whole image's
 * segmentation) and removes the parts. Two strips finishing at once may both assemble: the
 * same bytes, written atomically, twice.
 *
 * @example
 * import { runStripJob } from './strip-job.js';
 * declare const forward: TileForward;
 * declare const data: SegmentJobData; // with data.strip
 * const r = await runStripJob(forward, data);
 * r.assembled; // true for the job that completed the image
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stemOf } from '../infer/files.js';
import { InferenceError } from '../infer/inference-error.js';
import { writeOutputs } from '../infer/outputs.js';
import { readInputImage } from '../infer/segment-file.js';
import { assembleStrips, decodeStrip, encodeStrip, segmentStrip } from '../infer/strips.js';
import { imagePlan, type TileForward, type TileProgress } from '../infer/tiles.js';
import { writeFileAtomic } from '../io/atomic.js';
import { jobIdOf, type SegmentJobData } from './jobs.js';

/** Where the strips of `data`'s image wait for each other: named by the whole image's job id. */
export const partsDir = (data: SegmentJobData): string => {
  const { strip: _strip, ...whole } = data;
  return path.join(data.out, '.unet-ts-parts', jobIdOf(whole));
};

/** What a strip job did. */
export interface StripJobResult {
  readonly width: number;
  readonly height: number;
  readonly tiles: number;
  readonly tile: number;
  /** Whether this job put the image together (then `files` holds its outputs). */
  readonly assembled: boolean;
  readonly files: readonly string[];
}

/**
 * Runs the strip `data.strip` of `data.image` and, when every strip is there, assembles the
 * image. Throws the DataError of a bad image, an InferenceError for a strip that does not fit
 * the image's plan.
 *
 * @example
 * declare const forward: TileForward;
 * declare const data: SegmentJobData;
 * await runStripJob(forward, data, (p) => console.log(`${p.done}/${p.total} tiles`));
 */
export const runStripJob = async (forward: TileForward, data: SegmentJobData, onTile?: (p: TileProgress) => void): Promise<StripJobResult> => {
  const strip = data.strip;
  if (strip === undefined) throw new InferenceError(`runStripJob: job for ${data.image} has no strip`);
  const config = forward.model.config;
  const img = readInputImage(data.image, config, data.options);
  const plan = imagePlan(config, img.height, img.width, data.options.tile);
  const part = await segmentStrip(forward, img, plan, strip, onTile);
  if (part.y0 !== strip.y0 || part.y0 + part.height !== strip.y1) {
    throw new InferenceError(`${data.image}: strip ${strip.index} was submitted as rows ${strip.y0}…${strip.y1 - 1}, the image's plan gives ${part.y0}…${part.y0 + part.height - 1}`);
  }
  const dir = partsDir(data);
  const name = (i: number): string => path.join(dir, `strip-${i}.bin`);
  writeFileAtomic(name(strip.index), encodeStrip(part));
  const base = { width: img.width, height: img.height, tiles: part.tiles, tile: plan.tile };
  const names = Array.from({ length: strip.count }, (_, i) => name(i));
  if (!names.every((f) => fs.existsSync(f))) return { ...base, assembled: false, files: [] };
  const seg = assembleStrips(names.map((f) => decodeStrip(fs.readFileSync(f), f)), img.width, img.height, config.classes, plan.tile);
  const written = writeOutputs(data.out, stemOf(data.image), img, seg, { instances: data.options.instances });
  fs.rmSync(dir, { recursive: true, force: true });
  return { ...base, assembled: true, files: written.files };
};
