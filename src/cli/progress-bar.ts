/**
 * The CLI's progress bar for long work (tiles of `segment`, steps of `train`). On a terminal
 * one line is redrawn in place: `\r[####    ] 12/40 tiles 3.1 tiles/s ETA 8s`; elsewhere
 * (a log file, CI) a plain line is printed at about every 10 % and at the end.
 *
 * @example
 * import { progressReporter } from './progress-bar.js';
 * const bar = progressReporter(process.stderr);
 * bar.start('image 1/3 cells.png');
 * bar.update({ done: 12, total: 40 });
 * bar.finish();
 */

/** Seconds as `8s`, `2m05s`, `1h02m`. @example formatDuration(125) // '2m05s' */
export const formatDuration = (s: number): string => {
  if (!Number.isFinite(s)) return '?';
  const t = Math.max(0, Math.round(s));
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
};

/**
 * The bar text for `done` of `total` tiles after `elapsed` seconds (no carriage return).
 *
 * @example
 * formatProgress(12, 40, 3.87, 8); // '[##      ] 12/40 tiles 3.1 tiles/s ETA 9s'
 */
export const formatProgress = (done: number, total: number, elapsed: number, width = 24, unit = 'tiles', note = ''): string => {
  const frac = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(frac * width);
  const rate = elapsed > 0 ? done / elapsed : NaN;
  const eta = done >= total ? 0 : rate > 0 ? (total - done) / rate : NaN;
  const speed = Number.isFinite(rate) ? `${rate.toFixed(1)} ${unit}/s` : `– ${unit}/s`;
  return `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} ${unit}${note ? ` ${note}` : ''} ${speed} ETA ${formatDuration(eta)}`;
};

/** Where the bar goes: process.stderr or anything with `write` (isTTY absent = not a terminal). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(s: string): unknown;
}

export interface ProgressReporter {
  /** A new task (e.g. one image); `label` prefixes its lines. */
  start(label: string): void;
  update(p: { readonly done: number; readonly total: number; readonly note?: string }): void;
  /** Ends the task's line. */
  finish(): void;
}

/**
 * A reporter writing to `stream`; `now` gives seconds (injected for tests).
 *
 * @example
 * // A test's reporter: lines collected, time set by hand.
 * const lines: string[] = [];
 * let t = 0;
 * const bar = progressReporter({ isTTY: false, write: (s) => lines.push(s) }, () => t);
 * bar.start('a.png');
 * t = 2;
 * bar.update({ done: 4, total: 4 });
 */
export const progressReporter = (stream: ProgressStream, now: () => number = () => performance.now() / 1000, unit = 'tiles'): ProgressReporter => {
  let label = '';
  let t0 = now();
  let lastTenth = -1;
  let last = '';
  return {
    start: (l) => {
      label = l;
      t0 = now();
      lastTenth = -1;
      last = '';
    },
    update: ({ done, total, note }) => {
      const text = `${label} ${formatProgress(done, total, now() - t0, 24, unit, note)}`;
      last = text;
      if (stream.isTTY) {
        stream.write(`\r${text}\x1b[K`);
        return;
      }
      const tenth = Math.floor((10 * done) / Math.max(1, total));
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        stream.write(`${text}\n`);
      }
    },
    finish: () => {
      if (stream.isTTY && last !== '') stream.write('\n');
      last = '';
    },
  };
};
