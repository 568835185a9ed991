/** Shared fast-check generators for the metric tests: small random label maps. */
import fc from 'fast-check';
import type { Labels } from '../../src/metrics/labels.js';

/** A width × height map with labels in [0, maxLabel]. */
export const labelMap = (maxLabel: number, maxSide = 8): fc.Arbitrary<Labels> =>
  fc
    .record({ width: fc.integer({ min: 1, max: maxSide }), height: fc.integer({ min: 1, max: maxSide }) })
    .chain(({ width, height }) =>
      fc
        .array(fc.integer({ min: 0, max: maxLabel }), { minLength: width * height, maxLength: width * height })
        .map((values) => ({ width, height, data: Int32Array.from(values) })),
    );

/** Two maps of the same size. */
export const labelPair = (maxLabel: number, maxSide = 8): fc.Arbitrary<[Labels, Labels]> =>
  labelMap(maxLabel, maxSide).chain((a) =>
    fc
      .array(fc.integer({ min: 0, max: maxLabel }), { minLength: a.data.length, maxLength: a.data.length })
      .map((values): [Labels, Labels] => [a, { width: a.width, height: a.height, data: Int32Array.from(values) }]),
  );

/** The map with its labels renamed by an injective map (0 stays 0). */
export const relabel = (m: Labels, shift: number): Labels => ({
  ...m,
  data: Int32Array.from(m.data, (v) => (v === 0 ? 0 : v * 7 + shift)),
});
