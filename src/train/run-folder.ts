/**
 * A training run's folder (`train --out DIR`) belongs to one run: these are the pieces the
 * CLI puts together to enforce that (src/cli/commands/train.ts).
 *
 * - `runFilesIn`: the files that mark a folder as holding a run (log, checkpoints).
 * - `archivePreviousRun`: `--overwrite` moves the old run's files into
 *   `DIR/previous-<UTC time>/` rather than deleting them: starting again must not mix old
 *   and new files, and moving (a rename each, no copying) keeps a run someone may still
 *   want; deleting it is then an explicit `rm -r`.
 * - `lockFile`: where the lock of src/io/run-lock.ts lives.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';

/** Files whose presence means a run has written to the folder. */
export const RUN_MARKERS = ['log.jsonl', 'last.safetensors', 'best.safetensors'] as const;

/** Everything a run writes in its folder (moved by `archivePreviousRun`). */
export const RUN_OUTPUTS = [...RUN_MARKERS, 'loss.png', 'val'] as const;

/** The lock of the run writing `dir`. */
export const lockFile = (dir: string): string => join(dir, 'train.lock');

/** Which of RUN_MARKERS exist in `dir`. */
export const runFilesIn = (dir: string): string[] => RUN_MARKERS.filter((f) => existsSync(join(dir, f)));

/** `previous-20261121T103015Z`: sortable, no characters that need quoting in a shell. */
const stamp = (now: Date): string => now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/**
 * Moves the run outputs present in `dir` into a new `dir/previous-<UTC time>[-n]/` folder.
 * Returns that folder and the names moved, or undefined when there was nothing to move.
 */
export const archivePreviousRun = (dir: string, now: Date = new Date()): { readonly folder: string; readonly moved: readonly string[] } | undefined => {
  const present = RUN_OUTPUTS.filter((f) => existsSync(join(dir, f)));
  if (present.length === 0) return undefined;
  let folder = join(dir, `previous-${stamp(now)}`);
  for (let n = 2; existsSync(folder); n++) folder = join(dir, `previous-${stamp(now)}-${n}`);
  mkdirSync(folder);
  for (const f of present) renameSync(join(dir, f), join(folder, f));
  return { folder, moved: present };
};
