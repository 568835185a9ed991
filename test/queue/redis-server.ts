/**
 * A real Redis for the queue tests: Debian's `redis-server` (scripts/setup-backends.sh installs
 * it), started on a free loopback port with its data in a temporary folder and the append-only
 * file on, so that a restart (SIGTERM, then the same command) comes back with the queue as it
 * was, as a production Redis with persistence does. Without the binary the tests skip and say why.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { openRedis } from '../../src/queue/redis.js';

const CANDIDATES = process.env['REDIS_SERVER'] ? [process.env['REDIS_SERVER']] : ['/usr/bin/redis-server', '/usr/local/bin/redis-server', '/usr/sbin/redis-server'];

/** The binary, or undefined when none exists. */
export const redisServerPath: string | undefined = CANDIDATES.find((p) => fs.existsSync(p)) ?? (spawnSync('which', ['redis-server'], { encoding: 'utf8' }).stdout.trim() || undefined);

/** Why the queue tests skip (only when no binary exists). */
export const noRedis = `no redis-server (looked for ${CANDIDATES.join(', ')} and on PATH; as root: bash scripts/setup-backends.sh installs Debian's redis-server, or set REDIS_SERVER)`;

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** SIGTERM (Redis saves and exits), then the same server again on the same port and data. */
  readonly restart: () => Promise<void>;
  /** Stops the server and removes its data folder. */
  readonly stop: () => Promise<void>;
}

const exited = (p: ChildProcess): Promise<void> => new Promise((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve() : p.once('exit', () => resolve())));

/** Starts redis-server on a free port; resolves when it answers PING. */
export const startRedis = async (): Promise<RedisServer> => {
  if (redisServerPath === undefined) throw new Error(noRedis);
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unet-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--daemonize', 'no', '--logfile', path.join(dir, 'redis.log')];
  let proc: ChildProcess;
  const launch = async (): Promise<void> => {
    proc = spawn(redisServerPath, args, { stdio: 'ignore' });
    const t0 = Date.now();
    for (;;) {
      try {
        await (await openRedis(url)).quit();
        return;
      } catch (e) {
        if (proc.exitCode !== null || Date.now() - t0 > 10_000) throw new Error(`redis-server on port ${port} did not start: ${(e as Error).message}; log: ${fs.readFileSync(path.join(dir, 'redis.log'), 'utf8').slice(-500)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const halt = async (): Promise<void> => {
    proc.kill('SIGTERM');
    await exited(proc);
  };
  await launch();
  return {
    url,
    port,
    restart: async () => {
      await halt();
      await launch();
    },
    stop: async () => {
      await halt();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
};
