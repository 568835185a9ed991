/**
 * Safetensors files on disk: atomic writes (see `src/io/atomic.ts`) and validated reads (see
 * `safetensors.ts`), as fp-ts `TaskEither`s whose Left is a CheckpointError naming the file.
 *
 * @example
 * import type { TensorTable } from './safetensors.js';
 * declare const weights: TensorTable;
 * await writeSafetensorsFile('runs/epoch-3.safetensors', weights, { epoch: '3' })();
 * const loaded = await readSafetensorsFile('runs/epoch-3.safetensors')(); // Right({ tensors, metadata })
 */
import { readFile } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { AtomicWriteError, writeFileAtomic } from '../io/atomic.js';
import { CheckpointError, checkpointError } from './checkpoint-error.js';
import { decodeSafetensors, encodeSafetensors, type Safetensors, type TensorTable } from './safetensors.js';

/**
 * Encodes the tensors and metadata and replaces `path` atomically: after a crash at any
 * moment the file holds the previous checkpoint or the new one.
 *
 * @example
 * await writeSafetensorsFile('/tmp/m.safetensors', { b: { shape: [2], data: new Float32Array(2) } })();
 */
export const writeSafetensorsFile = (
  path: string,
  tensors: TensorTable,
  metadata: Readonly<Record<string, string>> = {},
): TE.TaskEither<CheckpointError, void> =>
  pipe(
    E.tryCatch(
      () => encodeSafetensors(tensors, metadata),
      (e) => (e instanceof CheckpointError ? new CheckpointError(path, e.detail) : checkpointError(path, 'cannot encode')(e)),
    ),
    TE.fromEither,
    // a thunk, so the write happens when the task runs, not when it is built
    TE.chain((bytes) => async () =>
      E.tryCatch(
        () => writeFileAtomic(path, bytes),
        (e) => (e instanceof AtomicWriteError ? new CheckpointError(path, e.detail) : checkpointError(path, 'cannot write')(e)),
      ),
    ),
  );

/**
 * Reads and validates a safetensors file.
 *
 * @example
 * const r = await readSafetensorsFile('missing.safetensors')(); // Left("missing.safetensors: cannot read: ENOENT …")
 */
export const readSafetensorsFile = (path: string): TE.TaskEither<CheckpointError, Safetensors> =>
  pipe(
    TE.tryCatch(() => readFile(path), checkpointError(path, 'cannot read')),
    TE.chainEitherK((buffer) => decodeSafetensors(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), path)),
  );
