import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import {
  centerCropShape,
  concatShape,
  conv1x1Shape,
  conv2dShape,
  maxPool2Shape,
  sameShapeRule,
  softmaxCrossEntropyShape,
  upConv2Shape,
} from '../../src/tensor/shape.js';
import { showShape, type ShapeError } from '../../src/tensor/shape-error.js';
import type { Shape } from '../../src/tensor/tensor.js';

const dim = (min: number, max: number) => fc.integer({ min, max });
const shapeArb = (h: [number, number] = [1, 9], c: [number, number] = [1, 5]): fc.Arbitrary<Shape> =>
  fc.tuple(dim(1, 3), dim(c[0], c[1]), dim(h[0], h[1]), dim(h[0], h[1]));

const right = (r: E.Either<ShapeError, Shape>): Shape => {
  if (E.isLeft(r)) throw new Error(`expected Right, got Left: ${r.left.message}`);
  return r.right;
};

/** The error, which must name the op (both as `op` and as the message prefix) and every fragment. */
const expectLeft = (r: E.Either<ShapeError, Shape>, op: string, ...mentions: string[]): ShapeError => {
  if (E.isRight(r)) throw new Error(`expected Left from ${op}, got Right ${showShape(r.right)}`);
  expect(r.left._tag).toBe('ShapeError');
  expect(r.left.op).toBe(op);
  expect(r.left.message.startsWith(`${op}: `)).toBe(true);
  for (const m of mentions) expect(r.left.message).toContain(m);
  return r.left;
};

const s = showShape;
const bias = (c: number): Shape => [1, c, 1, 1];

describe('conv2dShape', () => {
  it('gives [N, Cout, H+2p−k+1, W+2p−k+1] on good input', () => {
    fc.assert(
      fc.property(dim(1, 3), dim(1, 5), dim(1, 5), dim(1, 5), dim(0, 3), dim(0, 6), dim(0, 6), (n, ci, co, k, pad, eh, ew) => {
        const min = Math.max(1, k - 2 * pad);
        const x: Shape = [n, ci, min + eh, min + ew];
        const out = right(conv2dShape(x, [co, ci, k, k], bias(co), pad));
        expect(out).toEqual([n, co, x[2] + 2 * pad - k + 1, x[3] + 2 * pad - k + 1]);
        expect(Math.min(out[2], out[3])).toBeGreaterThanOrEqual(1);
      }),
    );
  });

  it('pad 0 is the default (valid convolution: 572 → 570 for 3×3)', () => {
    expect(right(conv2dShape([1, 1, 572, 572], [64, 1, 3, 3], bias(64)))).toEqual([1, 64, 570, 570]);
    expect(right(conv2dShape([1, 1, 572, 572], [64, 1, 3, 3], bias(64), 1))).toEqual([1, 64, 572, 572]);
  });

  it('is Right exactly when kernel, channels, padding, size and bias are all good (oracle)', () => {
    const arb = fc.record({
      x: fc.tuple(dim(1, 2), dim(1, 3), dim(0, 6), dim(0, 6)),
      w: fc.tuple(dim(1, 3), dim(1, 3), dim(0, 4), dim(0, 4)),
      b: fc.option(fc.tuple(dim(1, 2), dim(1, 3), dim(1, 2), dim(1, 2)), { freq: 2 }),
      pad: fc.constantFrom(0, 0, 1, 2, -1, 0.5),
    });
    fc.assert(
      fc.property(arb, ({ x, w, b: maybeB, pad }) => {
        const b: Shape = maybeB ?? bias(w[0]);
        const [, ci, h, wd] = x;
        const [co, wci, kh, kw] = w;
        const ok =
          kh === kw && kh >= 1 && wci === ci && Number.isInteger(pad) && pad >= 0 &&
          h + 2 * pad - kh + 1 >= 1 && wd + 2 * pad - kw + 1 >= 1 &&
          b[0] === 1 && b[1] === co && b[2] === 1 && b[3] === 1;
        const r = conv2dShape(x, w, b, pad);
        expect(E.isRight(r)).toBe(ok);
        if (E.isLeft(r)) expect(r.left.op).toBe('conv2d');
      }),
      { numRuns: 500 },
    );
  });

  it('names the op and the shapes on each kind of bad input', () => {
    const x: Shape = [1, 3, 8, 8];
    expectLeft(conv2dShape(x, [4, 3, 3, 2], bias(4)), 'conv2d', s([4, 3, 3, 2]), 'square');
    expectLeft(conv2dShape(x, [4, 3, 0, 0], bias(4)), 'conv2d', s([4, 3, 0, 0]), 'k ≥ 1');
    expectLeft(conv2dShape(x, [4, 2, 3, 3], bias(4)), 'conv2d', s(x), s([4, 2, 3, 3]), '3 channels');
    expectLeft(conv2dShape(x, [4, 3, 3, 3], bias(4), -1), 'conv2d', 'padding -1');
    expectLeft(conv2dShape(x, [4, 3, 3, 3], bias(4), 0.5), 'conv2d', 'padding 0.5');
    expectLeft(conv2dShape([1, 3, 2, 8], [4, 3, 3, 3], bias(4)), 'conv2d', s([1, 3, 2, 8]), '3×3', 'H, W ≥ 3');
    expectLeft(conv2dShape([1, 3, 8, 2], [4, 3, 5, 5], bias(4), 1), 'conv2d', s([1, 3, 8, 2]), '5×5', 'H, W ≥ 3');
    expectLeft(conv2dShape(x, [4, 3, 3, 3], [1, 5, 1, 1]), 'conv2d', s([1, 5, 1, 1]), s([1, 4, 1, 1]));
    expectLeft(conv2dShape(x, [4, 3, 3, 3], [2, 4, 1, 1]), 'conv2d', s([2, 4, 1, 1]));
    expectLeft(conv2dShape(x, [4, 3, 3, 3], [1, 4, 1, 2]), 'conv2d', s([1, 4, 1, 2]));
  });
});

