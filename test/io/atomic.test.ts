import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtomicWriteError, pidAlive, removeStaleTemps, tempPath, writeFileAtomic } from '../../src/io/atomic.js';
import { deadPid } from './helpers.js';
import { readSafetensorsFile, writeSafetensorsFile } from '../../src/checkpoint/safetensors-file.js';
import { thrown } from '../helpers/errors.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'unet-ts-atomic-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('replaces the target and leaves no temporary file', async () => {
    const target = join(dir, 'plain.bin');
    await writeFile(target, 'old');
    writeFileAtomic(target, new Uint8Array([1, 2, 3]));
    expect([...(await readFile(target))]).toEqual([1, 2, 3]);
    expect((await readdir(dir)).filter((f) => f.startsWith('plain.bin'))).toEqual(['plain.bin']);
  });

  it('creates missing folders', async () => {
    const target = join(dir, 'a', 'b', 'c.bin');
    writeFileAtomic(target, Uint8Array.of(9));
    expect([...(await readFile(target))]).toEqual([9]);
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['c.bin']);
  });

  it('names temporary files next to the target, unique per call', () => {
    const a = tempPath('/x/m.safetensors');
    expect(a).toMatch(new RegExp(`^/x/m\\.safetensors\\.tmp-${process.pid}-[0-9a-f]{12}$`));
    expect(tempPath('/x/m.safetensors')).not.toBe(a);
  });

  it('fails with an AtomicWriteError naming the path, the step and the cause, and cleans up', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const under = join(file, 'm.bin'); // its folder is a file
    const e = thrown(() => writeFileAtomic(under, new Uint8Array(1)));
    expect(e).toBeInstanceOf(AtomicWriteError);
    expect((e as AtomicWriteError).file).toBe(under);
    expect((e as AtomicWriteError).message).toMatch(new RegExp(`^${under.replace(/[.]/g, '\\.')}: atomic write failed \\(create the folder .*(EEXIST|ENOTDIR)`));
    expect(() => writeFileAtomic(dir, new Uint8Array(1))).toThrow(/rename over the target/); // a file over a directory
    expect((await readdir(dir)).some((f) => f.includes('.tmp-'))).toBe(false);
  });
});

describe('removeStaleTemps', () => {
  it('removes the temporary files of dead writers only, and nothing else', async () => {
    const sub = await mkdtemp(join(dir, 'stale-'));
    const dead = deadPid();
    expect(pidAlive(dead)).toBe(false);
    expect(pidAlive(process.pid)).toBe(true);
    const names = [`last.safetensors.tmp-${dead}-0123456789ab`, `log.jsonl.tmp-${process.pid}-0123456789ab`, 'last.safetensors', 'notes.tmp-12-x', `b.tmp-${dead}-0123456789abc`];
    for (const n of names) await writeFile(join(sub, n), 'x');
    expect(removeStaleTemps(sub)).toEqual([`last.safetensors.tmp-${dead}-0123456789ab`]);
    expect((await readdir(sub)).sort()).toEqual(names.slice(1).sort());
    expect(removeStaleTemps(join(sub, 'missing'))).toEqual([]);
  });
});

describe('crash safety', () => {
  const child = fileURLToPath(new URL('./fixtures/writer-child.ts', import.meta.url));
  const floats = 2 << 20; // 8 MiB per checkpoint: each write keeps its temporary file a while
  const isTemp = (f: string) => f.startsWith('crash.safetensors.tmp-');

  /**
   * Runs the writer; from generation `fromGen` on, polls the directory and SIGKILLs the writer
   * the moment a temporary file exists, i.e. inside an atomic write (between creating the
   * temporary file and renaming it), or after 5 s without one. Resolves the last generation
   * the writer finished.
   */
  const runAndKill = (target: string, fromGen: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', child, target, String(floats)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let done = 0;
      let out = '';
      let err = '';
      let watching = false;
      let exited = false;
      const watch = async (): Promise<void> => {
        watching = true;
        const deadline = Date.now() + 5000; // no temporary file in 5 s: kill anyway (the checks below then fail)
        while (!exited) {
          if ((await readdir(dir)).some(isTemp) || Date.now() > deadline) {
            proc.kill('SIGKILL');
            return;
          }
          await new Promise((r) => setTimeout(r, 1));
        }
      };
      proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const lines = out.split('\n');
        out = lines.pop() ?? '';
        for (const line of lines) {
          const [what, gen] = line.split(' ');
          if (what === 'done') done = Number(gen);
          if (what === 'writing' && Number(gen) >= fromGen && !watching) void watch();
        }
      });
      proc.on('exit', (code, signal) => {
        exited = true;
        if (signal === 'SIGKILL') resolve(done);
        else reject(new Error(`writer exited ${code}: ${err}`));
      });
    });

  it('a writer SIGKILLed mid-write leaves the old or the new checkpoint, never a partial one', async () => {
    const target = join(dir, 'crash.safetensors');
    const initial = await writeSafetensorsFile(target, { w: { shape: [floats], data: new Float32Array(floats) } }, { gen: '0' })();
    expect(E.isRight(initial)).toBe(true);
    let midWrite = 0; // kills that left a temporary file behind: the crash hit inside the write
    for (let round = 0; round < 3 && midWrite === 0; round++) {
      const finished = await runAndKill(target, 2);
      const r = await readSafetensorsFile(target)();
      if (E.isLeft(r)) throw r.left;
      const gen = Number(r.right.metadata['gen']);
      expect([finished, finished + 1]).toContain(gen);
      const w = r.right.tensors.get('w')!.data;
      expect(w.length).toBe(floats);
      expect(w.every((v) => v === gen)).toBe(true);
      const temps = (await readdir(dir)).filter(isTemp);
      midWrite += temps.length;
      await Promise.all(temps.map((f) => rm(join(dir, f))));
    }
    expect(midWrite).toBeGreaterThan(0);
  }, 60_000);
});
