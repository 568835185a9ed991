import { describe, expect, it } from 'vitest';
import type { TileForward } from '../../src/infer/tiles.js';
import { serialForward } from '../../src/queue/worker.js';
import { randomModel } from '../infer/helpers.js';

/** A forward whose tiles are settled at once (as on the cpu backend) and that records overlap. */
const fake = (busyMs = 0): { forward: TileForward; log: string[] } => {
  const log: string[] = [];
  let running = 0;
  const forward: TileForward = {
    engine: 'fake',
    model: randomModel({}, 1),
    forwardTile: async (_input, n) => {
      const until = performance.now() + busyMs;
      while (performance.now() < until); // computing on the main thread, as the cpu backend does
      running++;
      log.push(running > 1 ? 'overlap' : `tile ${n}`);
      await Promise.resolve();
      running--;
      return new Float32Array(1);
    },
  };
  return { forward, log };
};

describe('serialForward (the tile forward of a worker)', () => {
  it('runs the tiles of concurrent jobs one at a time', async () => {
    const { forward, log } = fake();
    const f = serialForward(forward);
    await Promise.all([1, 2, 3, 4].map((n) => f.forwardTile(new Float32Array(1), n)));
    expect(log).toEqual(['tile 1', 'tile 2', 'tile 3', 'tile 4']);
    // without it the fake's tiles overlap (the check can fail)
    const raw = fake();
    await Promise.all([1, 2].map((n) => raw.forward.forwardTile(new Float32Array(1), n)));
    expect(raw.log).toContain('overlap');
  });

  it('gives timers (the job lock renewal) a turn between tiles whose promises settle at once', async () => {
    const run = async (f: TileForward): Promise<number> => {
      let fired = 0;
      const timer = setInterval(() => fired++, 0);
      for (let i = 0; i < 50; i++) await f.forwardTile(new Float32Array(1), i); // as predictStrips does
      clearInterval(timer);
      return fired;
    };
    expect(await run(fake(2).forward)).toBe(0); // 100 ms of tiles and the timer starved: one chain of microtasks
    expect(await run(serialForward(fake(2).forward))).toBeGreaterThan(10); // a turn after every 2 ms tile
  });
});
