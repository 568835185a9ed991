/** `unet-ts queue submit|status|wait`: segmentation as jobs on a BullMQ queue in Redis (src/queue). */
import { IMAGE_FILE_OPTIONS, IMAGE_FILE_USAGE, imageFileFlags, inferenceTileFlag, intIn, outDirFlag, parse, required, str, UsageError, type Options } from '../args.js';
import type { Command } from '../command.js';
import { readImageFile } from '../../data/image-file.js';
import { imageInputs, loadModel } from '../../infer/files.js';
import { batchStatus, waitForBatch, type BatchStatus } from '../../queue/status.js';
import { submitSegmentation } from '../../queue/submit.js';
import { QUEUE_DEFAULT, redisOptions } from '../../queue/jobs.js';
import { formatProgress, progressReporter } from '../progress-bar.js';

const usage = `Usage: unet-ts queue submit --redis URL --model FILE --out DIR [--queue NAME] [--tile N] [--tta]
                             [--instances] [--grey] [--attempts N] [--strip-pixels P] INPUT...
       unet-ts queue status --redis URL [--queue NAME] [--batch ID]
       unet-ts queue wait   --redis URL [--queue NAME] [--batch ID] [--interval MS]

Segmentation past one machine: 'submit' puts one job per image on a BullMQ queue in Redis
(jobs hold paths and the model's sha256, not pixels), 'unet-ts worker' processes on any
number of hosts run them, and the outputs equal those of 'unet-ts segment' byte for byte.
Job ids are content hashes (image bytes, model sha256, output folder, options): submitting
the same batch again computes nothing twice.

  submit   enqueue the images of INPUT (files or folders, as segment takes them); prints the
           batch id. --out, --tile, --tta, --instances, --grey, --page, --max-pixels as for
           segment; every worker must see the same paths (a shared file system).
           --attempts N  tries per job for errors that may pass (default 3, backoff from 1 s);
                         a bad image or model fails its job at once, with segment's error
           --strip-pixels P  split each image whose output exceeds P pixels into strips of
                         rows of tiles of at most P pixels, one job per strip; the last strip
                         done puts the image together: the same bytes as one job (images are
                         decoded at submit to plan this; not with --tta). Default: one job
                         per image
  status   one line: waiting / active / done / failed jobs of the batch and a progress bar
           (with the tiles done in the active jobs, as their workers report them), then the
           reason of each failed job
  wait     blocks until every job of the batch is done or failed, with a progress bar on
           stderr; exit 1 if any job failed for good (each is listed), else 0

  --redis URL     redis://[user:password@]host[:port][/db] (rediss:// for TLS)
  --queue NAME    the queue (default ${QUEUE_DEFAULT}); workers must use the same
  --batch ID      a batch id that submit printed (default: the latest batch of the queue)
${IMAGE_FILE_USAGE}`;

const COMMON: Options = { redis: { type: 'string' }, queue: { type: 'string' } };

/** --redis, checked as a URL before anything else (a usage error naming the value). */
const redisFlag = (sub: string, v: string | boolean | undefined): string => {
  const url = required(`queue ${sub}`, 'redis', v);
  try {
    redisOptions(url);
  } catch (e) {
    throw new UsageError(`queue ${sub}: ${(e as Error).message}`);
  }
  return url;
};

/**
 * The status line of `queue status`: batch, bar of finished jobs, rate since submit, counts.
 *
 * @example
 * declare const s: BatchStatus;
 * formatBatchStatus(s); // 'batch 9f86d081884c7d65 [######      ] 5/20 jobs 1.2 jobs/s ETA 13s: 3 waiting, 2 active (17/40 tiles), 5 done, 0 failed'
 */
export const formatBatchStatus = (s: BatchStatus, now = Date.now()): string => {
  const tiles = s.activeTiles.total > 0 ? ` (${s.activeTiles.done}/${s.activeTiles.total} tiles)` : '';
  return `batch ${s.batch} ${formatProgress(s.done + s.failed, s.total, (now - s.created) / 1000, 24, 'jobs')}: ${s.waiting} waiting, ${s.active} active${tiles}, ${s.done} done, ${s.failed} failed`;
};

const failureLines = (s: BatchStatus): string[] => s.failures.map((f) => `failed: ${f.image} (job ${f.id}): ${f.reason}`);

