/**
 * Atomic file replacement: a reader (or a crash) sees the old file or the new one, never a
 * mix or a truncated file.
 *
 * The bytes go to a temporary file in the target's directory (same file system, so the
 * rename is atomic, POSIX rename(2)), which is fsynced before the rename so its data is on
 * disk before the new name points at it; then the directory is fsynced so the rename itself
 * survives a power loss (the recipe of e.g. SQLite and Postgres; see also "Files are hard",
 * Dan Luu 2015). A process killed mid-write leaves the target untouched and, at worst, a
 * stale `<target>.tmp-<pid>-<random>` file behind.
 *
 * @example
 * import { writeFileAtomic } from 'unet-ts/checkpoint';
 * await writeFileAtomic('runs/model.safetensors', bytes)(); // Right(undefined) or Left(CheckpointError)
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { CheckpointError } from './checkpoint-error.js';

/**
 * The temporary name used for `path`: same directory, `<path>.tmp-<pid>-<12 hex digits>`.
 *
 * @example
 * tempPath('/runs/m.safetensors'); // "/runs/m.safetensors.tmp-4242-9f86d081884c"
 */
export const tempPath = (path: string): string => `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;

/** fsync of a directory: makes a rename in it durable (not possible on Windows, skipped there). */
const syncDirectory = async (dir: string): Promise<void> => {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
};

/**
 * Writes `bytes` to `path` atomically: temp file (created exclusively) → write → fsync →
 * close → rename over `path` → fsync the directory. On failure the temp file is removed
 * and the Left names the path, the step and the system error.
 *
 * @example
 * await writeFileAtomic('/tmp/x.bin', new Uint8Array([1, 2, 3]))();
 */
export const writeFileAtomic = (path: string, bytes: Uint8Array): TE.TaskEither<CheckpointError, void> =>
  TE.tryCatch(
    async () => {
      const temp = tempPath(path);
      let step = 'create the temporary file';
      try {
        const handle = await open(temp, 'wx', 0o644);
        try {
          step = 'write';
          await handle.writeFile(bytes);
          step = 'fsync';
          await handle.sync();
        } finally {
          await handle.close();
        }
        step = 'rename over the target';
        await rename(temp, path);
      } catch (e) {
        await unlink(temp).catch(() => undefined); // best effort: it may not exist
        throw new CheckpointError(path, `atomic write failed (${step} ${temp}): ${e instanceof Error ? e.message : String(e)}`);
      }
      try {
        await syncDirectory(dirname(path));
      } catch (e) {
        throw new CheckpointError(path, `written, but fsync of its directory failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
    (e) => (e instanceof CheckpointError ? e : new CheckpointError(path, String(e))),
  );
