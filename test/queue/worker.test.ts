/**
 * The queue against a real Redis (test/queue/redis-server.ts) and real worker processes: what
 * issue 19 promises — queued outputs equal `unet-ts segment`'s byte for byte, a SIGKILLed
 * worker's job is completed by another, a corrupt image fails alone and at once, a Redis
 * restart mid-batch is ridden out, and a batch submitted twice is computed once.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { queue as queueCommand } from '../../src/cli/commands/queue.js';
import { segment } from '../../src/cli/commands/segment.js';
import { redisOptions, type SegmentJobData, type SegmentJobResult } from '../../src/queue/jobs.js';
import { batchStatus, waitForBatch } from '../../src/queue/status.js';
import { submitSegmentation } from '../../src/queue/submit.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';
import { randomModel } from '../infer/helpers.js';
import { differingFiles, outputFiles, startWorker, stopWorker, until, writeGreyPng, type WorkerProcess } from './helpers.js';
import { noRedis, redisServerPath, startRedis, type RedisServer } from './redis-server.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unet-queue-'));
const modelFile = path.join(dir, 'model.safetensors');
const small = path.join(dir, 'small'); // 20 small images
const medium = path.join(dir, 'medium'); // 8 larger ones, for the Redis restart
const big = path.join(dir, 'big', 'big.png'); // one image of many tiles, for the SIGKILL
const workers: WorkerProcess[] = [];
let redis: RedisServer;
let bigReference: Promise<Map<string, Buffer>> | undefined;

/** Runs a command in this process with its output swallowed; returns the exit code. */
const quiet = async (run: () => Promise<number>): Promise<{ code: number; out: string }> => {
  const out: string[] = [];
  const spies = [
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' '))),
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void out.push(a.join(' '))),
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true),
  ];
  try {
    return { code: await run(), out: out.join('\n') };
  } finally {
    for (const s of spies) s.mockRestore();
  }
};

/** `unet-ts segment` in this process on the cpu backend: the reference outputs. */
const segmentInto = async (out: string, inputs: readonly string[]): Promise<Map<string, Buffer>> => {
  expect((await quiet(() => segment.run(['--model', modelFile, '--out', out, '--backend', 'cpu', '--instances', ...inputs]))).code).toBe(0);
  return outputFiles(out);
};

const jobsOf = async (queueName: string): Promise<{ queue: Queue<SegmentJobData, SegmentJobResult>; close: () => Promise<void> }> => {
  const queue = new Queue<SegmentJobData, SegmentJobResult>(queueName, { connection: redisOptions(redis.url) });
  return { queue, close: () => queue.close() };
};

if (!redisServerPath) console.warn(`queue tests skipped: ${noRedis}`);

