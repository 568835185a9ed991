/**
 * Atomic file replacement, the one way every module writes a file: a reader (or a crash)
 * sees the old file or the new one, never a mix or a truncated file.
 *
 * The bytes go to a temporary file in the target's directory (same file system, so the
 * rename is atomic, POSIX rename(2)), which is fsynced before the rename so its data is on
 * disk before the new name points at it; then the directory is fsynced so the rename itself
 * survives a power loss (the recipe of e.g. SQLite and Postgres; see also "Files are hard",
 * Dan Luu 2015). A process killed mid-write leaves the target untouched and, at worst, a
 * stale `<target>.tmp-<pid>-<random>` file behind, which `removeStaleTemps` deletes once
 * that pid is no longer alive. Missing folders are created first.
 *
 * Synchronous on purpose: PNGs, JSON reports and checkpoints are written between steps of a
 * synchronous loop, and one blocking call is simpler for every caller than a Promise.
 *
 * Not the npm package `write-file-atomic`: it fsyncs the file but not the directory (so the
 * rename may be lost on power failure), and brings mode/chown handling and two dependencies
 * we do not need; the recipe here is 40 lines.
 *
 * This folder (src/io) imports nothing from other src folders, so any module may use it.
 *
 * @example
 * import { writeFileAtomic } from '../io/atomic.js';
 * writeFileAtomic('runs/model.safetensors', bytes); // throws AtomicWriteError on failure
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';

/** A failed atomic write: names the target, the step that failed and the system error. */
export class AtomicWriteError extends Error {
  readonly _tag = 'AtomicWriteError' as const;

  constructor(
    /** The file that was to be written. */
    readonly file: string,
    /** What went wrong, without the file name. */
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'AtomicWriteError';
  }
}

/**
 * The temporary name used for `path`: same directory, `<path>.tmp-<pid>-<12 hex digits>`.
 *
 * @example
 * tempPath('/runs/m.safetensors'); // "/runs/m.safetensors.tmp-4242-9f86d081884c"
 */
export const tempPath = (path: string): string => `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;

/** fsync of a directory: makes a rename in it durable (not possible on Windows, skipped there). */
const syncDirectory = (dir: string): void => {
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
};

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Writes `bytes` to `path` atomically: create the folder → temp file (created exclusively)
 * → write → fsync → close → rename over `path` → fsync the directory. On failure the temp
 * file is removed and an AtomicWriteError names the path, the step and the system error.
 *
 * @example
 * writeFileAtomic('/tmp/a/b.bin', Uint8Array.of(1, 2, 3));
 */
export const writeFileAtomic = (path: string, bytes: Uint8Array): void => {
  const dir = dirname(path);
  const temp = tempPath(path);
  let step = 'create the folder';
  try {
    fs.mkdirSync(dir, { recursive: true });
    step = 'create the temporary file';
    const fd = fs.openSync(temp, 'wx', 0o644);
    try {
      step = 'write';
      fs.writeFileSync(fd, bytes);
      step = 'fsync';
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    step = 'rename over the target';
    fs.renameSync(temp, path);
  } catch (e) {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // best effort: the temporary file may not exist, or its folder may not be one
    }
    throw new AtomicWriteError(path, `atomic write failed (${step} ${temp}): ${messageOf(e)}`);
  }
  try {
    syncDirectory(dir);
  } catch (e) {
    throw new AtomicWriteError(path, `written, but fsync of its directory failed: ${messageOf(e)}`);
  }
};

/** `<anything>.tmp-<pid>-<12 hex digits>`: the names `tempPath` makes (pid captured). */
const TEMP_NAME = /\.tmp-(\d+)-[0-9a-f]{12}$/;

/**
 * Whether a process with this pid exists on this host. Signal 0 checks without signalling:
 * ESRCH means no such process; EPERM means one exists that we may not signal (another
 * user's), so it counts as alive. A pid reused by an unrelated process also counts as alive,
 * which errs on the side of keeping files.
 *
 * @example
 * pidAlive(process.pid); // true
 */
export const pidAlive = (pid: number): boolean => {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Deletes the temporary files (`*.tmp-<pid>-<hex>`, see `tempPath`) in `dir` (not its
 * subfolders) whose writer pid is not alive on this host: leftovers of writers killed
 * mid-write. A live pid's file may be a write in progress and is kept. Returns the names
 * removed; a missing folder removes nothing.
 *
 * @example
 * removeStaleTemps('runs/a'); // ["last.safetensors.tmp-4242-9f86d081884c"]
 */
export const removeStaleTemps = (dir: string): string[] => {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw e;
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    try {
      fs.rmSync(join(dir, name), { force: true });
      removed.push(name);
    } catch {
      // best effort: a file we cannot remove (permissions) is left for the user to see
    }
  }
  return removed;
};
