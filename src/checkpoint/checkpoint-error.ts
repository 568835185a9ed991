/**
 * The error of every checkpoint read or write: names the file and what is wrong with it.
 *
 * A class (an `Error`, so it carries a stack and can be thrown at the imperative edges),
 * returned on the left of an `Either` / `TaskEither` by the checkpoint functions.
 *
 * @example
 * new CheckpointError('model.safetensors', 'file is truncated: 5 bytes, needs at least 8').message;
 * // "model.safetensors: file is truncated: 5 bytes, needs at least 8"
 */
export class CheckpointError extends Error {
  readonly _tag = 'CheckpointError' as const;

  constructor(
    /** The file (or name) the bytes came from or go to. */
    readonly file: string,
    /** What is wrong, without the file name. */
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'CheckpointError';
  }
}

/**
 * A CheckpointError from a caught value (an I/O error), keeping its message.
 *
 * @example
 * checkpointError('a.safetensors', 'cannot read')(new Error('ENOENT')).message; // "a.safetensors: cannot read: ENOENT"
 */
export const checkpointError =
  (file: string, what: string) =>
  (e: unknown): CheckpointError =>
    new CheckpointError(file, `${what}: ${e instanceof Error ? e.message : String(e)}`);
