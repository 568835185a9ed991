/**
 * The error every shape rule returns on the left of an `Either`: the op, the shapes it got,
 * what it expected. Messages are for people: "conv2d: input [1, 3, 2, 2] is smaller than
 * the 3×3 kernel; expected H, W ≥ 3".
 */
export interface ShapeError {
  readonly _tag: 'ShapeError';
  readonly op: string;
  readonly message: string;
}

export const shapeError = (op: string, detail: string): ShapeError => ({
  _tag: 'ShapeError',
  op,
  message: `${op}: ${detail}`,
});

export const showShape = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** A failed shape rule, thrown: its message names the op and the shapes. */
export class OpShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OpShapeError';
  }
}

/**
 * The one Either unwrapper: the value of a shape rule, or its ShapeError thrown as an
 * OpShapeError (inside ops, and at the imperative edges: CLI, tests).
 */
export const orThrow = <A>(e: { readonly _tag: 'Left'; readonly left: ShapeError } | { readonly _tag: 'Right'; readonly right: A }): A => {
  if (e._tag === 'Left') throw new OpShapeError(e.left.message);
  return e.right;
};
