/**
 * The architecture is written once (src/unet/architecture.ts); the parameter list
 * (src/unet/params.ts) must be exactly what that walk asks for, in its order, with the shapes
 * and He fan-ins its layers imply — checked here by running the walk with a recording
 * interpreter over channel counts. The taped forward and the float64 reference are the same
 * walk with other interpreters (test/unet/model.test.ts compares those two numerically).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { unet, type Layers } from '../../src/unet/architecture.js';
import { paramSpecs, type ParamSpec } from '../../src/unet/params.js';
import { PRESETS, type UNetConfig } from '../../src/unet/config.js';

/** The parameters the walk asks for, derived from the channel counts flowing through it. */
const walkSpecs = async (c: UNetConfig): Promise<{ specs: ParamSpec[]; out: number; convs: number }> => {
  const specs: ParamSpec[] = [];
  let convs = 0;
  const record = (name: string, shape: readonly [number, number, number, number], fanIn: number, cout: number): number => {
    specs.push({ name: `${name}.weight`, shape, fanIn }, { name: `${name}.bias`, shape: [1, cout, 1, 1], fanIn: 0 });
    convs++;
    return cout;
  };
  const recorder: Layers<number> = {
    conv: async (name, cin, cout, k, then) => {
      // every 3×3 conv is followed by a ReLU, the 1×1 output conv by nothing (Sec. 2)
      if (then !== (k === 3 ? 'relu' : 'linear')) throw new Error(`${name}: ${k}×${k} conv followed by ${then}`);
      return record(name, [cout, cin, k, k], cin * k * k, cout);
    },
    maxPool: async (x) => x,
    dropout: async (x) => x,
    // ConvTranspose2d layout [Cin, Cout, 2, 2]; each output unit sees one tap per input channel.
    upConv: async (name, cin, cout) => record(name, [cin, cout, 2, 2], cin, cout),
    crop: async (skip) => skip,
    concat: async (a, b) => a + b,
  };
  const out = await unet(c, recorder)(c.inChannels);
  return { specs, out, convs };
};

const configArb: fc.Arbitrary<UNetConfig> = fc.record({
  inChannels: fc.integer({ min: 1, max: 8 }),
  classes: fc.integer({ min: 2, max: 6 }),
  depth: fc.integer({ min: 1, max: 5 }),
  base: fc.integer({ min: 1, max: 64 }),
  dropout: fc.constant(0.5),
  padding: fc.constantFrom('valid' as const, 'same' as const),
  tile: fc.constant(572),
});

describe('the architecture, written once', () => {
  it('paramSpecs lists exactly the parameters the walk uses, in order, with their shapes and fan-ins', async () => {
    await fc.assert(
      fc.asyncProperty(configArb, async (c) => {
        const { specs, out } = await walkSpecs(c);
        expect(paramSpecs(c)).toEqual(specs);
        expect(out).toBe(c.classes);
      }),
      { numRuns: 50 },
    );
  });

  it('has 23 conv layers at the paper size (Sec. 2)', async () => {
    expect((await walkSpecs(PRESETS.paper)).convs).toBe(23);
  });
});
