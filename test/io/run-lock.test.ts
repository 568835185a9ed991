import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, LockError } from '../../src/io/run-lock.js';
import { deadPid } from './helpers.js';
import { thrown } from '../helpers/errors.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'unet-lock-'));



describe('acquireLock', () => {
  it('writes pid, hostname and start time, refuses a second holder naming it, and release removes it', () => {
    const file = join(tmp(), 'train.lock');
    const lock = acquireLock(file);
    const owner = JSON.parse(readFileSync(file, 'utf8'));
    expect(owner).toEqual({ pid: process.pid, hostname: hostname(), started: lock.owner.started });
    expect(lock.tookOver).toBeUndefined();
    const e = thrown(() => acquireLock(file));
    expect(e).toBeInstanceOf(LockError);
    expect((e as LockError).message).toContain(`${file}: locked by pid ${process.pid} on ${hostname()}`);
    expect((e as LockError).message).toContain('still running');
    lock.release();
    expect(existsSync(file)).toBe(false);
    lock.release(); // twice is fine
    acquireLock(file).release();
  });

  it('takes over a stale lock (its pid is gone) and says whose it was', () => {
    const file = join(tmp(), 'train.lock');
    const stale = { pid: deadPid(), hostname: hostname(), started: '2026-01-01T00:00:00.000Z' };
    writeFileSync(file, JSON.stringify(stale));
    const lock = acquireLock(file);
    expect(lock.tookOver).toEqual(stale);
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('never takes over a lock of another host, nor one it cannot read', () => {
    const dir = tmp();
    const file = join(dir, 'train.lock');
    writeFileSync(file, JSON.stringify({ pid: deadPid(), hostname: 'elsewhere', started: 'x' }));
    expect(() => acquireLock(file)).toThrow(/locked by pid \d+ on elsewhere.*another host/);
    writeFileSync(file, 'garbage');
    expect(() => acquireLock(file)).toThrow(/not one of ours/);
    expect(readFileSync(file, 'utf8')).toBe('garbage');
  });

  it('release leaves alone a lock that is no longer ours', () => {
    const file = join(tmp(), 'train.lock');
    const lock = acquireLock(file);
    writeFileSync(file, JSON.stringify({ pid: 1, hostname: hostname(), started: 'later' }));
    lock.release();
    expect(existsSync(file)).toBe(true);
  });

  it('is released when the process exits, even on an uncaught error', () => {
    const file = join(tmp(), 'train.lock');
    const src = `import { acquireLock } from ${JSON.stringify(new URL('../../src/io/run-lock.ts', import.meta.url).pathname)}; acquireLock(${JSON.stringify(file)}); throw new Error('boom');`;
    expect(() => execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', src], { stdio: 'pipe' })).toThrow(/boom/);
    expect(existsSync(file)).toBe(false);
  });
});
