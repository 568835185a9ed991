/**
 * Throughput of `unet-ts worker` processes on one Redis against `segment` alone (issue 19):
 * N synthetic images segmented by the `tiny` preset (random weights: the work does not depend
 * on them) on the webasm backend, (a) in this process as `segment` does it (one runtime, the
 * model loaded once, segmentFile per image: the work alone, no process start), then (b) through
 * the queue with 1, 2 and 4 warm worker processes: from the submit call to `waitForBatch`
 * seeing the batch done. The queue's overhead per job is (b, 1 worker − a) / N: hashing at
 * submit, Redis round trips, job pickup, progress reports, the status poll (20 ms).
 *
 * Needs redis-server (scripts/setup-backends.sh); starts its own on a free loopback port.
 * Heavy: run it alone.
 *
 * Each timing is the best of `--reps` runs (default 2); `segment alone` runs again at the end,
 * so a change of load on a shared machine shows. Then the queue alone: empty jobs per second
 * and Redis memory per finished job (see `queueCeiling`).
 *
 *   npx tsx scripts/queue-bench.ts [--n 40] [--size 128] [--reps 2] [--workers 1,2,4] [--json out/queue-bench.json]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { image } from '../src/data/image.js';
import { writePng } from '../src/data/png.js';
import { synthetic } from '../src/data/synthetic.js';
import { segmentFile } from '../src/infer/segment-file.js';
import { gpujsForward } from '../src/infer/tiles.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { submitSegmentation } from '../src/queue/submit.js';
import { jobIdOf, sha256Hex, type SegmentJobData, type SegmentJobResult } from '../src/queue/jobs.js';
import { openRedis } from '../src/queue/redis.js';
import { waitForBatch } from '../src/queue/status.js';
import { createRuntime } from '../src/runtime/runtime.js';
import { saveCheckpoint } from '../src/train/checkpoint.js';
import { PRESETS } from '../src/unet/config.js';
import { initParams } from '../src/unet/params.js';
import { startRedis } from '../test/queue/redis-server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { n: { type: 'string' }, size: { type: 'string' }, reps: { type: 'string' }, workers: { type: 'string' }, json: { type: 'string' }, backend: { type: 'string' } } });
const n = Number(values.n ?? 40);
const size = Number(values.size ?? 128);
const reps = Number(values.reps ?? 2);
const workerCounts = (values.workers ?? '1,2,4').split(',').map(Number);
const backend = values.backend ?? 'webasm';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unet-queue-bench-'));

const startWorker = (url: string, queue: string): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--redis', url, '--queue', queue, '--backend', backend], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('waiting for jobs')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${out}`)));
  });

/** Redis's used_memory in bytes (INFO memory). */
const usedMemory = async (url: string): Promise<number> => {
  const r = await openRedis(url);
  const info = await r.info('memory');
  await r.quit();
  return Number(/used_memory:(\d+)/.exec(info)![1]);
};

/**
 * Σ (finishedOn − processedOn) of the jobs: the time the worker spent in its processor (hashing,
 * segmenting, writing, progress). With one worker, the batch's wall time minus this is what the
 * queue costs outside the jobs: submit, pickup, completion, the status poll.
 */
const processingSeconds = async (url: string, queue: string, ids: readonly string[]): Promise<number> => {
  const { Queue } = await import('bullmq');
  const q = new Queue<SegmentJobData, SegmentJobResult>(queue, { connection: { url, maxRetriesPerRequest: null } });
  const jobs = await Promise.all(ids.map((id) => q.getJob(id)));
  await q.close();
  return jobs.reduce((t, j) => t + ((j?.finishedOn ?? 0) - (j?.processedOn ?? 0)), 0) / 1000;
};

