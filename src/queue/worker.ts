/**
 * `runWorker`: a BullMQ worker that runs segmentation jobs (./jobs.ts) with one runtime per
 * process, through `segmentFile`, the code path of `unet-ts segment`, so its outputs are the
 * same bytes. Each model is loaded once and kept by its sha256; jobs running at once
 * (`concurrency` > 1) overlap reading, decoding and writing while their tiles take turns on the
 * one runtime. Outputs are written atomically (src/io/atomic.ts): a worker killed mid-job
 * leaves whole files or none, and BullMQ's stalled-job check hands the job to another worker
 * once its lock (`lockDuration`) has run out. A bad image, a model that does not load or a
 * file changed since submit fails its job at once (BullMQ's UnrecoverableError, no retries),
 * with the error `segment` would print; other errors are retried with backoff.
 *
 * @example
 * import { runWorker } from 'unet-ts';
 * const w = await runWorker({ redis: 'redis://127.0.0.1:6379', concurrency: 2, log: console.log });
 * process.once('SIGTERM', () => void w.close()); // finishes the jobs it holds, then stops
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Job } from 'bullmq';
import { CheckpointError } from '../checkpoint/checkpoint-error.js';
import { DataError } from '../data/errors.js';
import { InferenceError } from '../infer/inference-error.js';
import { segmentFile } from '../infer/segment-file.js';
import { gpujsForward, type TileForward } from '../infer/tiles.js';
import { createRuntime } from '../runtime/runtime.js';
import { decodeModel } from '../unet/model-file.js';
import { QUEUE_DEFAULT, redisOptions, sha256Hex, type SegmentJobData, type SegmentJobProgress, type SegmentJobResult } from './jobs.js';
import { openRedis, QueueError } from './redis.js';
import { runStripJob } from './strip-job.js';

export interface WorkerOptions {
  /** Redis URL, `redis://host:port[/db]`. */
  readonly redis: string;
  /** Queue name; default QUEUE_DEFAULT. */
  readonly queue?: string;
  /** Jobs held at once; default 1. */
  readonly concurrency?: number;
  /** GPU.js backend (default: UNET_BACKEND, else auto). */
  readonly backend?: string;
  /** How long a job's lock lasts without renewal (ms): a killed worker's job is retried after about this long. Default 30000. */
  readonly lockDuration?: number;
  /** How often this worker looks for stalled jobs (ms). Default 30000. */
  readonly stalledInterval?: number;
  /** How often a job may stall (its worker lost) before it fails. Default 3. */
  readonly maxStalledCount?: number;
  /** One line per finished or failed job, and connection trouble. Default: silent. */
  readonly log?: (line: string) => void;
}

/** A started worker. */
export interface RunningWorker {
  /** The GPU.js backend its runtime runs on. */
  readonly backend: string;
  /** `<host>:<pid>`, stored in each job's result. */
  readonly name: string;
  /** Stops taking jobs, waits for the ones it holds, frees the runtime. */
  readonly close: () => Promise<void>;
}

/** Errors that fail the same way on every try: the job fails at once. */
const permanent = (e: unknown): e is Error => e instanceof DataError || e instanceof InferenceError || e instanceof CheckpointError || e instanceof QueueError;

/**
 * `f` for a worker: its tiles run one at a time, whoever calls it (a runtime runs one scope at
 * a time), and after each tile the event loop gets a turn. On a backend that computes on the
 * main thread (cpu) a tile's promise is already settled, so a whole image would run as one chain
 * of microtasks and starve the timers that renew the job's lock: after `lockDuration` BullMQ
 * would take the job for stalled and run it again.
 *
 * @example
 * const forward = serialForward(gpujsForward(rt, model)); // what runWorker runs jobs with
 */
export const serialForward = (f: TileForward): TileForward => {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    ...f,
    forwardTile: (input, n) => {
      const r = tail.then(async () => {
        const logits = await f.forwardTile(input, n);
        await new Promise((resolve) => setImmediate(resolve));
        return logits;
      });
      tail = r.catch(() => undefined);
      return r;
    },
  };
};

/** The file's bytes, or an InferenceError naming it (what `segment` says of a missing input). */
const readInput = (file: string, what: string): Buffer => {
  if (!fs.existsSync(file)) throw new InferenceError(`${what} ${file} does not exist`);
  return fs.readFileSync(file);
};

const changed = (what: string, file: string, got: string, want: string): QueueError =>
  new QueueError(`${what} ${file} has sha256 ${got.slice(0, 12)}…, the job was submitted with ${want.slice(0, 12)}…: the file changed after submit; submit it again`);

