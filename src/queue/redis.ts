/**
 * A plain Redis client for what BullMQ does not keep (the batch records) and for checking, before
 * any work, that the server answers: a wrong `--redis` or a stopped server is one clear error at
 * once, not a client retrying in silence. Once connected, the client reconnects by itself after
 * a Redis restart (every 0.2 s, at most 2 s apart) and its commands wait for the reconnect.
 *
 * @example
 * import { openRedis } from './redis.js';
 * const redis = await openRedis('redis://127.0.0.1:6379'); // throws QueueError if nothing answers
 * await redis.quit();
 */
import type { Redis } from 'ioredis';
import { redisOptions } from './jobs.js';

/** A queue failure: Redis not reachable, an unknown batch, a job the worker cannot run. */
export class QueueError extends Error {
  readonly _tag = 'QueueError' as const;

  constructor(message: string) {
    super(message);
    this.name = 'QueueError';
  }
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * A connected client for `url` (see `redisOptions`), or a QueueError naming the URL and the
 * reason when the first connection fails.
 *
 * @example
 * await openRedis('redis://127.0.0.1:1'); // throws "cannot reach Redis at redis://127.0.0.1:1: connect ECONNREFUSED …"
 */
export const openRedis = async (url: string): Promise<Redis> => {
  let ready = false;
  const { Redis } = await import('ioredis'); // loaded on first use: `import 'unet-ts'` and the CLI's other commands do without it
  const client = new Redis(url, {
    ...redisOptions(url),
    lazyConnect: true,
    connectTimeout: 5000,
    retryStrategy: (times) => (ready ? Math.min(200 * times, 2000) : null),
  });
  let firstError: unknown;
  client.on('error', (e) => (firstError ??= e)); // reported below; later ones end in a reconnect
  try {
    await client.connect();
    await client.ping();
    ready = true;
    return client;
  } catch (e) {
    client.disconnect();
    throw new QueueError(`cannot reach Redis at ${url}: ${messageOf(firstError ?? e)}; start it (e.g. redis-server --port 6379) or check --redis`);
  }
};