const submit = async (argv: readonly string[]): Promise<number> => {
  const options: Options = { ...COMMON, model: { type: 'string' }, out: { type: 'string' }, tile: { type: 'string' }, tta: { type: 'boolean' }, instances: { type: 'boolean' }, grey: { type: 'boolean' }, attempts: { type: 'string' }, 'strip-pixels': { type: 'string' }, ...IMAGE_FILE_OPTIONS };
  const { values, positionals } = parse('queue submit', argv, options, true);
  const redis = redisFlag('submit', values['redis']);
  const modelFile = required('queue submit', 'model', values['model']);
  const outFlag = required('queue submit', 'out', values['out']);
  if (positionals.length === 0) throw new UsageError(`queue submit: no input images; give image files or folders after the flags (see 'unet-ts queue --help')`);
  const attempts = intIn('queue submit', 'attempts', values['attempts'], { min: 1, max: 100 }, 3);
  const stripPixels = intIn('queue submit', 'strip-pixels', values['strip-pixels'], { min: 1, max: Number.MAX_SAFE_INTEGER });
  if (stripPixels !== undefined && values['tta'] === true) throw new UsageError('queue submit: --strip-pixels does not go with --tta (the 7 other flips and rotations run tiles across the strips); drop one');
  const fileOpts = imageFileFlags('queue submit', values);
  const model = await loadModel(modelFile);
  const files = imageInputs(positionals);
  const tile = inferenceTileFlag('queue submit', values['tile'], model.config, () =>
    files.map((file) => {
      const { width, height } = readImageFile(file, fileOpts).image;
      return { file, width, height };
    }),
  );
  const out = outDirFlag('queue submit', outFlag);
  const queue = str(values['queue']);
  const r = await submitSegmentation({
    redis, model: modelFile, out, inputs: files, tile, attempts, ...fileOpts,
    tta: values['tta'] === true, instances: values['instances'] === true, grey: values['grey'] === true,
    ...(queue !== undefined ? { queue } : {}),
    ...(stripPixels !== undefined ? { stripPixels } : {}),
  });
  const images = new Set(r.jobs.map((j) => j.image)).size;
  console.log(`batch ${r.batch}: ${r.jobs.length} jobs${images !== r.jobs.length ? ` for ${images} images` : ''} on queue ${r.queue} (${r.added} new, ${r.jobs.length - r.added} queued, running or done already)`);
  console.log(`follow it: unet-ts queue wait --redis ${redis}${queue !== undefined ? ` --queue ${queue}` : ''} --batch ${r.batch}`);
  return 0;
};

const status = async (argv: readonly string[]): Promise<number> => {
  const { values } = parse('queue status', argv, { ...COMMON, batch: { type: 'string' } });
  const redis = redisFlag('status', values['redis']);
  const [queue, batch] = [str(values['queue']), str(values['batch'])];
  const s = await batchStatus({ redis, ...(queue !== undefined ? { queue } : {}), ...(batch !== undefined ? { batch } : {}) });
  console.log(formatBatchStatus(s));
  for (const l of failureLines(s)) console.log(l);
  return 0;
};

const wait = async (argv: readonly string[]): Promise<number> => {
  const { values } = parse('queue wait', argv, { ...COMMON, batch: { type: 'string' }, interval: { type: 'string' } });
  const redis = redisFlag('wait', values['redis']);
  const intervalMs = intIn('queue wait', 'interval', values['interval'], { min: 10, max: 600_000 }, 500);
  const [queue, batch] = [str(values['queue']), str(values['batch'])];
  const bar = progressReporter(process.stderr, undefined, 'jobs');
  let started = false;
  const s = await waitForBatch({
    redis, intervalMs, ...(queue !== undefined ? { queue } : {}), ...(batch !== undefined ? { batch } : {}),
    onStatus: (st) => {
      if (!started) bar.start(`batch ${st.batch}`);
      started = true;
      bar.update({ done: st.done + st.failed, total: st.total, note: `(${st.failed} failed, ${st.active} active)` });
    },
  });
  bar.finish();
  console.log(formatBatchStatus(s));
  for (const l of failureLines(s)) console.error(l);
  return s.failed > 0 ? 1 : 0;
};

const SUBCOMMANDS: Readonly<Record<string, (argv: readonly string[]) => Promise<number>>> = { submit, status, wait };

export const queue: Command = {
  name: 'queue',
  summary: 'segmentation as jobs on a BullMQ queue in Redis: submit a batch, show its status, wait for it',
  usage,
  run: async (argv) => {
    const [sub, ...rest] = argv;
    const run = sub === undefined ? undefined : SUBCOMMANDS[sub];
    if (run === undefined) throw new UsageError(`queue: ${sub === undefined ? 'no subcommand' : `unknown subcommand '${sub}'`}; expected submit, status or wait (see 'unet-ts queue --help')`);
    return run(rest);
  },
};
