/**
 * Segmentation past one machine: jobs on a BullMQ queue in Redis, run by any number of worker
 * processes on any number of hosts (docs/scale-out.md). Node only (not in the browser entry).
 *
 * @example
 * import { runWorker, submitSegmentation, waitForBatch } from 'unet-ts';
 * const redis = 'redis://127.0.0.1:6379';
 * const w = await runWorker({ redis });
 * const { batch } = await submitSegmentation({ redis, model: 'm.safetensors', out: 'out', inputs: ['images/'] });
 * const s = await waitForBatch({ redis, batch });
 * await w.close();
 */
export { QUEUE_DEFAULT, jobIdOf, batchIdOf, redisOptions, type SegmentJobData, type SegmentJobResult, type SegmentJobProgress, type JobOptions, type StripJob, type BatchRecord } from './jobs.js';
export { QueueError } from './redis.js';
export { submitSegmentation, type SubmitOptions, type Submitted } from './submit.js';
export { runWorker, type WorkerOptions, type RunningWorker } from './worker.js';
export { batchStatus, waitForBatch, batchFinished, type BatchStatus, type JobFailure, type StatusOptions } from './status.js';
