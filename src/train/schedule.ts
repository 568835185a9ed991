/**
 * Learning-rate schedules: η(step) for step = 0, 1, …
 * - constant η;
 * - step decay η·γ^⌊step/every⌋;
 * - polynomial decay η·(1 − step/total)^power;
 * - cosine decay η·(f + (1 − f)·(1 + cos(π·step/total))/2), from η down to f·η at `total`
 *   (SGDR without restarts, Loshchilov & Hutter 2017; f = 0.01 by default: 1e-3 → 1e-5 for Adam).
 * Any of them may start with a linear warm-up: η·(step + 1)/warmup for step < warmup, the
 * schedule's own value from then on (it is not shifted).
 *
 * @example
 * const lr = learningRate({ kind: 'cosine', total: 1000, final: 0.01 }, 1e-3);
 * lr(0); // 1e-3
 * lr(1000); // 1e-5
 */
import * as t from 'io-ts';

export const ScheduleCodec = t.union([
  t.type({ kind: t.literal('constant') }),
  t.type({ kind: t.literal('step'), every: t.number, gamma: t.number }),
  t.type({ kind: t.literal('poly'), total: t.number, power: t.number }),
  t.type({ kind: t.literal('cosine'), total: t.number, final: t.number }),
]);
export type Schedule = t.TypeOf<typeof ScheduleCodec>;

const decay = (s: Schedule, base: number, step: number): number => {
  switch (s.kind) {
    case 'constant':
      return base;
    case 'step':
      return base * s.gamma ** Math.floor(step / s.every);
    case 'poly':
      return base * Math.max(0, 1 - step / s.total) ** s.power;
    case 'cosine': {
      const progress = Math.min(1, step / s.total);
      return base * (s.final + ((1 - s.final) * (1 + Math.cos(Math.PI * progress))) / 2);
    }
  }
};

/** η(step) of schedule `s` from base rate `base`, after `warmup` linear warm-up steps (default 0). */
export const learningRate =
  (s: Schedule, base: number, warmup = 0) =>
  (step: number): number =>
    step < warmup ? (base * (step + 1)) / warmup : decay(s, base, step);