describe('maxPool2Shape', () => {
  it('halves even H and W', () => {
    fc.assert(
      fc.property(dim(1, 3), dim(1, 5), dim(1, 50), dim(1, 50), (n, c, h2, w2) => {
        expect(right(maxPool2Shape([n, c, 2 * h2, 2 * w2]))).toEqual([n, c, h2, w2]);
      }),
    );
  });

  it('is Right exactly for even H, W ≥ 2', () => {
    fc.assert(
      fc.property(fc.tuple(dim(1, 2), dim(1, 3), dim(0, 9), dim(0, 9)), (x) => {
        const ok = x[2] % 2 === 0 && x[3] % 2 === 0 && x[2] >= 2 && x[3] >= 2;
        const r = maxPool2Shape(x);
        expect(E.isRight(r)).toBe(ok);
        if (E.isLeft(r)) expectLeft(r, 'maxPool2', s(x), 'even');
      }),
    );
  });

  it('names the op and the input on odd and empty sizes', () => {
    expectLeft(maxPool2Shape([1, 64, 569, 570]), 'maxPool2', s([1, 64, 569, 570]), '569×570');
    expectLeft(maxPool2Shape([1, 64, 570, 569]), 'maxPool2', s([1, 64, 570, 569]));
    expectLeft(maxPool2Shape([1, 64, 0, 4]), 'maxPool2', s([1, 64, 0, 4]));
  });
});