/** A finished job of `queue`: its data and result, the model of the ceiling's jobs. */
const sampleJob = async (url: string, queue: string): Promise<{ data: SegmentJobData; result: SegmentJobResult }> => {
  const { Queue } = await import('bullmq');
  const q = new Queue<SegmentJobData, SegmentJobResult>(queue, { connection: { url, maxRetriesPerRequest: null } });
  const [job] = await q.getCompleted(0, 0);
  await q.close();
  return { data: job!.data, result: job!.returnvalue };
};

/**
 * The queue itself, without images: 2,000 jobs with the data a real job carries (paths of this
 * run, sha256s, options) added in bulk and run by one in-process worker at concurrency 50 whose
 * processor returns a real job's result at once. Gives the jobs per second one Redis moves
 * through BullMQ on this machine (the client shares the cores with Redis) — the ceiling that
 * many workers with very short jobs would run into — and Redis's used_memory per finished job
 * (kept, as ours are), over enough jobs for the allocator's noise to average out.
 */
const queueCeiling = async (url: string, sample: SegmentJobData, result: SegmentJobResult): Promise<{ jobsPerSecond: number; bytesPerJob: number }> => {
  const { Queue, Worker } = await import('bullmq');
  const connection = { url, maxRetriesPerRequest: null };
  const queue = new Queue<SegmentJobData, SegmentJobResult>('ceiling', { connection });
  const count = 2000;
  let done = 0;
  let finish: () => void = () => {};
  const all = new Promise<void>((resolve) => (finish = resolve));
  const worker = new Worker<SegmentJobData, SegmentJobResult>('ceiling', async () => result, { connection, concurrency: 50, autorun: false });
  worker.on('completed', () => ++done === count && finish());
  const mem0 = await usedMemory(url);
  const t0 = performance.now();
  const jobs = Array.from({ length: count }, (_, i) => {
    const data = { ...sample, image: sample.image.replace(/\d+\.png$/, `${i}.png`), imageSha256: sha256Hex(new TextEncoder().encode(String(i))) };
    return { name: 'segment', data, opts: { jobId: jobIdOf(data), attempts: 3, backoff: { type: 'exponential', delay: 1000 } } };
  });
  await queue.addBulk(jobs);
  void worker.run();
  await all;
  const jobsPerSecond = count / ((performance.now() - t0) / 1000);
  await worker.close();
  const bytesPerJob = ((await usedMemory(url)) - mem0) / count;
  await queue.close();
  return { jobsPerSecond, bytesPerJob };
};

/** The best (least) of `reps` timings of `f`, in seconds. */
const best = async (reps: number, f: () => Promise<void>): Promise<number> => {
  let t = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await f();
    t = Math.min(t, (performance.now() - t0) / 1000);
  }
  return t;
};

const stop = (c: ChildProcess): Promise<void> => new Promise((resolve) => (c.once('exit', () => resolve()), c.kill('SIGTERM')));

