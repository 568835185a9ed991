/**
 * Learning-rate schedules: η(step) for step = 0, 1, …
 * constant; step decay η·γ^⌊step/every⌋; polynomial decay η·(1 − step/total)^power.
 */
import * as t from 'io-ts';

export const ScheduleCodec = t.union([
  t.type({ kind: t.literal('constant') }),
  t.type({ kind: t.literal('step'), every: t.number, gamma: t.number }),
  t.type({ kind: t.literal('poly'), total: t.number, power: t.number }),
]);
export type Schedule = t.TypeOf<typeof ScheduleCodec>;

export const learningRate = (s: Schedule, base: number) => (step: number): number => {
  switch (s.kind) {
    case 'constant':
      return base;
    case 'step':
      return base * s.gamma ** Math.floor(step / s.every);
    case 'poly':
      return base * Math.max(0, 1 - step / s.total) ** s.power;
  }
};
