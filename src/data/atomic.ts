/**
 * Atomic file writes: the bytes go to a temporary file in the target's folder, then a
 * rename puts them in place. A rename within one file system is atomic, so a reader (or a
 * crash) never sees half a file.
 *
 * @example
 * writeFileAtomic('/tmp/out.png', bytes);
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

let counter = 0;

/**
 * Writes `bytes` to `file` through a temporary sibling and a rename; creates the folder.
 *
 * @example
 * writeFileAtomic('/tmp/a/b.bin', Uint8Array.of(1, 2, 3));
 */
export const writeFileAtomic = (file: string, bytes: Uint8Array): void => {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  // pid + counter + clock: unique among concurrent writers without any randomness.
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${counter++}.${process.hrtime.bigint()}.tmp`);
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
};