describe('upConv2Shape', () => {
  it('gives [N, Cout, 2H, 2W] on good input', () => {
    fc.assert(
      fc.property(shapeArb(), dim(1, 6), (x, co) => {
        expect(right(upConv2Shape(x, [x[1], co, 2, 2], bias(co)))).toEqual([x[0], co, 2 * x[2], 2 * x[3]]);
      }),
    );
  });

  it('is Right exactly when the weight is [Cin, Cout, 2, 2] and the bias [1, Cout, 1, 1]', () => {
    fc.assert(
      fc.property(
        shapeArb([1, 4], [1, 3]),
        fc.tuple(dim(1, 3), dim(1, 3), dim(1, 3), dim(1, 3)),
        fc.option(fc.tuple(dim(1, 2), dim(1, 3), dim(1, 2), dim(1, 2)), { freq: 2 }),
        (x, w, maybeB) => {
          const b: Shape = maybeB ?? bias(w[1]);
          const ok = w[0] === x[1] && w[2] === 2 && w[3] === 2 && b[0] === 1 && b[1] === w[1] && b[2] === 1 && b[3] === 1;
          const r = upConv2Shape(x, w, b);
          expect(E.isRight(r)).toBe(ok);
          if (E.isLeft(r)) expect(r.left.op).toBe('upConv2');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('names the op and the shapes on each kind of bad input', () => {
    const x: Shape = [1, 8, 5, 5];
    expectLeft(upConv2Shape(x, [4, 8, 2, 2], bias(8)), 'upConv2', s(x), s([4, 8, 2, 2]), '[8, Cout, 2, 2]');
    expectLeft(upConv2Shape(x, [8, 4, 3, 3], bias(4)), 'upConv2', s(x), s([8, 4, 3, 3]));
    expectLeft(upConv2Shape(x, [8, 4, 2, 1], bias(4)), 'upConv2', s([8, 4, 2, 1]));
    expectLeft(upConv2Shape(x, [8, 4, 2, 2], bias(8)), 'upConv2', s([1, 8, 1, 1]), s([1, 4, 1, 1]));
  });
});

describe('centerCropShape', () => {
  it('crops to h×w when the margins are even', () => {
    fc.assert(
      fc.property(shapeArb(), dim(0, 10), dim(0, 10), (x, mh, mw) => {
        const X: Shape = [x[0], x[1], x[2] + 2 * mh, x[3] + 2 * mw];
        expect(right(centerCropShape(X, x[2], x[3]))).toEqual(x);
      }),
    );
  });

  it('is Right exactly for 1 ≤ h ≤ H, 1 ≤ w ≤ W with even margins', () => {
    fc.assert(
      fc.property(fc.tuple(dim(1, 2), dim(1, 3), dim(0, 9), dim(0, 9)), dim(-1, 10), dim(-1, 10), (x, h, w) => {
        const ok = h >= 1 && w >= 1 && h <= x[2] && w <= x[3] && (x[2] - h) % 2 === 0 && (x[3] - w) % 2 === 0;
        const r = centerCropShape(x, h, w);
        expect(E.isRight(r)).toBe(ok);
        if (E.isLeft(r)) expectLeft(r, 'centerCrop', s(x), `${h}×${w}`);
      }),
    );
  });

  it('names the op, the input and the target on each kind of bad input', () => {
    expectLeft(centerCropShape([1, 64, 568, 568], 570, 392), 'centerCrop', s([1, 64, 568, 568]), '570×392', 'h ≤ 568');
    expectLeft(centerCropShape([1, 64, 568, 568], 0, 392), 'centerCrop', '0×392');
    expectLeft(centerCropShape([1, 64, 568, 568], 391, 392), 'centerCrop', s([1, 64, 568, 568]), '391×392', 'odd margin (177, 176)');
    expectLeft(centerCropShape([1, 64, 568, 568], 392, 391), 'centerCrop', 'odd margin (176, 177)');
  });
});

describe('concatShape', () => {
  it('adds channels when N, H, W agree', () => {
    fc.assert(
      fc.property(shapeArb(), dim(1, 9), (a, cb) => {
        expect(right(concatShape(a, [a[0], cb, a[2], a[3]]))).toEqual([a[0], a[1] + cb, a[2], a[3]]);
      }),
    );
  });

  it('is Right exactly when N, H and W agree, else names both inputs', () => {
    fc.assert(
      fc.property(shapeArb([1, 3], [1, 3]), shapeArb([1, 3], [1, 3]), (a, b) => {
        const ok = a[0] === b[0] && a[2] === b[2] && a[3] === b[3];
        const r = concatShape(a, b);
        expect(E.isRight(r)).toBe(ok);
        if (E.isLeft(r)) expectLeft(r, 'concat', s(a), s(b));
      }),
    );
    expectLeft(concatShape([1, 64, 392, 392], [2, 64, 392, 392]), 'concat', s([2, 64, 392, 392]));
    expectLeft(concatShape([1, 64, 392, 392], [1, 64, 390, 392]), 'concat', s([1, 64, 390, 392]));
    expectLeft(concatShape([1, 64, 392, 392], [1, 64, 392, 390]), 'concat', s([1, 64, 392, 390]));
  });
});

describe('conv1x1Shape', () => {
  it('maps channels and keeps H, W', () => {
    fc.assert(
      fc.property(shapeArb(), dim(1, 6), (x, co) => {
        expect(right(conv1x1Shape(x, [co, x[1], 1, 1], bias(co)))).toEqual([x[0], co, x[2], x[3]]);
      }),
    );
  });

  it('names conv1x1 and the shapes on each kind of bad input', () => {
    const x: Shape = [1, 64, 388, 388];
    expectLeft(conv1x1Shape(x, [2, 64, 3, 3], bias(2)), 'conv1x1', s([2, 64, 3, 3]), '[Cout, Cin, 1, 1]');
    expectLeft(conv1x1Shape(x, [2, 32, 1, 1], bias(2)), 'conv1x1', s(x), s([2, 32, 1, 1]));
    expectLeft(conv1x1Shape(x, [2, 64, 1, 1], bias(3)), 'conv1x1', s([1, 3, 1, 1]), s([1, 2, 1, 1]));
    expectLeft(conv1x1Shape([1, 64, 0, 5], [2, 64, 1, 1], bias(2)), 'conv1x1', s([1, 64, 0, 5]));
  });
});

describe('sameShapeRule', () => {
  it('passes the shape through, and names the given op when shapes differ', () => {
    fc.assert(
      fc.property(shapeArb([1, 3], [1, 2]), shapeArb([1, 3], [1, 2]), (a, b) => {
        expect(right(sameShapeRule('relu', a))).toEqual(a);
        const r = sameShapeRule('add', a, b);
        const same = a.every((d, i) => d === b[i]);
        expect(E.isRight(r)).toBe(same);
        if (E.isLeft(r)) expectLeft(r, 'add', s(a), s(b));
      }),
    );
  });
});

describe('softmaxCrossEntropyShape', () => {
  it('gives a scalar for logits [N, K≥2, H, W] and labels, weights [N, 1, H, W]', () => {
    fc.assert(
      fc.property(shapeArb([1, 9], [2, 6]), (l) => {
        const m: Shape = [l[0], 1, l[2], l[3]];
        expect(right(softmaxCrossEntropyShape(l, m, m))).toEqual([1, 1, 1, 1]);
      }),
    );
  });

  it('is Right exactly when K ≥ 2 and labels and weights match [N, 1, H, W]', () => {
    fc.assert(
      fc.property(
        shapeArb([1, 2], [1, 3]),
        fc.option(shapeArb([1, 2], [1, 2]), { freq: 2 }),
        fc.option(shapeArb([1, 2], [1, 2]), { freq: 2 }),
        (l, lab, wt) => {
          const want: Shape = [l[0], 1, l[2], l[3]];
          const labels = lab ?? want;
          const weights = wt ?? want;
          const eq = (a: Shape): boolean => a.every((d, i) => d === want[i]);
          const r = softmaxCrossEntropyShape(l, labels, weights);
          expect(E.isRight(r)).toBe(l[1] >= 2 && eq(labels) && eq(weights));
          if (E.isLeft(r)) expectLeft(r, 'softmaxCrossEntropy', s(l));
        },
      ),
    );
  });

  it('names the op and the shapes on each kind of bad input', () => {
    const l: Shape = [1, 2, 388, 388];
    const m: Shape = [1, 1, 388, 388];
    expectLeft(softmaxCrossEntropyShape([1, 1, 388, 388], m, m), 'softmaxCrossEntropy', s([1, 1, 388, 388]), '1 classes');
    expectLeft(softmaxCrossEntropyShape(l, [1, 1, 390, 388], m), 'softmaxCrossEntropy', 'labels [1, 1, 390, 388]', s(l), `expected ${s(m)}`);
    expectLeft(softmaxCrossEntropyShape(l, [1, 2, 388, 388], m), 'softmaxCrossEntropy', 'labels [1, 2, 388, 388]');
    expectLeft(softmaxCrossEntropyShape(l, m, [2, 1, 388, 388]), 'softmaxCrossEntropy', 'weights [2, 1, 388, 388]', s(l));
  });
});

describe('shape rules do not mutate their inputs', () => {
  it('leaves every shape argument unchanged', () => {
    const x = [1, 3, 8, 8] as const;
    const args: Shape[] = [[...x], [4, 3, 3, 3], [1, 4, 1, 1]];
    const copies = args.map((a) => [...a]);
    conv2dShape(args[0]!, args[1]!, args[2]!, 1);
    maxPool2Shape(args[0]!);
    centerCropShape(args[0]!, 4, 4);
    concatShape(args[0]!, args[0]!);
    upConv2Shape(args[0]!, [3, 2, 2, 2], [1, 2, 1, 1]);
    expect(args).toEqual(copies);
  });
});
