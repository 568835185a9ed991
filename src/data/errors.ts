/**
 * The one error type of the data module: bad input files and folders.
 *
 * Messages are for people and always name the file, the value found and what was
 * expected, e.g. `labels/07.png: size 512×510 does not match image images/07.png 512×512`.
 * `file` holds the full path of the offending file or folder when there is one, so a
 * caller (the CLI) can point at it without parsing the message.
 *
 * @example
 * import { DataError } from './errors.js';
 * throw new DataError('images/: folder is empty; expected image files (.png, .tif, .tiff)', '/data/images');
 */
export class DataError extends Error {
  /** The file or folder the error is about, when there is one. */
  readonly file?: string;

  constructor(message: string, file?: string) {
    super(message);
    this.name = 'DataError';
    if (file !== undefined) this.file = file;
  }
}

/**
 * A short, readable name for a path: its parent folder and base name (`labels/07.png`).
 *
 * @example
 * shortName('/work/shared/data/isbi2012/labels/07.png'); // 'labels/07.png'
 */
export const shortName = (p: string): string => {
  const parts = p.split(/[\\/]/).filter((s) => s.length > 0);
  return parts.slice(-2).join('/');
};

/**
 * The message of anything thrown (an Error or not).
 *
 * @example
 * messageOf(new Error('boom')); // 'boom'
 */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
