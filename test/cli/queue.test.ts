/**
 * `unet-ts queue` and `unet-ts worker` in-process: the usage errors (exit 2, found before any
 * file or server is touched) and an unreachable Redis (one line naming the URL). The jobs
 * themselves run against a real Redis in test/queue/worker.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { formatBatchStatus, queue } from '../../src/cli/commands/queue.js';
import { worker } from '../../src/cli/commands/worker.js';
import { QueueError } from '../../src/queue/redis.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';
import { expectRejection } from '../helpers/errors.js';
import { randomModel } from '../infer/helpers.js';
import { freePort } from '../queue/redis-server.js';
import { writeGreyPng } from '../queue/helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unet-cli-queue-'));
const modelFile = path.join(dir, 'model.safetensors');
const img = path.join(dir, 'a.png');
let nobody = '';

beforeAll(async () => {
  await saveCheckpoint(modelFile, randomModel({ depth: 2, base: 2, tile: 64 }, 1));
  writeGreyPng(img, 30, 30, 1);
  nobody = `redis://127.0.0.1:${await freePort()}`; // nothing listens there
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('unet-ts queue / worker', () => {
  it('bad usage is a UsageError naming the flag, the value and what was expected', async () => {
    const usage = (p: Promise<number>, message: string | RegExp): Promise<void> => expectRejection(p, UsageError, message);
    await usage(queue.run([]), "queue: no subcommand; expected submit, status or wait (see 'unet-ts queue --help')");
    await usage(queue.run(['retry']), "queue: unknown subcommand 'retry'; expected submit, status or wait (see 'unet-ts queue --help')");
    await usage(queue.run(['submit', '--model', modelFile, '--out', dir, img]), 'queue submit: --redis is required');
    await usage(queue.run(['status', '--redis', 'localhost:6379']), 'queue status: --redis localhost:6379: expected a URL redis://host[:port][/db] (or rediss:// for TLS), e.g. redis://127.0.0.1:6379');
    await usage(queue.run(['submit', '--redis', nobody, '--out', dir, img]), 'queue submit: --model is required');
    await usage(queue.run(['submit', '--redis', nobody, '--model', modelFile, '--out', dir]), /^queue submit: no input images/);
    await usage(queue.run(['submit', '--redis', nobody, '--model', modelFile, '--out', dir, '--attempts', '0', img]), 'queue submit: --attempts 0: expected a number ≥ 1 and ≤ 100');
    await usage(queue.run(['submit', '--redis', nobody, '--model', modelFile, '--out', dir, '--strip-pixels', '0', img]), /^queue submit: --strip-pixels 0: expected a number ≥ 1 and ≤ /);
    await usage(queue.run(['submit', '--redis', nobody, '--model', modelFile, '--out', dir, '--strip-pixels', '1000', '--tta', img]), /^queue submit: --strip-pixels does not go with --tta/);
    await usage(queue.run(['submit', '--redis', nobody, '--model', modelFile, '--out', dir, '--tile', '62', img]), /^queue submit: --tile 62: .*nearest valid sizes: 60 or 64$/);
    await usage(queue.run(['wait', '--redis', nobody, '--interval', '5']), 'queue wait: --interval 5: expected a number ≥ 10 and ≤ 600000');
    await usage(queue.run(['status', '--redis', nobody, '--bogus']), /^queue status: Unknown option '--bogus'/);
    await usage(worker.run([]), 'worker: --redis is required');
    await usage(worker.run(['--redis', 'http://x']), /^worker: --redis http:\/\/x: expected a URL/);
    await usage(worker.run(['--redis', nobody, '--concurrency', '0']), 'worker: --concurrency 0: expected a number ≥ 1 and ≤ 1000');
    await usage(worker.run(['--redis', nobody, '--backend', 'nosuch']), /^worker: --backend nosuch: unknown backend/);
  });

  it('a missing model or input is the error segment gives, before Redis is asked', async () => {
    await expect(queue.run(['submit', '--redis', nobody, '--model', path.join(dir, 'nope.safetensors'), '--out', dir, img])).rejects.toThrow(/^model file .*nope\.safetensors does not exist$/);
    await expect(queue.run(['submit', '--redis', nobody, '--model', modelFile, '--out', dir, path.join(dir, 'missing.png')])).rejects.toThrow(/^input .*missing\.png does not exist$/);
  });

  it('an unreachable Redis is one QueueError naming the URL, from every subcommand and the worker', async () => {
    const why = new RegExp(`^cannot reach Redis at ${nobody.replace(/[.]/g, '\\.')}: .*ECONNREFUSED.*; start it .* or check --redis$`);
    await expectRejection(queue.run(['submit', '--redis', nobody, '--model', modelFile, '--out', path.join(dir, 'out'), img]), QueueError, why);
    await expectRejection(queue.run(['status', '--redis', nobody]), QueueError, why);
    await expectRejection(queue.run(['wait', '--redis', nobody]), QueueError, why);
    await expectRejection(worker.run(['--redis', nobody, '--backend', 'cpu']), QueueError, why);
  });

  it('formatBatchStatus: a bar of finished jobs and the counts', () => {
    const s = { batch: '0123456789abcdef', queue: 'q', created: 0, total: 20, waiting: 3, active: 2, activeTiles: { done: 17, total: 40 }, done: 14, failed: 1, failures: [] };
    expect(formatBatchStatus(s, 10_000)).toBe('batch 0123456789abcdef [##################      ] 15/20 jobs 1.5 jobs/s ETA 3s: 3 waiting, 2 active (17/40 tiles), 14 done, 1 failed');
    expect(formatBatchStatus({ ...s, active: 0, activeTiles: { done: 0, total: 0 } }, 10_000)).toMatch(/: 3 waiting, 0 active, 14 done, 1 failed$/);
  });
});
