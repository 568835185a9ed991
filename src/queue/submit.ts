/**
 * `submitSegmentation`: one BullMQ job per image file (see ./jobs.ts for what a job holds), or
 * per strip of rows of tiles for images above `stripPixels` (./strip-job.ts),
 * added with retries (3 attempts, exponential backoff from 1 s) for failures that may pass
 * (a full disk, a lost connection); a bad image or model fails its job at once (./worker.ts).
 * The batch's job ids are stored in Redis so that `batchStatus` and `waitForBatch` can follow
 * it; the latest batch of a queue is what they follow when no batch is named.
 *
 * @example
 * import { submitSegmentation } from 'unet-ts';
 * const { batch, added } = await submitSegmentation({ redis: 'redis://127.0.0.1:6379', model: 'm.safetensors', out: 'out', inputs: ['images/'] });
 * console.log(`batch ${batch}: ${added} new jobs`);
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../data/errors.js';
import { readImageFile } from '../data/image-file.js';
import { checkedPlan, imageInputs, loadModel } from '../infer/files.js';
import { InferenceError } from '../infer/inference-error.js';
import { stripRows } from '../infer/strips.js';
import type { SegmentFileOptions } from '../infer/segment-file.js';
import { imagePlan } from '../infer/tiles.js';
import type { UNetConfig } from '../unet/config.js';
import { batchIdOf, batchKey, JOB_NAME, jobIdOf, latestBatchKey, QUEUE_DEFAULT, redisOptions, sha256Hex, type BatchRecord, type JobOptions, type SegmentJobData, type StripJob } from './jobs.js';
import { openRedis } from './redis.js';

/** Where to submit, and `segment`'s options (defaults as there; progress is the workers'). */
export interface SubmitOptions extends Omit<SegmentFileOptions, 'onTile'> {
  /** Redis URL, `redis://host:port[/db]`. */
  readonly redis: string;
  /** The model file (every worker must be able to read this path). */
  readonly model: string;
  /** Output folder (created); every worker writes `<stem>_*.png` into it. */
  readonly out: string;
  /** Image files or folders of them, as `segment` takes them. */
  readonly inputs: readonly string[];
  /** Queue name; default QUEUE_DEFAULT. */
  readonly queue?: string;
  /** Tries per job for failures that may pass; default 3. */
  readonly attempts?: number;
  /**
   * Split images into strips of rows of tiles with at most this many output pixels each, one
   * job per strip (./strip-job.ts); an image that fits in one strip stays one job. Absent: one
   * job per image, and images are not decoded at submit. Not with `tta` (ignored there).
   */
  readonly stripPixels?: number;
}

/** What was submitted: the batch, its jobs and how many of them were new to the queue. */
export interface Submitted {
  readonly batch: string;
  readonly queue: string;
  readonly jobs: readonly { readonly id: string; readonly image: string; readonly added: boolean }[];
  /** Jobs not in the queue before (the others are queued, running or done already). */
  readonly added: number;
}

/** Jobs added per round trip (one addBulk). */
const CHUNK = 1000;

const jobOptions = (o: SubmitOptions): JobOptions => ({
  tile: o.tile ?? 'auto',
  tta: o.tta === true,
  instances: o.instances === true,
  grey: o.grey === true,
  ...(o.page !== undefined ? { page: o.page } : {}),
  ...(o.maxPixels !== undefined ? { maxPixels: o.maxPixels } : {}),
});

/**
 * The strips of an image for `stripPixels` (infer/strips.ts `stripRows` on the plan the worker
 * will run); none for a file that does not decode or fit the model: its one job fails in the
 * worker with the error `segment` gives.
 */
const stripsOf = (file: string, config: UNetConfig, options: JobOptions, stripPixels: number): StripJob[] => {
  try {
    const { width, height } = readImageFile(file, options).image;
    const rows = stripRows(imagePlan(config, height, width, options.tile), width, height, stripPixels);
    return rows.map((r, index) => ({ index, count: rows.length, ...r }));
  } catch (e) {
    if (e instanceof DataError || e instanceof InferenceError) return [];
    throw e;
  }
};

/**
 * Enqueues one job per image of `opts.inputs` and records the batch. Throws the
 * InferenceError of a missing input or model (as `segment` does), a QueueError when Redis
 * does not answer. Images are not decoded here: a bad image fails its own job.
 *
 * @example
 * const again = await submitSegmentation({ redis: 'redis://127.0.0.1:6379', model: 'm.safetensors', out: 'out', inputs: ['images/'] });
 * again.added; // 0: every job of the batch was there already
 */
export const submitSegmentation = async (opts: SubmitOptions): Promise<Submitted> => {
  const connection = redisOptions(opts.redis);
  const model = await loadModel(opts.model); // the checks and messages of `segment`
  if (typeof opts.tile === 'number') checkedPlan(model.config, opts.tile);
  const files = imageInputs(opts.inputs);
  const queueName = opts.queue ?? QUEUE_DEFAULT;
  const out = path.resolve(opts.out);
  fs.mkdirSync(out, { recursive: true });
  const modelSha256 = sha256Hex(fs.readFileSync(opts.model));
  const options = jobOptions(opts);
  const datas: SegmentJobData[] = files.flatMap((f) => {
    const data: SegmentJobData = { v: 1, image: path.resolve(f), imageSha256: sha256Hex(fs.readFileSync(f)), model: path.resolve(opts.model), modelSha256, out, options };
    const strips = opts.stripPixels === undefined || options.tta ? [] : stripsOf(f, model.config, options, opts.stripPixels);
    return strips.length > 1 ? strips.map((strip) => ({ ...data, strip })) : [data];
  });
  const redis = await openRedis(opts.redis);
  const { Queue } = await import('bullmq');
  const queue = new Queue<SegmentJobData>(queueName, { connection });
  try {
    const ids = datas.map(jobIdOf);
    const attempts = opts.attempts ?? 3;
    const before: string[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const [chunk, chunkIds] = [datas.slice(i, i + CHUNK), ids.slice(i, i + CHUNK)];
      before.push(...(await Promise.all(chunkIds.map((id) => queue.getJobState(id)))));
      await queue.addBulk(chunk.map((data, j) => ({ name: JOB_NAME, data, opts: { jobId: chunkIds[j]!, attempts, backoff: { type: 'exponential', delay: 1000 } } })));
    }
    const batch = batchIdOf(ids);
    const record: BatchRecord = { batch, created: Date.now(), jobs: ids.map((id, i) => ({ id, image: datas[i]!.image })) };
    await redis.set(batchKey(queueName, batch), JSON.stringify(record), 'NX'); // a batch submitted again keeps its first time
    await redis.set(latestBatchKey(queueName), batch);
    const jobs = ids.map((id, i) => ({ id, image: datas[i]!.image, added: before[i] === 'unknown' }));
    return { batch, queue: queueName, jobs, added: jobs.filter((j) => j.added).length };
  } finally {
    await queue.close();
    await redis.quit();
  }
};
