/**
 * A progress bar for long work: `[#####.....] 12/40 loss 0.213  1.9 it/s  ETA 15s`.
 * On a TTY it redraws one line; otherwise (CI, logs) it prints a plain line every
 * `every` updates and at the end, so logs stay readable.
 */
export interface Progress {
  readonly tick: (done: number, note?: string) => void;
  readonly done: (note?: string) => void;
}

const time = (s: number): string =>
  !Number.isFinite(s) ? '?' : s < 90 ? `${s.toFixed(0)}s` : s < 5400 ? `${(s / 60).toFixed(1)}min` : `${(s / 3600).toFixed(1)}h`;

export const progress = (label: string, total: number, opts: { stream?: NodeJS.WriteStream; every?: number; unit?: string } = {}): Progress => {
  const stream = opts.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const unit = opts.unit ?? 'it';
  const every = opts.every ?? Math.max(1, Math.round(total / 20));
  const start = performance.now();
  let last = 0;
  const line = (done: number, note: string): string => {
    const secs = (performance.now() - start) / 1000;
    const rate = done / Math.max(secs, 1e-9);
    const width = 24;
    const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
    const eta = total > done ? (total - done) / rate : 0;
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${note} ${rate.toFixed(2)} ${unit}/s ETA ${time(eta)}`.replace(/ +/g, ' ');
  };
  return {
    tick: (done, note = '') => {
      if (tty) stream.write(`\r${line(done, note)}\x1b[K`);
      else if (done - last >= every || done === total) {
        stream.write(`${line(done, note)}\n`);
        last = done;
      }
    },
    done: (note = '') => {
      if (tty) stream.write(`\r${line(total, note)}\x1b[K\n`);
    },
  };
};
