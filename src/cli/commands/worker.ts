/** `unet-ts worker`: runs segmentation jobs from a BullMQ queue in Redis until stopped (src/queue/worker.ts). */
import { backendFlag, intIn, parse, required, str, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { QUEUE_DEFAULT, redisOptions } from '../../queue/jobs.js';
import { runWorker } from '../../queue/worker.js';

const usage = `Usage: unet-ts worker --redis URL [--queue NAME] [--concurrency N] [--backend NAME]
                      [--lock-duration MS] [--stalled-interval MS]

Runs the jobs that 'unet-ts queue submit' puts on the queue, until SIGINT or SIGTERM: then it
finishes the jobs it holds and exits 0 (a second signal exits at once, 130 / 143). One runtime
per process; each model is loaded once (by its sha256). Outputs are written atomically; a
worker killed mid-job leaves no half-written file and its job is run again by another worker
once its lock runs out. One line per finished or failed job on stdout.

  --redis URL            redis://[user:password@]host[:port][/db]
  --queue NAME           the queue (default ${QUEUE_DEFAULT})
  --concurrency N        jobs held at once (default 1): reading and writing overlap, tiles
                         take turns on the one runtime; for more compute run more processes
  --backend NAME         webgpu|headlessgl|webasm|cpu|auto (or UNET_BACKEND)
  --lock-duration MS     a job's lock, renewed while it runs (default 30000): how long a killed
                         worker's job waits before another worker takes it
  --stalled-interval MS  how often this worker looks for such jobs (default 30000)`;

export const worker: Command = {
  name: 'worker',
  summary: 'run the segmentation jobs of a queue (unet-ts queue submit) until stopped',
  usage,
  run: async (argv) => {
    const { values } = parse('worker', argv, {
      redis: { type: 'string' }, queue: { type: 'string' }, concurrency: { type: 'string' }, backend: { type: 'string' },
      'lock-duration': { type: 'string' }, 'stalled-interval': { type: 'string' },
    });
    const redis = required('worker', 'redis', values['redis']);
    try {
      redisOptions(redis);
    } catch (e) {
      throw new UsageError(`worker: ${(e as Error).message}`);
    }
    const concurrency = intIn('worker', 'concurrency', values['concurrency'], { min: 1, max: 1000 }, 1);
    const lockDuration = intIn('worker', 'lock-duration', values['lock-duration'], { min: 100, max: 86_400_000 }, 30_000);
    const stalledInterval = intIn('worker', 'stalled-interval', values['stalled-interval'], { min: 100, max: 86_400_000 }, 30_000);
    const backend = backendFlag('worker', values['backend']);
    const queue = str(values['queue']) ?? QUEUE_DEFAULT;
    const w = await runWorker({
      redis, queue, concurrency, lockDuration, stalledInterval,
      ...(backend !== undefined ? { backend } : {}),
      log: (line) => console.log(line),
    });
    console.log(`worker ${w.name} on ${w.backend}, queue ${queue} at ${redis}, concurrency ${concurrency}: waiting for jobs`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    console.log(`worker ${w.name}: ${signal}, finishing the jobs it holds (again to stop at once)`);
    process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));
    await w.close();
    console.log(`worker ${w.name}: stopped`);
    return 0;
  },
};
