/**
 * The segmentation job as it travels through Redis, and what submitters, workers and
 * watchers agree on: the queue name, the Redis URL, the job id and the batch record.
 *
 * A job carries paths and hashes, never pixels: the image and the model stay where they are
 * (a shared file system for now; see docs/scale-out.md), so a job is a few hundred bytes of
 * Redis memory whatever the image size. The model's sha256 travels with the job, so a worker
 * never runs an image through another model than the one it was submitted with.
 *
 * The job id is a content hash: of the image's bytes, the model's sha256, the output folder
 * and stem and the options. BullMQ ignores an `add` whose id exists (in any state), so
 * submitting the same batch twice computes nothing twice, while a changed image, model,
 * option or output folder is a new job.
 *
 * @example
 * import { jobIdOf, QUEUE_DEFAULT } from './jobs.js';
 * declare const data: SegmentJobData;
 * jobIdOf(data); // 'seg-3f2a…' (36 characters)
 */
import { createHash } from 'node:crypto';
import type { TileChoice } from '../infer/tiles.js';

/** The queue `submit`, `worker`, `status` and `wait` use unless told another (`--queue`). */
export const QUEUE_DEFAULT = 'unet-ts-segment';

/** The BullMQ job name of an image job. */
export const JOB_NAME = 'segment';

/** The options of a job: `segment`'s flags, as the worker passes them to `segmentFile`. */
export interface JobOptions {
  readonly tile: TileChoice;
  readonly tta: boolean;
  readonly instances: boolean;
  readonly grey: boolean;
  readonly page?: number;
  readonly maxPixels?: number;
}

/**
 * A job that segments only some rows of tiles of its image (./strip-job.ts): strip `index` of
 * `count`, rows of tiles `from` … `to − 1`, output rows `y0` … `y1 − 1` (infer/strips.ts).
 */
export interface StripJob {
  readonly index: number;
  readonly count: number;
  readonly from: number;
  readonly to: number;
  readonly y0: number;
  readonly y1: number;
}

/** The data of one job: one image (or one strip of it), by path and hash. */
export interface SegmentJobData {
  /** Layout version of this record. */
  readonly v: 1;
  /** Absolute path of the image, readable by every worker. */
  readonly image: string;
  /** sha256 (hex) of the image file at submit time. */
  readonly imageSha256: string;
  /** Absolute path of the model file. */
  readonly model: string;
  /** sha256 (hex) of the model file at submit time: the worker checks it and caches models by it. */
  readonly modelSha256: string;
  /** Absolute output folder; outputs are `<out>/<stem>_*.png`. */
  readonly out: string;
  readonly options: JobOptions;
  /** Present for a strip of a large image; absent: the whole image. */
  readonly strip?: StripJob;
}

/** What a finished job returns (BullMQ's `returnvalue`). */
export interface SegmentJobResult {
  readonly files: readonly string[];
  readonly width: number;
  readonly height: number;
  readonly tiles: number;
  readonly tile: number;
  readonly seconds: number;
  /** The worker that ran it: `<host>:<pid>`. */
  readonly worker: string;
  /** A strip job: which, and whether it was the last one and put the image together (then `files` are the image's outputs; else none). */
  readonly strip?: { readonly index: number; readonly count: number; readonly assembled: boolean };
}

/** Progress a worker reports while a job runs (BullMQ's `progress`). */
export interface SegmentJobProgress {
  readonly done: number;
  readonly total: number;
}

/**
 * sha256 of bytes, hex.
 *
 * @example
 * sha256Hex(new TextEncoder().encode('abc')); // 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
 */
export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The job id of `data`: `seg-` and 32 hex digits of the sha256 of the image hash, the model
 * hash, the output folder, the image's stem, the options and the strip, if any (the image's
 * path itself is left out: the same bytes under another folder with the same name give the
 * same outputs).
 *
 * @example
 * declare const data: SegmentJobData;
 * jobIdOf(data) === jobIdOf({ ...data }); // true
 */
export const jobIdOf = (data: SegmentJobData): string => {
  const stem = data.image.replace(/^.*[/\\]/, '').replace(/\.[^.]*$/, '');
  const key = JSON.stringify([data.v, data.imageSha256, data.modelSha256, data.out, stem, data.options, ...(data.strip !== undefined ? [data.strip] : [])]);
  return `seg-${sha256Hex(new TextEncoder().encode(key)).slice(0, 32)}`;
};

/**
 * Connection options for BullMQ and ioredis from a `redis://[user:password@]host[:port][/db]`
 * (or `rediss://`, TLS) URL. Throws an Error naming the value and the expected form.
 *
 * @example
 * redisOptions('redis://127.0.0.1:6390/2'); // { url: 'redis://127.0.0.1:6390/2', maxRetriesPerRequest: null }
 * redisOptions('localhost:6379'); // throws "--redis localhost:6379: expected a URL redis://host[:port][/db] …"
 */
export const redisOptions = (url: string): { readonly url: string; readonly maxRetriesPerRequest: null } => {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    u = undefined;
  }
  const db = u?.pathname.replace(/^\//, '') ?? '';
  if (u === undefined || (u.protocol !== 'redis:' && u.protocol !== 'rediss:') || u.hostname === '' || !/^\d*$/.test(db)) {
    throw new Error(`--redis ${url}: expected a URL redis://host[:port][/db] (or rediss:// for TLS), e.g. redis://127.0.0.1:6379`);
  }
  // null: a command waits for a reconnect instead of failing (BullMQ requires it for workers)
  return { url, maxRetriesPerRequest: null };
};

/** The Redis key of a batch record (its job ids), beside BullMQ's keys of the queue. */
export const batchKey = (queue: string, batch: string): string => `unet-ts:${queue}:batch:${batch}`;

/** The Redis key naming the latest batch submitted to a queue (what `status` and `wait` default to). */
export const latestBatchKey = (queue: string): string => `unet-ts:${queue}:latest-batch`;

/** A batch as stored in Redis by `submitSegmentation`. */
export interface BatchRecord {
  readonly batch: string;
  /** Milliseconds since the epoch, at the first submission of this batch. */
  readonly created: number;
  readonly jobs: readonly { readonly id: string; readonly image: string }[];
}

/**
 * The batch id of a set of job ids: 16 hex digits of their sorted list's sha256, so the same
 * batch submitted twice has the same id.
 *
 * @example
 * batchIdOf(['seg-b', 'seg-a']) === batchIdOf(['seg-a', 'seg-b']); // true
 */
export const batchIdOf = (ids: readonly string[]): string => sha256Hex(new TextEncoder().encode([...ids].sort().join('\n'))).slice(0, 16);