describe.skipIf(!redisServerPath)(`segmentation jobs on a real Redis${redisServerPath ? '' : ` (skipped: ${noRedis})`}`, () => {
  beforeAll(async () => {
    redis = await startRedis();
    await saveCheckpoint(modelFile, randomModel({ depth: 2, base: 2, tile: 64 }, 3));
    fs.mkdirSync(small);
    fs.mkdirSync(medium);
    fs.mkdirSync(path.dirname(big));
    for (let i = 0; i < 20; i++) writeGreyPng(path.join(small, `s${String(i).padStart(2, '0')}.png`), 30 + (i % 5) * 4, 28 + (i % 3) * 5, i);
    for (let i = 0; i < 8; i++) writeGreyPng(path.join(medium, `m${i}.png`), 150, 140, 100 + i);
    writeGreyPng(big, 420, 400, 999);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => stopWorker(w)));
    await redis?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('3 worker processes on 20 images write what one `segment` writes, byte for byte; the same batch again computes nothing', async () => {
    const want = await segmentInto(path.join(dir, 'ref-small'), [small]);
    expect(want.size).toBe(20 * 5);
    const q = ['--redis', redis.url, '--queue', 'three'];
    const started = await Promise.all([0, 1, 2].map(() => startWorker(redis.url, ['--queue', 'three'])));
    workers.push(...started);
    const out = path.join(dir, 'out-small');
    const sub = await quiet(() => queueCommand.run(['submit', ...q, '--model', modelFile, '--out', out, '--instances', small]));
    expect(sub.code).toBe(0);
    expect(sub.out).toMatch(/^batch [0-9a-f]{16}: 20 jobs on queue three \(20 new, 0 queued, running or done already\)$/m);
    const waited = await quiet(() => queueCommand.run(['wait', ...q, '--interval', '100']));
    expect(waited.code, waited.out).toBe(0);
    expect(waited.out).toMatch(/20\/20 jobs .*: 0 waiting, 0 active, 20 done, 0 failed/);
    expect(differingFiles(outputFiles(out), want)).toEqual([]);
    // the work was shared, and each job ran once
    const { queue, close } = await jobsOf('three');
    const done = await queue.getCompleted(0, -1);
    await close();
    expect(done).toHaveLength(20);
    expect(new Set(done.map((j) => j.returnvalue.worker)).size).toBeGreaterThanOrEqual(2);
    const doneLines = () => started.reduce((n, w) => n + (w.output().match(/^done /gm)?.length ?? 0), 0);
    await until('a line per finished job from the workers', () => doneLines() >= 20, 5000);
    expect(doneLines()).toBe(20);
    // submitted again: same batch id, nothing new, nothing recomputed
    const mtimes = [...outputFiles(out).keys()].map((f) => fs.statSync(path.join(out, f)).mtimeMs);
    const again = await quiet(() => queueCommand.run(['submit', ...q, '--model', modelFile, '--out', out, '--instances', small]));
    expect(again.out).toContain(sub.out.split(':')[0]!); // "batch <same id>"
    expect(again.out).toMatch(/\(0 new, 20 queued, running or done already\)/);
    const status = await quiet(() => queueCommand.run(['status', ...q]));
    expect(status.out).toMatch(/\[#{24}\] 20\/20 jobs .*: 0 waiting, 0 active, 20 done, 0 failed$/);
    await new Promise((r) => setTimeout(r, 500));
    expect(doneLines()).toBe(20);
    expect([...outputFiles(out).keys()].map((f) => fs.statSync(path.join(out, f)).mtimeMs)).toEqual(mtimes);
    await Promise.all(started.map(stopWorker));
  });

  it('a worker SIGKILLed mid-job: another worker completes the job; the outputs are whole and equal `segment`', async () => {
    const out = path.join(dir, 'out-kill');
    const a = await startWorker(redis.url, ['--queue', 'kill']);
    workers.push(a);
    const { batch, jobs } = await submitSegmentation({ redis: redis.url, queue: 'kill', model: modelFile, out, inputs: [big], instances: true });
    const { queue, close } = await jobsOf('kill');
    try {
      // mid-job: some tiles done, not all
      await until('the job to be under way', async () => {
        const p = (await queue.getJob(jobs[0]!.id))?.progress as { done?: number; total?: number } | undefined;
        return (p?.done ?? 0) > 0;
      });
      const p = (await queue.getJob(jobs[0]!.id))!.progress as { done: number; total: number };
      expect(p.done).toBeLessThan(p.total);
      const st = await batchStatus({ redis: redis.url, queue: 'kill', batch });
      expect(st.active).toBe(1);
      expect(st.activeTiles.total).toBe(p.total); // the tiles of the active job, as `queue status` shows them
      expect(st.activeTiles.done).toBeGreaterThanOrEqual(p.done);
      a.child.kill('SIGKILL');
      await a.exited;
      expect(fs.existsSync(out) ? outputFiles(out).size : 0).toBe(0); // killed before writing: nothing, not half
      const b = await startWorker(redis.url, ['--queue', 'kill']);
      workers.push(b);
      const s = await waitForBatch({ redis: redis.url, queue: 'kill', batch, intervalMs: 100 });
      expect(s).toMatchObject({ total: 1, done: 1, failed: 0 });
      const job = (await queue.getJob(jobs[0]!.id))!;
      expect(job.returnvalue.worker).toMatch(new RegExp(`:${b.pid}$`));
      expect(job.stalledCounter).toBeGreaterThanOrEqual(1); // taken over from A (more only if a loaded machine delays B's lock renewal past LOCK_MS)
      expect(differingFiles(outputFiles(out), await (bigReference ??= segmentInto(path.join(dir, 'ref-big'), [big])))).toEqual([]);
      await stopWorker(b);
    } finally {
      await close();
    }
  });

  it('a corrupt image fails its job at once with the error `segment` gives; the rest of the batch completes', async () => {
    const inputs = path.join(dir, 'with-bad');
    fs.mkdirSync(inputs);
    for (const f of ['s00.png', 's01.png', 's02.png']) fs.copyFileSync(path.join(small, f), path.join(inputs, f));
    const bad = path.join(inputs, 'broken.png');
    fs.writeFileSync(bad, fs.readFileSync(path.join(small, 's03.png')).subarray(0, 60)); // cut short
    const segmentError = await quiet(() => segment.run(['--model', modelFile, '--out', path.join(dir, 'ref-bad'), '--backend', 'cpu', bad])).then(
      () => '',
      (e: Error) => `${e.name}: ${e.message}`,
    );
    expect(segmentError).toMatch(/^DataError: .*broken\.png: /);
    const w = await startWorker(redis.url, ['--queue', 'bad']);
    workers.push(w);
    const out = path.join(dir, 'out-bad');
    const { batch } = await submitSegmentation({ redis: redis.url, queue: 'bad', model: modelFile, out, inputs: [inputs], instances: true });
    const waited = await quiet(() => queueCommand.run(['wait', '--redis', redis.url, '--queue', 'bad', '--batch', batch, '--interval', '100']));
    expect(waited.code).toBe(1);
    expect(waited.out).toContain(`failed: ${bad} (job `);
    const s = await batchStatus({ redis: redis.url, queue: 'bad', batch });
    expect(s).toMatchObject({ total: 4, done: 3, failed: 1 });
    expect(s.failures.map((f) => [f.image, f.reason])).toEqual([[bad, segmentError]]);
    const { queue, close } = await jobsOf('bad');
    const [failed] = await queue.getFailed(0, -1);
    await close();
    expect(failed!.attemptsMade).toBe(1); // no retries
    expect([...outputFiles(out).keys()].filter((f) => f.startsWith('broken'))).toEqual([]);
    expect(outputFiles(out).size).toBe(3 * 5);
    await stopWorker(w);
  });

  it('a large image as strips of tiles on 2 workers: the last strip assembles it, byte for byte what `segment` writes', async () => {
    const started = await Promise.all([0, 1].map(() => startWorker(redis.url, ['--queue', 'strips'])));
    workers.push(...started);
    const out = path.join(dir, 'out-strips');
    const sub = await quiet(() => queueCommand.run(['submit', '--redis', redis.url, '--queue', 'strips', '--model', modelFile, '--out', out, '--instances', '--strip-pixels', '40000', big]));
    expect(sub.out).toMatch(/: (\d+) jobs for 1 images on queue strips/);
    const count = Number(/: (\d+) jobs for/.exec(sub.out)![1]);
    expect(count).toBeGreaterThanOrEqual(4); // 420 × 400 output pixels, at most 40,000 a strip
    const s = await waitForBatch({ redis: redis.url, queue: 'strips', intervalMs: 100 });
    expect(s).toMatchObject({ total: count, done: count, failed: 0 });
    expect(differingFiles(outputFiles(out), await (bigReference ??= segmentInto(path.join(dir, 'ref-big'), [big])))).toEqual([]);
    expect(fs.readdirSync(path.join(out, '.unet-ts-parts'))).toEqual([]); // the parts are removed once assembled
    const { queue, close } = await jobsOf('strips');
    const done = await queue.getCompleted(0, -1);
    await close();
    expect(done.filter((j) => j.returnvalue.strip?.assembled).length).toBeGreaterThanOrEqual(1);
    expect(new Set(done.map((j) => j.returnvalue.strip?.index)).size).toBe(count);
    await Promise.all(started.map(stopWorker));
  });

  it('Redis restarting mid-batch: the workers reconnect and the batch completes, equal to `segment`', async () => {
    const want = await segmentInto(path.join(dir, 'ref-medium'), [medium]);
    // two jobs held per worker: decoding and writing overlap, tiles take turns on each runtime
    const started = await Promise.all([0, 1].map(() => startWorker(redis.url, ['--queue', 'restart', '--concurrency', '2'])));
    workers.push(...started);
    const out = path.join(dir, 'out-medium');
    const { batch } = await submitSegmentation({ redis: redis.url, queue: 'restart', model: modelFile, out, inputs: [medium], instances: true });
    await until('a first finished job', () => fs.existsSync(out) && outputFiles(out).size >= 5);
    const before = outputFiles(out).size;
    await redis.restart();
    expect(before).toBeLessThan(8 * 5); // the restart came mid-batch
    const s = await waitForBatch({ redis: redis.url, queue: 'restart', batch, intervalMs: 100 });
    expect(s).toMatchObject({ total: 8, done: 8, failed: 0 });
    expect(differingFiles(outputFiles(out), want)).toEqual([]);
    await Promise.all(started.map(stopWorker));
  });
});
