/**
 * Axis ticks and their labels: "nice numbers" for linear axes (Heckbert, "Nice numbers for
 * graph labels", Graphics Gems 1990) and decades (with 2× and 5× when few) for log axes.
 *
 * @example
 * import { linearTicks, logTicks, formatTick } from './ticks.js';
 * linearTicks(0.13, 0.92);  // { min: 0, max: 1, step: 0.2, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] }
 * logTicks(0.02, 0.7);      // { min: 0.01, max: 1, ticks: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1] }
 * formatTick(0.4, 0.2);     // "0.4"
 */

/** The nice number (1, 2, 5 or 10 × a power of ten) nearest to x (round) or at least x. */
const nice = (x: number, round: boolean): number => {
  const e = Math.floor(Math.log10(x));
  const f = x / 10 ** e;
  const n = round ? (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) : f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return n * 10 ** e;
};

/** Ticks of one axis, e.g. `{ min: 0, max: 1, step: 0.2, ticks: [0, 0.2, …, 1] }`. */
export interface Ticks {
  /** The axis range, widened to whole ticks. */
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly number[];
  /** Distance between linear ticks (NaN on log axes). */
  readonly step: number;
}

/**
 * About `target` evenly spaced nice ticks covering [lo, hi]; a degenerate range is widened.
 *
 * @example
 * linearTicks(1, 50).ticks; // [0, 10, 20, 30, 40, 50]
 */
export const linearTicks = (lo: number, hi: number, target = 6): Ticks => {
  let [a, b] = [Math.min(lo, hi), Math.max(lo, hi)];
  if (!Number.isFinite(a) || !Number.isFinite(b)) [a, b] = [0, 1];
  if (a === b) [a, b] = a === 0 ? [-1, 1] : [a - Math.abs(a) / 2, b + Math.abs(b) / 2];
  const step = nice(nice(b - a, false) / Math.max(1, target - 1), true);
  const min = Math.floor(a / step + 1e-9) * step;
  const max = Math.ceil(b / step - 1e-9) * step;
  const count = Math.round((max - min) / step);
  // k·step rounded to the step's decimals, so 0.1·3 prints as 0.3
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const ticks = Array.from({ length: count + 1 }, (_, k) => Number((min + k * step).toFixed(Math.min(20, decimals + 1))));
  return { min, max, ticks, step };
};

/**
 * Ticks of a log axis over [lo, hi] (both > 0): whole decades, plus 2× and 5× when the
 * range spans at most two decades.
 *
 * @example
 * logTicks(1e-4, 3).ticks; // [1e-4, 1e-3, 0.01, 0.1, 1, 10]
 */
export const logTicks = (lo: number, hi: number): Ticks => {
  const ok = (v: number) => Number.isFinite(v) && v > 0;
  let [a, b] = ok(lo) && ok(hi) ? [Math.min(lo, hi), Math.max(lo, hi)] : [1, 10];
  if (a === b) [a, b] = [a / 2, b * 2];
  const e0 = Math.floor(Math.log10(a) + 1e-9);
  const e1 = Math.max(e0 + 1, Math.ceil(Math.log10(b) - 1e-9));
  const mantissas = e1 - e0 <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = e0; e <= e1; e++) for (const m of mantissas) if (e < e1 || m === 1) ticks.push(Number((m * 10 ** e).toPrecision(12)));
  return { min: 10 ** e0, max: 10 ** e1, ticks, step: NaN };
};

/**
 * A tick label: fixed decimals matching a linear step, or the shortest form of the value
 * (exponent notation below 10⁻³ and from 10⁵ on).
 *
 * @example
 * formatTick(1.5, 0.5); // "1.5"
 * formatTick(0.0001);   // "1e-4"
 */
export const formatTick = (v: number, step = NaN): string => {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) return v.toExponential(Number.isNaN(step) ? undefined : 1).replace(/\.0e/, 'e').replace('e+', 'e');
  if (Number.isNaN(step)) return String(Number(v.toPrecision(6)));
  return v.toFixed(Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
};
