/**
 * A lock file that makes one process the only writer of a folder (a training run's `--out`).
 *
 * The lock holds `{ pid, hostname, started }` as JSON. It is written whole to a temporary
 * file and then hard-linked to the lock's name: link(2) fails with EEXIST when the name
 * exists, so exactly one of two racing processes gets it (exclusive), and the name never
 * points at a half-written file (atomic). On file systems without hard links it falls back
 * to an exclusive create (`wx`), exclusive but briefly empty.
 *
 * A lock whose pid is no longer alive on this host is stale (its process was killed before
 * it could remove it) and is taken over; one from another host cannot be checked and is
 * never taken over. The lock is removed by `release`, and at process exit as a fallback
 * (normal exit, uncaught error, `process.exit` from a signal handler); only SIGKILL or a
 * power loss leaves it behind, as a stale lock.
 *
 * @example
 * const lock = acquireLock('runs/a/train.lock'); // throws LockError if another run holds it
 * try {
 *   // write into runs/a
 * } finally {
 *   lock.release();
 * }
 */
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { pidAlive, tempPath } from './atomic.js';

/** Who holds a lock. */
export interface LockOwner {
  readonly pid: number;
  readonly hostname: string;
  /** ISO 8601 time the lock was taken. */
  readonly started: string;
}

/** A lock held by a live process (or one that cannot be checked): names the file and the owner. */
export class LockError extends Error {
  readonly _tag = 'LockError' as const;

  constructor(
    readonly file: string,
    /** The holder, when the lock file could be read. */
    readonly owner: LockOwner | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'LockError';
  }
}

export interface Lock {
  readonly file: string;
  readonly owner: LockOwner;
  /** The owner of the stale lock this one replaced (its process was gone), if any. */
  readonly tookOver?: LockOwner;
  /** Removes the lock file if it is still ours; safe to call more than once. */
  readonly release: () => void;
}

const isOwner = (x: unknown): x is LockOwner => {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o['pid'] === 'number' && typeof o['hostname'] === 'string' && typeof o['started'] === 'string';
};

/** The owner recorded in `file`, undefined if it is gone, 'unreadable' if it is not a lock we wrote. */
const readOwner = (file: string): LockOwner | 'unreadable' | undefined => {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return 'unreadable';
  }
  try {
    const o: unknown = JSON.parse(text);
    return isOwner(o) ? o : 'unreadable';
  } catch {
    return 'unreadable';
  }
};

const same = (a: LockOwner, b: LockOwner): boolean => a.pid === b.pid && a.hostname === b.hostname && a.started === b.started;

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

/** Creates `file` holding `body` if no such file exists; false if one does. */
const createExclusive = (file: string, body: string): boolean => {
  const temp = tempPath(file);
  fs.writeFileSync(temp, body, { flag: 'wx' });
  try {
    fs.linkSync(temp, file);
    return true;
  } catch (e) {
    if (code(e) === 'EEXIST') return false;
    // No hard links here (some network or FUSE file systems): exclusive create instead.
    try {
      fs.writeFileSync(file, body, { flag: 'wx' });
      return true;
    } catch (e2) {
      if (code(e2) === 'EEXIST') return false;
      throw e2;
    }
  } finally {
    fs.rmSync(temp, { force: true });
  }
};

/**
 * Removes the stale lock `file` only if it still records `stale`: it is first renamed to a
 * name of our own (atomic), so a fresh lock another process put there in the meantime is
 * recognised and put back instead of deleted. True when the stale lock is gone.
 */
const removeStale = (file: string, stale: LockOwner): boolean => {
  const aside = `${file}.stale-${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if (code(e) === 'ENOENT') return true; // someone else removed it first
    throw e;
  }
  const moved = readOwner(aside);
  if (moved !== undefined && moved !== 'unreadable' && same(moved, stale)) {
    fs.rmSync(aside, { force: true });
    return true;
  }
  // Not the lock we judged stale: a process took it over between our read and rename. Put it back.
  try {
    fs.linkSync(aside, file);
  } catch {
    // the name is taken again (by a third process): that one holds the lock now
  }
  fs.rmSync(aside, { force: true });
  return false;
};

const describe = (o: LockOwner): string => `pid ${o.pid} on ${o.hostname}, started ${o.started}`;

/**
 * Takes the lock `file` for this process, taking over a stale one (see the module comment).
 * Throws a LockError naming the file and the owner when a live process holds it, when it
 * belongs to another host, or when it cannot be read; system errors (no permission to write
 * the folder) propagate as they are.
 */
export const acquireLock = (file: string): Lock => {
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), started: new Date().toISOString() };
  const body = JSON.stringify(owner) + '\n';
  let tookOver: LockOwner | undefined;
  // A few rounds: each lost race re-reads the lock and decides again.
  for (let round = 0; round < 5; round++) {
    if (createExclusive(file, body)) {
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        process.off('exit', release);
        const now = readOwner(file);
        // Never remove a lock that is no longer ours (taken over after we were presumed dead).
        if (now !== undefined && now !== 'unreadable' && same(now, owner)) fs.rmSync(file, { force: true });
      };
      process.on('exit', release);
      return { file, owner, ...(tookOver ? { tookOver } : {}), release };
    }
    const held = readOwner(file);
    if (held === undefined) continue; // released between our attempt and the read
    if (held === 'unreadable') {
      throw new LockError(file, undefined, `${file}: a lock file that is not one of ours (expected JSON with pid, hostname, started); if no run is writing this folder, delete it`);
    }
    if (held.hostname !== owner.hostname) {
      throw new LockError(file, held, `${file}: locked by ${describe(held)}; a process on another host cannot be checked from ${owner.hostname}, so if that run is gone, delete the lock file`);
    }
    if (pidAlive(held.pid)) {
      throw new LockError(file, held, `${file}: locked by ${describe(held)}, which is still running; another run is writing this folder (wait for it, stop it, or use another folder)`);
    }
    if (removeStale(file, held)) tookOver = held;
  }
  throw new LockError(file, undefined, `${file}: could not take the lock (other processes keep taking it)`);
};
