/**
 * Where a batch stands: each of its jobs' state in BullMQ, counted as waiting (queued, or
 * waiting out a retry's backoff), active, done and failed, with the reason of every failed
 * job; `waitForBatch` polls that until nothing is waiting or active. A job that Redis no
 * longer holds (removed by hand, or Redis restarted without persistence) counts as failed:
 * its outputs cannot be vouched for.
 *
 * @example
 * import { batchStatus } from './status.js';
 * const s = await batchStatus({ redis: 'redis://127.0.0.1:6379' }); // the latest batch
 * console.log(`${s.done} of ${s.total} done, ${s.failed} failed`);
 */
import { batchKey, latestBatchKey, QUEUE_DEFAULT, redisOptions, type BatchRecord, type SegmentJobData, type SegmentJobProgress } from './jobs.js';
import { openRedis, QueueError } from './redis.js';

export interface StatusOptions {
  readonly redis: string;
  readonly queue?: string;
  /** The batch id `submitSegmentation` returned; default: the latest batch of the queue. */
  readonly batch?: string;
}

/** A failed job: its id, image and BullMQ's failedReason (the error `segment` would print). */
export interface JobFailure {
  readonly id: string;
  readonly image: string;
  readonly reason: string;
}

export interface BatchStatus {
  readonly batch: string;
  readonly queue: string;
  /** Submit time of the batch (ms since the epoch). */
  readonly created: number;
  readonly total: number;
  /** Queued, or delayed for a retry. */
  readonly waiting: number;
  readonly active: number;
  /** Tiles done and in all of the active jobs, from the progress their workers report. */
  readonly activeTiles: { readonly done: number; readonly total: number };
  readonly done: number;
  /** Failed for good (no tries left, or an error no retry can fix), or missing from Redis. */
  readonly failed: number;
  readonly failures: readonly JobFailure[];
}

/** Nothing waiting or active: every job is done or failed. */
export const batchFinished = (s: BatchStatus): boolean => s.waiting === 0 && s.active === 0;

/** The batch record named by `opts` (or the latest one), or a QueueError saying what is missing. */
const readBatch = async (redis: Awaited<ReturnType<typeof openRedis>>, queue: string, batch: string | undefined): Promise<BatchRecord> => {
  const id = batch ?? (await redis.get(latestBatchKey(queue)));
  if (id === null) throw new QueueError(`queue ${queue} has no batch: nothing was submitted to it on this Redis (unet-ts queue submit …)`);
  const text = await redis.get(batchKey(queue, id));
  if (text === null) throw new QueueError(`batch ${id}: no such batch in queue ${queue}; expected an id that 'unet-ts queue submit' printed`);
  return JSON.parse(text) as BatchRecord;
};

/** Jobs asked about at once (one pipelined round of commands). */
const CHUNK = 1000;

/**
 * The status of every job of a batch, with one Redis client and one BullMQ queue already open.
 * `completed` remembers the jobs seen completed (a final state), so that a poll asks Redis
 * only about the others: O(unfinished jobs) per poll, not O(batch).
 */
const statusWith = async (queue: import('bullmq').Queue<SegmentJobData>, queueName: string, record: BatchRecord, completed: Set<string> = new Set()): Promise<BatchStatus> => {
  const states: string[] = [];
  for (let i = 0; i < record.jobs.length; i += CHUNK) {
    const chunk = record.jobs.slice(i, i + CHUNK);
    states.push(...(await Promise.all(chunk.map((j) => (completed.has(j.id) ? 'completed' : queue.getJobState(j.id))))));
  }
  states.forEach((s, i) => s === 'completed' && completed.add(record.jobs[i]!.id));
  const count = (...names: string[]): number => states.filter((s) => names.includes(s)).length;
  const failures: JobFailure[] = [];
  let activeTiles = { done: 0, total: 0 };
  for (const [i, state] of states.entries()) {
    const { id, image } = record.jobs[i]!;
    if (state === 'unknown') failures.push({ id, image, reason: 'the job is no longer in Redis (removed, or Redis lost its data)' });
    if (state === 'failed') failures.push({ id, image, reason: (await queue.getJob(id))?.failedReason ?? 'failed' });
    if (state === 'active') {
      const p = (await queue.getJob(id))?.progress as Partial<SegmentJobProgress> | undefined;
      if (typeof p?.done === 'number' && typeof p.total === 'number') activeTiles = { done: activeTiles.done + p.done, total: activeTiles.total + p.total };
    }
  }
  return {
    batch: record.batch,
    queue: queueName,
    created: record.created,
    total: record.jobs.length,
    waiting: count('waiting', 'delayed', 'prioritized', 'waiting-children', 'paused'),
    active: count('active'),
    activeTiles,
    done: count('completed'),
    failed: failures.length,
    failures,
  };
};

/** Opens Redis and the queue for `fn`, and closes both after it. */
const withQueue = async <T>(opts: StatusOptions, fn: (redis: Awaited<ReturnType<typeof openRedis>>, queue: import('bullmq').Queue<SegmentJobData>, name: string) => Promise<T>): Promise<T> => {
  const connection = redisOptions(opts.redis);
  const redis = await openRedis(opts.redis);
  const { Queue } = await import('bullmq');
  const name = opts.queue ?? QUEUE_DEFAULT;
  const queue = new Queue<SegmentJobData>(name, { connection });
  try {
    return await fn(redis, queue, name);
  } finally {
    await queue.close();
    await redis.quit();
  }
};

/**
 * The status of a batch (default: the latest submitted to the queue). Throws a QueueError for
 * an unknown batch or an unreachable Redis.
 *
 * @example
 * const s = await batchStatus({ redis: 'redis://127.0.0.1:6379', batch: '9f86d081884c7d65' });
 * s.done + s.failed === s.total; // the batch is through
 */
export const batchStatus = (opts: StatusOptions): Promise<BatchStatus> => withQueue(opts, async (redis, queue, name) => statusWith(queue, name, await readBatch(redis, name, opts.batch)));

/**
 * Polls the batch every `intervalMs` (default 500) until every job is done or failed, calling
 * `onStatus` after each poll; resolves with the final status. Rides out a Redis restart (the
 * clients reconnect and the poll waits for them).
 *
 * @example
 * const s = await waitForBatch({ redis: 'redis://127.0.0.1:6379', onStatus: (s) => console.log(`${s.done}/${s.total}`) });
 * if (s.failed > 0) process.exitCode = 1;
 */
export const waitForBatch = (opts: StatusOptions & { readonly intervalMs?: number; readonly onStatus?: (s: BatchStatus) => void }): Promise<BatchStatus> =>
  withQueue(opts, async (redis, queue, name) => {
    const record = await readBatch(redis, name, opts.batch); // read once: a later submit does not change what we wait for
    const completed = new Set<string>();
    for (;;) {
      const s = await statusWith(queue, name, record, completed);
      opts.onStatus?.(s);
      if (batchFinished(s)) return s;
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
    }
  });
