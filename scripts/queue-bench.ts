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
 *   npx tsx scripts/queue-bench.ts [--n 40] [--size 128] [--workers 1,2,4] [--json out/queue-bench.json]
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
import { batchKey, type BatchRecord } from '../src/queue/jobs.js';
import { openRedis } from '../src/queue/redis.js';
import { waitForBatch, type BatchStatus } from '../src/queue/status.js';
import { createRuntime } from '../src/runtime/runtime.js';
import { saveCheckpoint } from '../src/train/checkpoint.js';
import { PRESETS } from '../src/unet/config.js';
import { initParams } from '../src/unet/params.js';
import { startRedis } from '../test/queue/redis-server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { n: { type: 'string' }, size: { type: 'string' }, workers: { type: 'string' }, json: { type: 'string' }, backend: { type: 'string' } } });
const n = Number(values.n ?? 40);
const size = Number(values.size ?? 128);
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

/** MEMORY USAGE of one finished job's hash (its data, options, return value). */
const jobMemory = async (url: string, queue: string, s: BatchStatus): Promise<number> => {
  const r = await openRedis(url);
  const record = JSON.parse((await r.get(batchKey(queue, s.batch)))!) as BatchRecord;
  const bytes = Number(await r.call('MEMORY', 'USAGE', `bull:${queue}:${record.jobs[0]!.id}`));
  await r.quit();
  return bytes;
};

/**
 * Jobs per second one Redis moves through BullMQ when the jobs do nothing: 2,000 jobs added in
 * bulk, one in-process worker at concurrency 50. The queue's own ceiling on this machine (the
 * client shares the cores with Redis), what many workers with very short jobs would run into.
 */
const emptyJobsPerSecond = async (url: string): Promise<number> => {
  const { Queue, Worker } = await import('bullmq');
  const connection = { url, maxRetriesPerRequest: null };
  const queue = new Queue('ceiling', { connection });
  const count = 2000;
  let done = 0;
  let finish: () => void = () => {};
  const all = new Promise<void>((resolve) => (finish = resolve));
  const worker = new Worker('ceiling', async () => ({}), { connection, concurrency: 50, autorun: false });
  worker.on('completed', () => ++done === count && finish());
  const t0 = performance.now();
  await queue.addBulk(Array.from({ length: count }, (_, i) => ({ name: 'empty', data: { i } })));
  void worker.run();
  await all;
  const rate = count / ((performance.now() - t0) / 1000);
  await worker.close();
  await queue.close();
  return rate;
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
  const t0 = performance.now();
  for (const f of files) await segmentFile(forward, f, path.join(dir, 'alone'), { instances: true });
  const alone = (performance.now() - t0) / 1000;
  await rt.dispose();
  console.log(`segment alone: ${alone.toFixed(2)} s, ${(n / alone).toFixed(2)} images/s, ${((1000 * alone) / n).toFixed(1)} ms/image`);

  // (b) the queue with W warm workers
  const redis = await startRedis();
  let ceiling = NaN;
  const rows: { workers: number; seconds: number; imagesPerSecond: number; overheadMsPerJob?: number }[] = [];
  try {
    for (const w of workerCounts) {
      const queue = `bench-${w}`;
      const workers = await Promise.all(Array.from({ length: w }, () => startWorker(redis.url, queue)));
      // warm-up job on every worker (kernel compilation), outside the timing
      const warm = await submitSegmentation({ redis: redis.url, queue, model: modelFile, out: path.join(dir, `warm-${w}`), inputs: files.slice(0, w), instances: true });
      await waitForBatch({ redis: redis.url, queue, batch: warm.batch, intervalMs: 20 });
      const mem0 = await usedMemory(redis.url);
      const t = performance.now();
      const { batch } = await submitSegmentation({ redis: redis.url, queue, model: modelFile, out: path.join(dir, `queued-${w}`), inputs: files, instances: true });
      const s = await waitForBatch({ redis: redis.url, queue, batch, intervalMs: 20 });
      const seconds = (performance.now() - t) / 1000;
      if (s.done !== n) throw new Error(`batch ${batch}: ${s.done} of ${n} done, ${s.failed} failed`);
      const bytesPerJob = ((await usedMemory(redis.url)) - mem0) / n; // completed jobs are kept (their ids make resubmission free)
      const jobBytes = await jobMemory(redis.url, queue, s);
      await Promise.all(workers.map(stop));
      const row = { workers: w, seconds, imagesPerSecond: n / seconds, redisBytesPerJob: bytesPerJob, jobHashBytes: jobBytes, ...(w === 1 ? { overheadMsPerJob: (1000 * (seconds - alone)) / n } : {}) };
      rows.push(row);
      console.log(`queue, ${w} worker${w > 1 ? 's' : ''}: ${seconds.toFixed(2)} s, ${row.imagesPerSecond.toFixed(2)} images/s (${(alone / seconds).toFixed(2)}× segment alone)${row.overheadMsPerJob !== undefined ? `, overhead ${row.overheadMsPerJob.toFixed(1)} ms/job` : ''}; Redis: ${bytesPerJob.toFixed(0)} B/job (job hash ${jobBytes} B)`);
    }
    ceiling = await emptyJobsPerSecond(redis.url);
    console.log(`ceiling: ${ceiling.toFixed(0)} empty jobs/s through BullMQ on this Redis (one process, concurrency 50, add + process + complete, no work)`);
  } finally {
    await redis.stop();
  }
  const report = { date: new Date().toISOString(), n, size, preset: 'tiny', backend, cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', segmentAlone: { seconds: alone, imagesPerSecond: n / alone }, queue: rows, emptyJobsPerSecond: ceiling };
  if (values.json) writeFileAtomic(values.json, new TextEncoder().encode(`${JSON.stringify(report, null, 2)}\n`));
  fs.rmSync(dir, { recursive: true, force: true });
};

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