/**
 * Starts a worker on `opts.queue`; resolves once it is connected and taking jobs. Throws a
 * QueueError when Redis does not answer, the BackendError of a backend that cannot start.
 *
 * @example
 * const w = await runWorker({ redis: 'redis://127.0.0.1:6379', backend: 'webasm', lockDuration: 5000 });
 * await w.close();
 */
export const runWorker = async (opts: WorkerOptions): Promise<RunningWorker> => {
  const connection = redisOptions(opts.redis);
  await (await openRedis(opts.redis)).quit(); // one clear error now if nothing answers
  const log = opts.log ?? (() => {});
  const rt = await createRuntime(opts.backend !== undefined ? { backend: opts.backend } : {});
  const name = `${os.hostname()}:${process.pid}`;
  const forwards = new Map<string, Promise<TileForward>>();
  const forwardFor = (data: SegmentJobData): Promise<TileForward> => {
    const cached = forwards.get(data.modelSha256);
    if (cached) return cached;
    const p = (async () => {
      const bytes = readInput(data.model, 'model file');
      const sha = sha256Hex(bytes);
      if (sha !== data.modelSha256) throw changed('model file', data.model, sha, data.modelSha256);
      return serialForward(gpujsForward(rt, decodeModel(bytes, data.model)));
    })();
    forwards.set(data.modelSha256, p);
    p.catch(() => forwards.delete(data.modelSha256));
    return p;
  };
  const { UnrecoverableError, Worker } = await import('bullmq');
  const process_ = async (job: Job<SegmentJobData, SegmentJobResult>): Promise<SegmentJobResult> => {
    const data = job.data;
    try {
      const forward = await forwardFor(data);
      const sha = sha256Hex(readInput(data.image, 'input'));
      if (sha !== data.imageSha256) throw changed('image', data.image, sha, data.imageSha256);
      fs.mkdirSync(data.out, { recursive: true });
      let last = 0;
      const onTile = (p: SegmentJobProgress): void => {
        const now = performance.now();
        if (p.done < p.total && now - last < 250) return;
        last = now;
        job.updateProgress({ done: p.done, total: p.total }).catch(() => {}); // progress is best effort
      };
      const t0 = performance.now();
      if (data.strip !== undefined) {
        const r = await runStripJob(forward, data, onTile);
        const strip = { index: data.strip.index, count: data.strip.count, assembled: r.assembled };
        return { files: r.files, width: r.width, height: r.height, tiles: r.tiles, tile: r.tile, seconds: (performance.now() - t0) / 1000, worker: name, strip };
      }
      const r = await segmentFile(forward, data.image, data.out, { ...data.options, onTile });
      return { files: r.written.files, width: r.width, height: r.height, tiles: r.tiles, tile: r.tile, seconds: r.seconds, worker: name };
    } catch (e) {
      if (permanent(e)) throw new UnrecoverableError(`${e.name}: ${e.message}`);
      throw e;
    }
  };
  const worker = new Worker<SegmentJobData, SegmentJobResult>(opts.queue ?? QUEUE_DEFAULT, process_, {
    connection,
    concurrency: opts.concurrency ?? 1,
    lockDuration: opts.lockDuration ?? 30_000,
    stalledInterval: opts.stalledInterval ?? 30_000,
    maxStalledCount: opts.maxStalledCount ?? 3,
    name,
  });
  worker.on('error', (e) => log(`worker ${name}: ${e.message}`)); // e.g. Redis gone: the client reconnects
  worker.on('completed', (job, r) => {
    const strip = r.strip === undefined ? '' : ` strip ${r.strip.index + 1}/${r.strip.count}${r.strip.assembled ? ', assembled the image' : ''}`;
    log(`done ${job.id} ${path.basename(job.data.image)}${strip}: ${r.width}×${r.height}, ${r.tiles} tiles of ${r.tile} in ${r.seconds.toFixed(2)} s on ${rt.backend}`);
  });
  worker.on('failed', (job, e) => log(`failed ${job?.id ?? '?'} ${job ? path.basename(job.data.image) : ''} (attempt ${job?.attemptsMade ?? '?'}): ${e.message}`));
  await worker.waitUntilReady();
  let closing: Promise<void> | undefined;
  return {
    backend: rt.backend,
    name,
    close: () =>
      (closing ??= (async () => {
        await worker.close();
        await rt.dispose();
      })()),
  };
};