const main = async (): Promise<void> => {
  const images = path.join(dir, 'images');
  fs.mkdirSync(images);
  for (let i = 0; i < n; i++) {
    const s = synthetic({ width: size, height: size })(i);
    writePng(path.join(images, `img${String(i).padStart(3, '0')}.png`), image(size, size, 1, s.image.data.map((v) => Math.round(v * 255))), { bitDepth: 8 });
  }
  const files = fs.readdirSync(images).sort().map((f) => path.join(images, f));
  const config = PRESETS.tiny;
  const modelFile = path.join(dir, 'tiny.safetensors');
  await saveCheckpoint(modelFile, { config, params: initParams(config, 1) });
  console.log(`${n} synthetic ${size}×${size} images, tiny preset, ${backend}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'})`);

  // (a) segment alone: its per-image code path in this process, runtime and model ready
  const rt = await createRuntime({ backend });
  const forward = gpujsForward(rt, { config, params: initParams(config, 1) });
  await segmentFile(forward, files[0]!, path.join(dir, 'warm'), { instances: true }); // warm-up (kernel compilation)
  const aloneRun = async (): Promise<void> => {
    for (const f of files) await segmentFile(forward, f, path.join(dir, 'alone'), { instances: true });
  };
  const alone = await best(reps, aloneRun);
  console.log(`segment alone: ${alone.toFixed(2)} s, ${(n / alone).toFixed(2)} images/s, ${((1000 * alone) / n).toFixed(1)} ms/image (best of ${reps})`);

  // (b) the queue with W warm workers
  const redis = await startRedis();
  const rows: { workers: number; seconds: number; imagesPerSecond: number; overheadMsPerJob?: number }[] = [];
  let ceiling = { jobsPerSecond: NaN, bytesPerJob: NaN };
  let aloneAfter = NaN;
  try {
    let sample: { data: SegmentJobData; result: SegmentJobResult } | undefined;
    for (const w of workerCounts) {
      const queue = `bench-${w}`;
      const workers = await Promise.all(Array.from({ length: w }, () => startWorker(redis.url, queue)));
      // warm-up job on every worker (kernel compilation), outside the timing
      const warm = await submitSegmentation({ redis: redis.url, queue, model: modelFile, out: path.join(dir, `warm-${w}`), inputs: files.slice(0, w), instances: true });
      await waitForBatch({ redis: redis.url, queue, batch: warm.batch, intervalMs: 20 });
      let rep = 0;
      let gap = Infinity;
      const seconds = await best(reps, async () => {
        const t0 = performance.now();
        const { batch, jobs } = await submitSegmentation({ redis: redis.url, queue, model: modelFile, out: path.join(dir, `queued-${w}-${rep++}`), inputs: files, instances: true });
        const s = await waitForBatch({ redis: redis.url, queue, batch, intervalMs: 20 });
        if (s.done !== n) throw new Error(`batch ${batch}: ${s.done} of ${n} done, ${s.failed} failed`);
        gap = Math.min(gap, ((performance.now() - t0) / 1000 - (await processingSeconds(redis.url, queue, jobs.map((j) => j.id)))) / n);
      });
      sample ??= await sampleJob(redis.url, queue);
      await Promise.all(workers.map(stop));
      const row = { workers: w, seconds, imagesPerSecond: n / seconds, ...(w === 1 ? { overheadMsPerJob: (1000 * (seconds - alone)) / n, outsideJobsMsPerJob: 1000 * gap } : {}) };
      rows.push(row);
      console.log(`queue, ${w} worker${w > 1 ? 's' : ''}: ${seconds.toFixed(2)} s, ${row.imagesPerSecond.toFixed(2)} images/s (${(alone / seconds).toFixed(2)}× segment alone)${row.overheadMsPerJob !== undefined ? `, overhead ${row.overheadMsPerJob.toFixed(1)} ms/job (wall − segment alone), ${row.outsideJobsMsPerJob!.toFixed(1)} ms/job outside the processor (wall − Σ processing)` : ''} (best of ${reps})`);
    }
    aloneAfter = await best(reps, aloneRun); // the machine may have changed meanwhile: segment alone again
    console.log(`segment alone, again: ${aloneAfter.toFixed(2)} s (best of ${reps})`);
    ceiling = await queueCeiling(redis.url, sample!.data, sample!.result);
    console.log(`queue alone: ${ceiling.jobsPerSecond.toFixed(0)} jobs/s through BullMQ on this Redis (empty jobs, one process, concurrency 50); ${ceiling.bytesPerJob.toFixed(0)} B of Redis memory per finished job`);
  } finally {
    await rt.dispose();
    await redis.stop();
  }
  const report = { date: new Date().toISOString(), n, size, reps, preset: 'tiny', backend, cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', load: os.loadavg(), segmentAlone: { seconds: alone, secondsAgain: aloneAfter, imagesPerSecond: n / alone }, queue: rows, queueAlone: ceiling };
  if (values.json) writeFileAtomic(values.json, new TextEncoder().encode(`${JSON.stringify(report, null, 2)}\n`));
  fs.rmSync(dir, { recursive: true, force: true });
};

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
