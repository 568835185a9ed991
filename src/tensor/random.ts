/**
 * Seeded, splittable pseudo-random numbers. Everything random in unet-ts (He init,
 * dropout masks, augmentation, tile sampling, synthetic data) draws from an `Rng`
 * made from an integer seed, so a run is reproducible bit for bit.
 *
 * The generator is SplitMix32 (Steele, Lea & Flood 2014, 32-bit variant): one
 * 32-bit state word, full period 2^32, good statistical quality for this use.
 *
 * @example
 * import { rng } from 'unet-ts';
 * const r = rng(42);
 * r.uniform(); // in [0, 1)
 * r.normal();  // N(0, 1)
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  readonly uniform: () => number;
  /** Standard normal N(0, 1) (Box–Muller). */
  readonly normal: () => number;
  /** Uniform integer in [0, n). */
  readonly int: (n: number) => number;
  /** Next raw 32-bit unsigned integer. */
  readonly u32: () => number;
  /** An independent generator derived from this one's next output and `salt`. */
  readonly split: (salt?: number) => Rng;
}

/** A SplitMix32 generator seeded with `seed` (any integer). */
export const rng = (seed: number): Rng => {
  let state = seed >>> 0;
  const u32 = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const uniform = (): number => u32() / 4294967296;
  let spare: number | undefined;
  const normal = (): number => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    // 1 - u keeps the log argument in (0, 1].
    const u = 1 - uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  const int = (n: number): number => Math.floor(uniform() * n);
  const split = (salt = 0): Rng => rng((u32() ^ Math.imul(salt + 1, 0x27d4eb2f)) >>> 0);
  return { uniform, normal, int, u32, split };
};
