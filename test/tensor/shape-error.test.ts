import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { orThrow, shapeError, showShape } from '../../src/tensor/shape-error.js';

describe('shape errors', () => {
  it('prefix the message with the op', () => {
    const e = shapeError('conv2d', 'input [1, 3, 2, 2] is too small');
    expect(e).toEqual({ _tag: 'ShapeError', op: 'conv2d', message: 'conv2d: input [1, 3, 2, 2] is too small' });
  });

  it('show shapes as [a, b, …]', () => {
    expect(showShape([1, 64, 572, 572])).toBe('[1, 64, 572, 572]');
    expect(showShape([])).toBe('[]');
    expect(showShape([-1, 0.5])).toBe('[-1, 0.5]');
  });

  it('orThrow returns a Right value and throws a Left message', () => {
    expect(orThrow(E.right(5))).toBe(5);
    expect(() => orThrow(E.left(shapeError('concat', 'bad')))).toThrow('concat: bad');
  });
});
